import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { asArray, asObject, asText } from '../core/json-value.js';

type Json = Readonly<Record<string, unknown>>;

/** One input variable of an app's start form. */
export interface SimInputVariable {
  readonly type: string;
  readonly variable: string;
  readonly label: string;
  readonly required: boolean;
  readonly maxLength: number | undefined;
  readonly options: readonly string[];
}

/** One node of an app's graph, as the simulator runs it. */
export interface SimNode {
  readonly id: string;
  readonly type: string;
  readonly title: string;
  readonly data: Json;
}

/**
 * The simulator's own reading of a Dify DSL: the mode, the input form, the graph's nodes in run
 * order, and the draft hash. Deliberately separate from the client's DSL code.
 */
export class SimDsl {
  readonly raw: Json;
  readonly yaml: string;

  constructor(yamlText: string) {
    const raw = asObject(parse(yamlText) as unknown);
    if (raw === undefined || asObject(raw.app) === undefined) {
      throw new Error('not a Dify app DSL: no `app` section');
    }
    this.raw = raw;
    this.yaml = yamlText;
  }

  get mode(): string {
    return asText(asObject(this.raw.app)?.mode, 'workflow');
  }

  get name(): string {
    return asText(asObject(this.raw.app)?.name, '');
  }

  get version(): string {
    return asText(this.raw.version, '');
  }

  get workflow(): Json {
    return asObject(this.raw.workflow) ?? {};
  }

  get graph(): Json {
    return asObject(this.workflow.graph) ?? { nodes: [], edges: [] };
  }

  get features(): Json {
    return asObject(this.workflow.features) ?? {};
  }

  #nodes: SimNode[] | undefined;
  #inputs: SimInputVariable[] | undefined;
  #hash: string | undefined;

  /** A hash of the graph and features, as the console's draft sync checks it. */
  get hash(): string {
    this.#hash ??= createHash('sha256')
      .update(JSON.stringify({ graph: this.graph, features: this.features }))
      .digest('hex');
    return this.#hash;
  }

  /** The nodes in the order a run visits them: from the start node along the edges. */
  nodes(): readonly SimNode[] {
    // A SimDsl never changes (an edit makes a new one): computed once.
    this.#nodes ??= this.#orderNodes();
    return this.#nodes;
  }

  #orderNodes(): SimNode[] {
    const nodes = asArray(this.graph.nodes)
      .map((node): SimNode | undefined => {
        const entry = asObject(node);
        const data = asObject(entry?.data);
        if (entry === undefined || data === undefined) return undefined;
        return {
          id: asText(entry.id),
          type: asText(data.type, ''),
          title: asText(data.title, ''),
          data,
        };
      })
      .filter((node): node is SimNode => node !== undefined);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const next = new Map<string, string[]>();
    const incoming = new Map<string, number>(nodes.map((node) => [node.id, 0]));
    for (const edge of asArray(this.graph.edges)) {
      const e = asObject(edge);
      const source = asText(e?.source, '');
      const target = asText(e?.target, '');
      if (!byId.has(source) || !byId.has(target)) continue;
      next.set(source, [...(next.get(source) ?? []), target]);
      incoming.set(target, (incoming.get(target) ?? 0) + 1);
    }
    // Kahn's order; nodes inside iterations (no edges from the start) come last.
    const order: SimNode[] = [];
    const ready = nodes.filter((node) => incoming.get(node.id) === 0 && node.type === 'start');
    const seen = new Set<string>();
    while (ready.length > 0) {
      const node = ready.shift() as SimNode;
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      order.push(node);
      for (const target of next.get(node.id) ?? []) {
        const left = (incoming.get(target) ?? 1) - 1;
        incoming.set(target, left);
        if (left <= 0) ready.push(byId.get(target) as SimNode);
      }
    }
    return [...order, ...nodes.filter((node) => !seen.has(node.id) && node.type !== 'start')];
  }

  /** The start form's variables (or, for chat and completion apps, the model config's form). */
  inputs(): readonly SimInputVariable[] {
    this.#inputs ??= this.#readInputs();
    return this.#inputs;
  }

  #readInputs(): SimInputVariable[] {
    const start = this.nodes().find((node) => node.type === 'start');
    const variables = start === undefined ? this.#modelConfigForm() : asArray(start.data.variables);
    return variables
      .map((variable) => asObject(variable))
      .filter((variable): variable is Json => variable !== undefined)
      .map((variable) => ({
        type: asText(variable.type, 'text-input'),
        variable: asText(variable.variable, ''),
        label: asText(variable.label, asText(variable.variable, '')),
        required: variable.required === true,
        maxLength: typeof variable.max_length === 'number' ? variable.max_length : undefined,
        options: asArray(variable.options).filter((o): o is string => typeof o === 'string'),
      }));
  }

  /** The prompt of a chat or completion app (`model_config.pre_prompt`). */
  get prePrompt(): string {
    return asText(asObject(this.raw.model_config)?.pre_prompt, '');
  }

  #modelConfigForm(): unknown[] {
    return asArray(asObject(this.raw.model_config)?.user_input_form).map((entry) => {
      const wrapper = asObject(entry) ?? {};
      const type = Object.keys(wrapper)[0] ?? 'text-input';
      return { type, ...asObject(wrapper[type]) };
    });
  }
}
