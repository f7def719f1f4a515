import { randomUUID } from 'node:crypto';
import type { SimBehaviour } from './simulator-config.js';
import { SimDsl } from './sim-dsl.js';

/** A run the simulator served, kept for the run detail, the logs and stop. */
export interface SimRunRecord {
  readonly id: string;
  readonly taskId: string;
  readonly appId: string;
  readonly workflowId: string;
  readonly user: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  outputs: Readonly<Record<string, unknown>> | null;
  error: string | null;
  elapsedS: number;
  totalTokens: number;
  totalSteps: number;
  finishedAt: number | null;
  /** Aborted by a stop call. */
  readonly stop: AbortController;
}

/** A published version of an app. */
export interface SimVersion {
  readonly id: string;
  readonly dsl: SimDsl;
  readonly markedName: string;
  readonly markedComment: string;
  readonly createdAt: number;
}

// Runs kept for the detail and logs endpoints; the oldest go first.
const MAX_RECORDS = 200_000;

/** One simulated app: its draft DSL, versions, behaviour and the runs it served. */
export class SimApp {
  readonly id: string;
  apiKey: string;
  behaviour: SimBehaviour;
  dsl: SimDsl;
  readonly versions: SimVersion[] = [];
  readonly workflowId = randomUUID();
  readonly runs = new Map<string, SimRunRecord>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(fields: {
    readonly id: string;
    readonly apiKey: string;
    readonly dslYaml: string;
    readonly behaviour: SimBehaviour;
  }) {
    this.id = fields.id;
    this.apiKey = fields.apiKey;
    this.behaviour = fields.behaviour;
    this.dsl = new SimDsl(fields.dslYaml);
  }

  /** Records a new run. */
  startRun(fields: {
    readonly user: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly workflowId?: string;
  }): SimRunRecord {
    const record: SimRunRecord = {
      id: randomUUID(),
      taskId: randomUUID(),
      appId: this.id,
      workflowId: fields.workflowId ?? this.workflowId,
      user: fields.user,
      inputs: fields.inputs,
      createdAt: Math.floor(Date.now() / 1000),
      status: 'running',
      outputs: null,
      error: null,
      elapsedS: 0,
      totalTokens: 0,
      totalSteps: 0,
      finishedAt: null,
      stop: new AbortController(),
    };
    this.runs.set(record.id, record);
    if (this.runs.size > MAX_RECORDS) {
      const oldest = this.runs.keys().next().value;
      if (oldest !== undefined) this.runs.delete(oldest);
    }
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return record;
  }

  /** Ends a run: the slot it held is free again. */
  finishRun(
    record: SimRunRecord,
    outcome: Pick<
      SimRunRecord,
      'status' | 'outputs' | 'error' | 'elapsedS' | 'totalTokens' | 'totalSteps'
    >,
  ): void {
    if (record.status !== 'running') return;
    Object.assign(record, outcome, { finishedAt: Math.floor(Date.now() / 1000) });
    this.inFlight -= 1;
  }
}
