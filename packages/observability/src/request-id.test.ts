import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REQUEST_ID_HEADER,
  REQUEST_ID_LOG_FIELD,
  requestIdHeaderPlugin,
  requestIdServerOptions,
} from './request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A bare Fastify app wired the way both apps wire it, with its JSON log lines captured. */
async function bareApp(): Promise<{ app: FastifyInstance; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const instance = Fastify({ logger: { level: 'info', stream }, ...requestIdServerOptions() });
  await instance.register(requestIdHeaderPlugin);
  instance.get('/id', async (request) => {
    request.log.info('handler ran');
    return { id: request.id };
  });
  instance.get('/boom', async () => {
    throw new Error('boom');
  });
  app = instance;
  return { app: instance, lines };
}

describe('request ids', () => {
  it('keeps a safe caller id, echoes it in the header and logs it as request_id', async () => {
    const { app, lines } = await bareApp();
    const res = await app.inject({ url: '/id', headers: { [REQUEST_ID_HEADER]: 'gw-1.abc_DEF' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'gw-1.abc_DEF' });
    expect(res.headers[REQUEST_ID_HEADER]).toBe('gw-1.abc_DEF');
    const handlerLine = lines.find((l) => l['msg'] === 'handler ran');
    expect(handlerLine?.[REQUEST_ID_LOG_FIELD]).toBe('gw-1.abc_DEF');
    expect(REQUEST_ID_LOG_FIELD).toBe('request_id');
    // Fastify's own request lines carry the same field, and the default label is gone.
    const completed = lines.find((l) => l['msg'] === 'request completed');
    expect(completed?.['request_id']).toBe('gw-1.abc_DEF');
    expect(lines.some((l) => 'reqId' in l)).toBe(false);
  });

  it.each([
    ['spaces and a newline', 'evil id\n{"admin":true}'],
    ['too long', 'a'.repeat(129)],
    ['empty', ''],
  ])('replaces an unsafe caller id (%s) with a new UUID', async (_why, given) => {
    const { app, lines } = await bareApp();
    const res = await app.inject({ url: '/id', headers: { [REQUEST_ID_HEADER]: given } });
    const id = (res.json() as { id: string }).id;
    expect(id).toMatch(UUID);
    expect(res.headers[REQUEST_ID_HEADER]).toBe(id);
    expect(lines.find((l) => l['msg'] === 'handler ran')?.['request_id']).toBe(id);
    expect(JSON.stringify(lines)).not.toContain('evil');
  });

  it('makes a new UUID per request when none is given, and echoes it on errors and 404s too', async () => {
    const { app } = await bareApp();
    const a = await app.inject({ url: '/id' });
    const b = await app.inject({ url: '/id' });
    expect(a.headers[REQUEST_ID_HEADER]).toMatch(UUID);
    expect(b.headers[REQUEST_ID_HEADER]).not.toBe(a.headers[REQUEST_ID_HEADER]);
    const boom = await app.inject({ url: '/boom', headers: { [REQUEST_ID_HEADER]: 'trace-500' } });
    expect(boom.statusCode).toBe(500);
    expect(boom.headers[REQUEST_ID_HEADER]).toBe('trace-500');
    const missing = await app.inject({ url: '/nowhere', headers: { [REQUEST_ID_HEADER]: 'trace-404' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers[REQUEST_ID_HEADER]).toBe('trace-404');
  });

  it('sets the log label without the deprecated top-level option (no FSTDEP024)', async () => {
    const codes: string[] = [];
    const onWarning = (w: Error & { code?: string }) => codes.push(w.code ?? w.name);
    process.on('warning', onWarning);
    try {
      await (await bareApp()).app.ready();
      await new Promise((r) => setImmediate(r));
      expect(codes).not.toContain('FSTDEP024');
      // The listener does see the warning when the deprecated option is used (emitted once per process).
      const deprecated = Fastify({ requestIdLogLabel: REQUEST_ID_LOG_FIELD });
      await deprecated.close();
      await new Promise((r) => setImmediate(r));
      expect(codes).toContain('FSTDEP024');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
