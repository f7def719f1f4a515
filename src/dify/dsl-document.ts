import { isMap, parseDocument, type Document } from 'yaml';
import { AutoOptError } from '../core/autoopt-error.js';
import { asObject, asText } from '../core/json-value.js';

/** A DSL that cannot be read: where, and why. */
export class DslError extends AutoOptError {
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    message: string,
    fields: {
      readonly source?: string | undefined;
      readonly line?: number;
      readonly column?: number;
    } = {},
  ) {
    const where = [fields.source, fields.line, fields.column]
      .filter((part) => part !== undefined)
      .join(':');
    super('E_DSL_INVALID', where === '' ? message : `${where}: ${message}`);
    this.source = fields.source;
    this.line = fields.line;
    this.column = fields.column;
  }
}

/** One prompt of an app: which node, which field, and its text. */
export interface DslPrompt {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly title: string;
  /** `system`, `user` or `assistant` for a chat prompt; none for an instruction. */
  readonly role: string | undefined;
  /** The path of the text in the DSL, for {@link DslDocument.setPrompt}. */
  readonly path: readonly (string | number)[];
  readonly text: string;
}

type Json = Readonly<Record<string, unknown>>;

/**
 * An app's DSL, read for editing: its prompts can be listed and changed, and writing it back
 * keeps every key, comment and `{{#…#}}` reference it does not touch.
 */
export class DslDocument {
  readonly #doc: Document;

  private constructor(doc: Document) {
    this.#doc = doc;
  }

  /**
   * Reads a DSL.
   * @throws DslError (`E_DSL_INVALID`) with the line and column of the first YAML problem, or when
   * it is not an app DSL.
   */
  static parse(yamlText: string, source?: string): DslDocument {
    const doc = parseDocument(yamlText, { keepSourceTokens: false, uniqueKeys: false });
    const problem = doc.errors[0];
    if (problem !== undefined) {
      const position = problem.linePos?.[0];
      throw new DslError(problem.message.split('\n', 1)[0] ?? 'invalid YAML', {
        source,
        ...(position === undefined ? {} : { line: position.line, column: position.col }),
      });
    }
    if (!isMap(doc.contents) || !isMap(doc.get('app'))) {
      throw new DslError('not a Dify app DSL: no `app` section', { source });
    }
    return new DslDocument(doc);
  }

  /** The app's mode: `workflow`, `advanced-chat`, `chat`, `completion`, `agent-chat`. */
  get mode(): string {
    const mode: unknown = this.#doc.getIn(['app', 'mode']);
    return typeof mode === 'string' ? mode : 'unknown';
  }

  get name(): string {
    const name: unknown = this.#doc.getIn(['app', 'name']);
    return typeof name === 'string' ? name : '';
  }

  /** The DSL version (`0.3.1`, …). */
  get version(): string | undefined {
    const version: unknown = this.#doc.get('version');
    return typeof version === 'string' || typeof version === 'number' ? String(version) : undefined;
  }

  /** A chat or completion app's prompt (`model_config.pre_prompt`), if it has one. */
  get prePrompt(): string | undefined {
    const text: unknown = this.#doc.getIn(['model_config', 'pre_prompt']);
    return typeof text === 'string' ? text : undefined;
  }

  /** A chat or completion app's `model_config`, as plain data (what a debug run sends). */
  get modelConfig(): Json | undefined {
    return asObject(this.toJSON().model_config);
  }

  /** A copy to edit: changing it leaves this one as it is. */
  clone(): DslDocument {
    return new DslDocument(this.#doc.clone());
  }

  /** The whole DSL as plain data. */
  toJSON(): Json {
    return asObject(this.#doc.toJS()) ?? {};
  }

  /** Every prompt of the app's nodes: LLM prompt templates and classifier/extractor instructions. */
  prompts(): DslPrompt[] {
    const nodes: unknown = this.toJSON().workflow;
    const list = asObject(asObject(asObject(nodes)?.graph))?.nodes;
    if (!Array.isArray(list)) return [];
    const prompts: DslPrompt[] = [];
    list.forEach((node: unknown, index) => {
      const data = asObject(asObject(node)?.data);
      if (data === undefined) return;
      const base = {
        nodeId: asText(asObject(node)?.id, ''),
        nodeType: asText(data.type, ''),
        title: asText(data.title, ''),
      };
      const path = ['workflow', 'graph', 'nodes', index, 'data'];
      if (base.nodeType === 'llm') {
        const template = data.prompt_template;
        if (Array.isArray(template)) {
          template.forEach((message: unknown, position) => {
            const entry = asObject(message);
            if (typeof entry?.text !== 'string') return;
            prompts.push({
              ...base,
              role: typeof entry.role === 'string' ? entry.role : undefined,
              path: [...path, 'prompt_template', position, 'text'],
              text: entry.text,
            });
          });
        } else if (typeof asObject(template)?.text === 'string') {
          prompts.push({
            ...base,
            role: undefined,
            path: [...path, 'prompt_template', 'text'],
            text: asText(asObject(template)?.text),
          });
        }
      } else if (
        (base.nodeType === 'question-classifier' || base.nodeType === 'parameter-extractor') &&
        typeof data.instruction === 'string'
      ) {
        prompts.push({
          ...base,
          role: undefined,
          path: [...path, 'instruction'],
          text: data.instruction,
        });
      }
    });
    return prompts;
  }

  /**
   * Replaces one prompt's text, leaving everything else as it was.
   * @throws DslError (`E_DSL_INVALID`) when `path` does not name a text of the DSL.
   */
  setPrompt(path: readonly (string | number)[], text: string): void {
    const current: unknown = this.#doc.getIn(path);
    if (typeof current !== 'string') {
      throw new DslError(`no prompt text at ${path.join('.')}`);
    }
    this.#doc.setIn(path, text);
  }

  /** Renames the app (a sandbox copy is named after the app it copies). */
  setName(name: string): void {
    this.#doc.setIn(['app', 'name'], name);
  }

  /** The DSL as YAML. */
  toString(): string {
    return this.#doc.toString({ lineWidth: 0 });
  }
}
