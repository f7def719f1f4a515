import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `test/fixtures/dify`: real Dify payloads and DSLs, copied into the repository. */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/dify');

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function fixtureJson(path: string): unknown {
  return JSON.parse(fixture(path)) as unknown;
}

/** The fixture files of one folder with a given extension. */
export function fixtureFiles(folder: string, extension: string): string[] {
  return readdirSync(join(FIXTURES, folder))
    .filter((name) => name.endsWith(extension))
    .sort();
}
