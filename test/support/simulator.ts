import { DifySimulator } from '../../src/simulator/simulator-server.js';
import {
  resolveSimulatorConfig,
  type SimulatorConfigInput,
} from '../../src/simulator/simulator-config.js';
import { FIXTURES } from './fixtures.js';

/** Starts a simulator on 127.0.0.1, port 0, DSL paths relative to the fixtures' `dsl/`. */
export async function startSimulator(input: SimulatorConfigInput): Promise<DifySimulator> {
  const { apps, config } = await resolveSimulatorConfig(input, `${FIXTURES}/dsl`);
  return DifySimulator.start({ apps, config });
}

/** The apps most tests use: a workflow, a chatflow, a chat and a completion app. */
export const STANDARD_APPS: SimulatorConfigInput = {
  apps: [
    {
      id: 'wf',
      api_key: 'app-wf-secret-key',
      dsl: 'workflow-llm-basic.yml',
      behaviour: { latency_ms: 20 },
    },
    {
      id: 'chatflow',
      api_key: 'app-chatflow-secret',
      dsl: 'chatflow-parallel-llm.yml',
      behaviour: { latency_ms: 20 },
    },
    {
      id: 'chat',
      api_key: 'app-chat-secret',
      dsl_yaml:
        'app: {name: helper, mode: chat}\nkind: app\nversion: 0.3.1\nmodel_config: {pre_prompt: "You are polite. Topic: {{topic}}", user_input_form: [{text-input: {variable: topic, label: Topic, required: false}}]}\n',
      behaviour: { latency_ms: 10 },
    },
    {
      id: 'completion',
      api_key: 'app-completion-secret',
      dsl_yaml:
        'app: {name: writer, mode: completion}\nkind: app\nversion: 0.3.1\nmodel_config: {pre_prompt: "Write in uppercase about {{topic}}", user_input_form: [{text-input: {variable: topic, label: Topic, required: true, max_length: 20}}]}\n',
      behaviour: { latency_ms: 10 },
    },
  ],
  console: { email: 'admin@example.com', password: 'console-password-secret' },
};
