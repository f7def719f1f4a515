import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createSeededRandom } from '../core/seeded-random.js';
import type { SimApp } from './sim-app.js';
import type { SimulatorConfig } from './simulator-config.js';
import { readJson, sendJson } from './sim-http.js';
import { readProposerRequest, simulatedProposal, type ProposerSkill } from './sim-proposer.js';

/** A copy's name without its sandbox suffix: the app it copies. */
function originOf(name: string): string {
  return name.replace(/ \[dify-autoopt [^\]]*\]$/, '');
}

/** The simulated proposer's endpoint: its skill, its own random draws, the calls it answered. */
export class ProposerEndpoint {
  calls = 0;
  readonly #skill: ProposerSkill;
  readonly #random: () => number;

  constructor(config: SimulatorConfig) {
    const { proposer } = config;
    this.#skill = {
      skill: proposer.skill,
      noise: proposer.noise,
      dropReferenceRate: proposer.drop_reference_rate,
      proseRate: proposer.prose_rate,
      emptyRate: proposer.empty_rate,
    };
    // Its own draws, so asking the proposer does not shift the apps' answers.
    this.#random = createSeededRandom(config.seed * 7919 + 17);
  }

  /** Answers one call (see {@link answerProposer}). */
  answer(req: IncomingMessage, res: ServerResponse, apps: Iterable<SimApp>): Promise<void> {
    this.calls += 1;
    return answerProposer(req, res, apps, this.#skill, this.#random);
  }
}

/**
 * `POST /v1/chat/completions`: the simulated proposer, OpenAI-compatible. It reads the first
 * user message as the optimizer writes it, finds the app it names (a sandbox copy behaves as its
 * original) for the task's instructions, and answers as {@link simulatedProposal} does, with
 * usage counted at about four characters a token. Any bearer key is taken.
 */
export async function answerProposer(
  req: IncomingMessage,
  res: ServerResponse,
  apps: Iterable<SimApp>,
  skill: ProposerSkill,
  random: () => number,
): Promise<void> {
  const body = await readJson(req);
  const messages = Array.isArray(body.messages)
    ? (body.messages as { readonly role?: unknown; readonly content?: unknown }[])
    : [];
  const first = messages.find((m) => m.role === 'user')?.content;
  const request = typeof first === 'string' ? readProposerRequest(first) : undefined;
  if (request === undefined) {
    sendJson(res, 400, {
      error: { message: 'no prompt to improve in the request', type: 'invalid_request_error' },
    });
    return;
  }
  const all = [...apps];
  const named =
    request.appName === undefined
      ? undefined
      : (all.find((app) => app.dsl.name === request.appName) ??
        all.find((app) => app.dsl.name === originOf(request.appName ?? '')));
  const task = (named ?? all.find((app) => app.behaviour.task !== undefined))?.behaviour.task;
  const content = simulatedProposal(request, task, skill, random);
  const promptTokens = Math.ceil(
    messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0) / 4,
  );
  const completionTokens = Math.ceil(content.length / 4);
  sendJson(res, 200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'simulated-proposer',
    choices: [
      { index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  });
}
