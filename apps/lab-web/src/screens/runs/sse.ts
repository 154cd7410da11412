// Server-Sent Events framing, as the lab writes it (apps/lab/src/modules/runs/stream.ts).
export interface RunEvent {
  seq: number;
  type: string;
  pc: number | null;
  step_id: string | null;
  payload: Record<string, unknown>;
  created_at: string;
}

/** Splits complete SSE frames off `buffer`; returns the events' data and what is left incomplete. */
export function parseFrames(buffer: string): { events: RunEvent[]; rest: string } {
  const frames = buffer.split('\n\n');
  const rest = frames.pop() ?? '';
  const events: RunEvent[] = [];
  for (const frame of frames) {
    const data = frame
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data) events.push(JSON.parse(data));
  }
  return { events, rest };
}
