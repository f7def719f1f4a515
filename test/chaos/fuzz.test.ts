// Bad input, fuzzed with fast-check: the configuration loader, the SSE decoder and the dataset
// readers meet thousands of mutated inputs and answer each with a result or a typed error that
// says where; never a crash, never a hang.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseCsvRows, parseJsonl } from '../../src/config/dataset.js';
import { parseConfig } from '../../src/config/load-config.js';
import { RunAssembler } from '../../src/dify/run-assembler.js';
import { SseDecoder, type SseFrame } from '../../src/dify/sse-decoder.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { FIXTURES } from '../support/fixtures.js';

const BASE = `dify:
  base_url: http://127.0.0.1:5001
  request_timeout: 30
workflows:
  - id: translate
    api_key: \${KEY:-app-key}
    inputs:
      query: [hello, world]
      level: 3
    reference: [Bonjour, Monde]
    assert:
      - {type: contains, value: o, weight: 2}
      - {type: similar, threshold: 0.5}
      - {type: javascript, value: 'output.length > 0'}
    repeat: 2
execution:
  concurrency: 8
  retry: {max_attempts: 3, backoff: 0.5}
  rate_limit: {per_minute: 600, burst: 10}
output: {formats: [html, junit]}
`;

/** Text edits a person (or a bad merge) makes: delete, insert, replace, duplicate or swap lines. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(
        ':',
        '-',
        '  ',
        '\n',
        '"',
        "'",
        '{',
        '[',
        '}',
        '#',
        '${X}',
        '*a',
        '&a',
        '!!str',
        '\t',
        'null',
        '-1',
        '1e999',
      ),
    ),
  }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of edits) {
    if (e.kind === 'delete') {
      const at = e.at % Math.max(1, out.length);
      out = out.slice(0, at) + out.slice(at + e.length);
    } else if (e.kind === 'insert') {
      const at = e.at % (out.length + 1);
      out = out.slice(0, at) + e.text + out.slice(at);
    } else {
      const lines = out.split('\n');
      if (e.kind === 'swap') {
        const a = e.a % lines.length;
        const b = e.b % lines.length;
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      } else {
        const at = e.at % lines.length;
        lines.splice(at, 0, lines[at] ?? '');
      }
      out = lines.join('\n');
    }
  }
  return out;
}

describe('fuzzing', () => {
  it('the configuration loader: every mutated file parses or fails with E_CONFIG_INVALID, each problem with its key and place', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        const text = apply(BASE, edits);
        try {
          parseConfig(text, 'fuzz.yaml', {});
          accepted += 1;
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const problems = (error as ConfigError).problems;
          expect((error as ConfigError).code).toBe('E_CONFIG_INVALID');
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) {
            expect(problem.file).toBe('fuzz.yaml');
            expect(problem.path.length).toBeGreaterThan(0);
            expect(problem.message.length).toBeGreaterThan(0);
            // A key that exists in the file has its place; the root or a missing key may not.
            if (problem.line !== undefined) {
              expect(problem.line).toBeGreaterThanOrEqual(1);
              expect(problem.line).toBeLessThanOrEqual(text.split('\n').length + 1);
            }
          }
          refused += 1;
        }
      }),
      { numRuns: 3000, seed: 20261124 },
    );
    expect(refused).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(50);
    recordScenario('fuzz-config', { files: refused + accepted, refused, accepted });
  }, 60_000);

  it('the SSE decoder: any split of a real stream decodes the same, and garbage only ever gives malformed frames', () => {
    const stream = readFileSync(join(FIXTURES, 'responses', 'workflow-run-streaming.sse'));
    const decode = (chunks: readonly Uint8Array[]): SseFrame[] => {
      const frames: SseFrame[] = [];
      const decoder = new SseDecoder((frame) => frames.push(frame));
      for (const chunk of chunks) decoder.push(chunk);
      decoder.end();
      return frames;
    };
    const whole = decode([stream]);
    expect(whole.filter((f) => f.kind === 'event').length).toBeGreaterThan(3);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 40 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const p of points) {
          chunks.push(stream.subarray(from, p));
          from = p;
        }
        chunks.push(stream.subarray(from));
        expect(decode(chunks)).toEqual(whole);
      }),
      { numRuns: 1000, seed: 1 },
    );
    let frames = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc
              .constantFrom(
                'data: {',
                'data: []\n\n',
                'event: ping\n',
                '\n\n',
                'data: {"event":"workflow_finished"}\n\n',
                'retry: x\n',
                ':\n',
              )
              .map((s) => new TextEncoder().encode(s)),
          ),
          { maxLength: 30 },
        ),
        (chunks) => {
          const assembler = new RunAssembler('workflow');
          for (const frame of decode(chunks)) {
            frames += 1;
            if (frame.kind === 'event') assembler.add(frame.data);
            else assembler.malformed();
          }
          // Whatever came, a result can be read, with a status from Dify's set.
          expect([
            'running',
            'succeeded',
            'failed',
            'stopped',
            'partial-succeeded',
            'paused',
          ]).toContain(assembler.result().status);
        },
      ),
      { numRuns: 2000, seed: 2 },
    );
    recordScenario('fuzz-sse', { splits: 1000, garbageStreams: 2000, framesDecoded: frames });
  }, 60_000);

  it('CSV datasets: quoting, BOMs, encodings and huge fields give rows or a ConfigError with the line', () => {
    let rows = 0;
    let refused = 0;
    const cell = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '"',
        '""',
        '"a""b"',
        'a,b',
        '\r\n',
        '\n',
        '\uFEFF',
        'é',
        '\u00e9'.normalize('NFD'),
        '\u0000',
        '\uD800',
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (table, quoteAll, bom) => {
          const text =
            (bom ? '\uFEFF' : '') +
            table
              .map((row) => row.map((c) => (quoteAll ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
              .join('\n');
          try {
            rows += parseCsvRows(text, 'data.csv', parseCsv).length;
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            const [problem] = (error as ConfigError).problems;
            expect(problem?.file).toBe('data.csv');
            expect(problem?.path).toBe('dataset');
            refused += 1;
          }
        },
      ),
      { numRuns: 2000, seed: 3 },
    );
    // A 5 MB field, and a latin-1 file read as UTF-8 (replacement characters, no crash).
    const huge = `q,a\n"${'x'.repeat(5_000_000)}",1\n`;
    expect(parseCsvRows(huge, 'huge.csv', parseCsv)[0]?.q).toHaveLength(5_000_000);
    const latin1 = Buffer.from('q\ncaf\u00e9\n', 'latin1').toString('utf8');
    expect(parseCsvRows(latin1, 'latin1.csv', parseCsv)).toHaveLength(1);
    recordScenario('fuzz-csv', { tables: 2000, rows, refused });
  }, 60_000);

  it('JSONL datasets: each bad line is refused with its line number', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.json(), fc.string({ maxLength: 30 })), { maxLength: 10 }),
        (lines) => {
          const text = lines.join('\n');
          try {
            parseJsonl(text, 'data.jsonl');
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            const [problem] = (error as ConfigError).problems;
            expect(problem?.line).toBeGreaterThanOrEqual(1);
            expect(problem?.line).toBeLessThanOrEqual(lines.length);
          }
        },
      ),
      { numRuns: 2000, seed: 4 },
    );
  }, 60_000);
});
