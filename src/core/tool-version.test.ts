import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from './tool-version.js';

describe('TOOL_VERSION', () => {
  it('is the version package.json states', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(TOOL_VERSION).toBe(manifest.version);
  });
});
