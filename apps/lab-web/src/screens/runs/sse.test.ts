// SSE frames as the lab sends them (apps/lab/src/modules/runs/stream.ts): complete frames are parsed,
// a frame cut by a chunk boundary waits for the rest, comments and the retry line carry no event.
import { describe, expect, it } from 'vitest';
import { parseFrames } from './sse.ts';

const frame = (seq: number, type: string) =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ seq, type, pc: null, step_id: null, payload: {}, created_at: 'now' })}\n\n`;

describe('parseFrames', () => {
  it('parses complete frames and keeps the incomplete rest', () => {
    const text = `retry: 2000\n: run events after 0\n\n${frame(1, 'claimed')}${frame(2, 'temperature')}`;
    const cut = text.length - 10;
    const first = parseFrames(text.slice(0, cut));
    expect(first.events.map((e) => e.seq)).toEqual([1]);
    const second = parseFrames(first.rest + text.slice(cut));
    expect(second.events.map((e) => [e.seq, e.type])).toEqual([[2, 'temperature']]);
    expect(second.rest).toBe('');
  });

  it('ignores heartbeat comments', () => {
    expect(parseFrames(': heartbeat 2026-12-06T00:00:00Z\n\n').events).toEqual([]);
  });
});
