// The live stream over a real HTTP socket: a client reads part of a run's events while they are being
// appended, hangs up, reconnects with Last-Event-ID and gets exactly the rest.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { exampleNamed, type TestUser, testRig, testWorkflow } from '../../testing/run-fixtures.ts';
import { waitFor } from '../../testing/wait.ts';
import { appendRunEvent, lockRun } from './events.ts';
import { RunStreams } from './stream.ts';

let lab: TestLab;
let tech: TestUser;
let base: string;
beforeAll(async () => {
  lab = await testLab();
  const admin = await userWithRole(lab, 'admin');
  const author = await userWithRole(lab, 'scientist');
  const approver = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
  const rig = await testRig(lab, admin, 'S1');
  await testWorkflow(lab, author, approver, exampleNamed('streamed'));
  runPayload = { workflow: 'streamed', devices: rig, seed: 3 };
  base = await lab.app.listen({ port: 0, host: '127.0.0.1' });
});
/** A stream the last test leaves open: closing the app must end it (and not wait for the client). */
let leftOpen: Promise<{ ended: boolean }> | undefined;
afterAll(async () => {
  await lab.close();
  if (leftOpen) expect((await leftOpen).ended).toBe(true);
});

let runPayload: Record<string, unknown>;
async function newRun(): Promise<{ runId: string; id: string }> {
  const res = await lab.app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: tech.auth,
    payload: runPayload,
  });
  expect(res.statusCode, res.body).toBe(201);
  const runId: string = res.json().run_id;
  const [row] = await queryRows<{ id: string }>(
    lab.database.db,
    sql`SELECT id FROM workflow_executions WHERE run_id = ${runId}`,
  );
  return { runId, id: row!.id };
}

/** Appends as the engine does: under the run's lock, then a wake-up for this process's streams. */
async function append(id: string, type: string, payload: Record<string, unknown>): Promise<number> {
  const seq = await lab.app.lab.uow.write(async (tx) => {
    await lockRun(tx, id);
    return appendRunEvent(tx, id, { type, payload });
  });
  lab.app.lab.runs.signals.notify(id);
  return seq;
}

interface Frame {
  id: number | null;
  event: string | null;
  data: { seq: number; type: string; payload: Record<string, unknown> } | null;
  comment: boolean;
}

/** Reads SSE frames from a real response until `stop` says so or the server ends the stream. */
async function readFrames(
  res: Response,
  stop: (frames: Frame[]) => boolean,
): Promise<{ frames: Frame[]; ended: boolean }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const frames: Frame[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { frames, ended: true };
    buffer += value;
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      frames.push(parseFrame(buffer.slice(0, cut)));
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf('\n\n');
      if (stop(frames)) {
        await reader.cancel();
        return { frames, ended: false };
      }
    }
  }
}

function parseFrame(text: string): Frame {
  const frame: Frame = { id: null, event: null, data: null, comment: false };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = true;
    else if (line.startsWith('id: ')) frame.id = Number(line.slice(4));
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
  }
  return frame;
}

const open = (runId: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${base}/api/runs/${runId}/events`, {
    headers: { ...tech.auth, accept: 'text/event-stream', ...headers },
    ...(signal ? { signal } : {}),
  });

describe('live stream (Server-Sent Events over a real socket)', () => {
  it('a client that hangs up and reconnects with Last-Event-ID misses nothing and sees nothing twice', async () => {
    const { runId, id } = await newRun();
    const total = 60;
    let appended = 0;
    const appendSome = async (n: number) => {
      for (let k = 0; k < n; k++, appended++) {
        await append(id, 'temperature', { i: appended, reading_c: 70 - appended / 10 });
        if (appended % 5 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    };
    // Events arrive while the first client reads ...
    const firstBatch = appendSome(20);
    const first = await open(runId);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const part1 = await readFrames(first, (f) => f.filter((x) => x.data).length >= 12);
    expect(part1.ended).toBe(false);
    const seen1 = part1.frames.filter((f) => f.data).map((f) => f.id!);
    // The server notices the hang-up and stops the stream (no query keeps running for it).
    await waitFor('the first stream to close', 30_000, () => lab.app.lab.runs.streams.size === 0);
    await firstBatch;
    // ... while no client is connected ...
    await appendSome(10);
    // ... and while the reconnected client reads.
    const second = await open(runId, { 'last-event-id': String(seen1.at(-1)) });
    const reading = readFrames(second, () => false);
    await appendSome(total - 30);
    await append(id, 'finished', { status: 'completed' });
    const part2 = await reading;
    expect(part2.ended).toBe(true); // the server ended it after 'finished'
    const seen2 = part2.frames.filter((f) => f.data).map((f) => f.id!);

    const all = [...seen1, ...seen2];
    expect(all).toEqual(Array.from({ length: total + 2 }, (_, i) => i + 1)); // 'created' is seq 1
    const frames = [...part1.frames, ...part2.frames].filter((f) => f.data);
    expect(frames.every((f) => f.event === f.data!.type && f.id === f.data!.seq)).toBe(true);
    expect(frames[0]!.event).toBe('created');
    expect(frames.at(-1)!.event).toBe('finished');
    expect(frames.filter((f) => f.event === 'temperature').map((f) => f.data!.payload['i'])).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
  });

  it('?after= starts a stream too; a finished run streams its tail and ends', async () => {
    const { runId, id } = await newRun();
    for (let i = 0; i < 3; i++) await append(id, 'step_started', { i });
    await append(id, 'finished', { status: 'completed' });
    const res = await fetch(`${base}/api/runs/${runId}/events?after=2`, {
      headers: { ...tech.auth, accept: 'text/event-stream' },
    });
    const { frames, ended } = await readFrames(res, () => false);
    expect(ended).toBe(true);
    expect(frames.filter((f) => f.data).map((f) => f.id)).toEqual([3, 4, 5]);
  });

  it('events appended with no in-process signal (another process) arrive at the next poll', async () => {
    const { runId, id } = await newRun();
    const res = await open(runId);
    let idle = false;
    const reading = readFrames(res, (f) => {
      idle ||= f.some((x) => x.event === 'created');
      return false;
    });
    // The stream has sent what was stored and waits: only the poll can bring what comes now.
    await waitFor('the stored event', 30_000, () => idle);
    for (const type of ['step_started', 'step_ended', 'finished']) {
      await lab.app.lab.uow.write(async (tx) => {
        await lockRun(tx, id);
        await appendRunEvent(tx, id, { type, payload: {} });
      });
    }
    const { frames, ended } = await reading;
    expect(ended).toBe(true);
    expect(frames.filter((f) => f.data).map((f) => f.event)).toEqual([
      'created',
      'step_started',
      'step_ended',
      'finished',
    ]);
  });

  it('without Accept: text/event-stream the same route answers a JSON page', async () => {
    const { runId, id } = await newRun();
    for (let i = 0; i < 4; i++) await append(id, 'temperature', { i });
    const page = await lab.app.inject({
      method: 'GET',
      url: `/api/runs/${runId}/events?after=1&limit=2`,
      headers: tech.auth,
    });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({ next_after: 3, finished: false });
    expect(page.json().items.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);
  });

  it('sends a heartbeat comment when nothing happens, and ends every stream when asked', async () => {
    const { id } = await newRun();
    const streams = new RunStreams({ pollMs: 20, heartbeatMs: 50, batch: 10, retryMs: 1000 });
    const readable = streams.stream(
      {
        eventsAfter: (after, limit) => lab.app.lab.runs.eventsOf(id, after, limit),
        wait: (ms, signal) => lab.app.lab.runs.signals.wait(id, ms, signal),
      },
      0,
    );
    const chunks: string[] = [];
    readable.on('data', (c: Buffer) => chunks.push(c.toString()));
    await waitFor('a heartbeat', 30_000, () => chunks.some((c) => c.startsWith(': heartbeat')));
    expect(chunks.filter((c) => c.startsWith('id: '))).toHaveLength(1); // 'created'
    const ended = new Promise((r) => readable.once('end', r));
    streams.closeAll();
    await ended;
    await waitFor('the stream to be forgotten', 30_000, () => streams.size === 0);
  });

  it('a stream still open when the app closes is ended by the server', async () => {
    const { runId } = await newRun();
    leftOpen = readFrames(await open(runId), () => false);
    await waitFor('the stream to be open', 30_000, () => lab.app.lab.runs.streams.size === 1);
  });
});
