import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureFiles } from '../../test/support/fixtures.js';
import { SseDecoder, type SseFrame } from './sse-decoder.js';

function decode(chunks: readonly (Uint8Array | string)[]): SseFrame[] {
  const frames: SseFrame[] = [];
  const decoder = new SseDecoder((frame) => frames.push(frame));
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return frames;
}

const streams = fixtureFiles('responses', '.sse');

describe('SseDecoder', () => {
  it.each(streams)('reads every data frame of %s and skips the pings', (file) => {
    const text = fixture(`responses/${file}`);
    const frames = decode([text]);
    const dataLines = text.split('\n').filter((line) => line.startsWith('data:')).length;
    expect(frames.filter((f) => f.kind === 'event')).toHaveLength(dataLines);
    expect(frames.filter((f) => f.kind === 'malformed')).toHaveLength(0);
    for (const frame of frames)
      if (frame.kind === 'event') expect(typeof frame.data.event).toBe('string');
  });

  it.each(streams)('gives the same events for %s split at every byte', (file) => {
    const bytes = new TextEncoder().encode(fixture(`responses/${file}`));
    const whole = decode([bytes]);
    for (let at = 1; at < bytes.length; at += 1) {
      expect(decode([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(whole);
    }
  });

  it('gives the same events for any chunking of a stream', () => {
    const bytes = new TextEncoder().encode(
      fixture('responses/chat-messages-streaming-chatflow.template.sse'),
    );
    const whole = decode([bytes]);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          expect(decode(chunks)).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a multi-byte character split across chunks', () => {
    const bytes = new TextEncoder().encode(
      'data: {"event":"text_chunk","data":{"text":"你好 👋"}}\n\n',
    );
    const at = bytes.indexOf(0xf0) + 2;
    const [frame] = decode([bytes.subarray(0, at), bytes.subarray(at)]);
    expect(frame).toEqual({
      kind: 'event',
      data: { event: 'text_chunk', data: { text: '你好 👋' } },
    });
  });

  it('reports malformed frames instead of throwing, and goes on', () => {
    const frames = decode([
      'data: {"event": "text_chunk", broken\n\n',
      'data: [1,2]\n\n',
      'data: "text"\n\n',
      'event: ping\n\n',
      'data:\n\n',
      'data: {"event":"workflow_finished"}\n\n',
    ]);
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'malformed', 'malformed', 'event']);
    expect(frames[1]).toMatchObject({ reason: 'the data is not a JSON object' });
  });

  it('reads a last frame that lacks its blank line, and CRLF line ends', () => {
    expect(decode(['data: {"event":"a"}\r\n\r\ndata: {"event":"b"}'])).toEqual([
      { kind: 'event', data: { event: 'a' } },
      { kind: 'event', data: { event: 'b' } },
    ]);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        expect(() => decode(chunks)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
