import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { parseCsvRows as parseCsvWith, parseJsonl, readDataset } from './dataset.js';

const parseCsvRows = (text: string, file: string) => parseCsvWith(text, file, parse);

describe('datasets', () => {
  it('reads CSV with quoting, embedded newlines, a BOM and UTF-8', () => {
    const rows = parseCsvRows(
      '\uFEFFq,lang\n"Hello, ""world""",en\n"two\nlines",fr\n你好,zh\n',
      'd.csv',
    );
    expect(rows).toEqual([
      { q: 'Hello, "world"', lang: 'en' },
      { q: 'two\nlines', lang: 'fr' },
      { q: '你好', lang: 'zh' },
    ]);
  });

  it('reports a broken CSV with its line', () => {
    expect(() => parseCsvRows('q,lang\n"open,en\n', 'd.csv')).toThrow(/d\.csv:\d+/);
    expect(() => parseCsvRows('q,lang\na,b,c\n', 'd.csv')).toThrow(/d\.csv/);
  });

  it('reads JSONL, skipping blank lines, and names a bad line', () => {
    expect(parseJsonl('{"q": "a"}\n\n{"q": "b", "n": 2}\r\n', 'd.jsonl')).toEqual([
      { q: 'a' },
      { q: 'b', n: 2 },
    ]);
    expect(() => parseJsonl('{"q": "a"}\n{oops}\n', 'd.jsonl')).toThrow(
      /d\.jsonl:2: dataset: not valid JSON/,
    );
    expect(() => parseJsonl('[1]\n', 'd.jsonl')).toThrow(
      /d\.jsonl:1:1: dataset: each line must be a JSON object/,
    );
  });

  it('reads a file by its extension and refuses others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dataset-'));
    writeFileSync(join(dir, 'd.csv'), 'q\na\n');
    writeFileSync(join(dir, 'd.jsonl'), '{"q":"b"}\n');
    writeFileSync(join(dir, 'd.txt'), 'q\n');
    await expect(readDataset(join(dir, 'd.csv'))).resolves.toEqual([{ q: 'a' }]);
    await expect(readDataset(join(dir, 'd.jsonl'))).resolves.toEqual([{ q: 'b' }]);
    await expect(readDataset(join(dir, 'd.txt'))).rejects.toThrow(
      'a dataset must be .csv or .jsonl, not .txt',
    );
    await expect(readDataset(join(dir, 'missing.csv'))).rejects.toMatchObject({
      code: 'E_CONFIG_UNREADABLE',
    });
  });
});
