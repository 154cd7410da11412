// A request that reaches SynFinance while it shuts down, over a real socket: it gets the
// `shutting-down` problem (as the lab does), and the request already in flight still finishes.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from './test-api.ts';

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe('while SynFinance shuts down', () => {
  let api: TestApi;
  let port: number;
  const arrived = signal();
  const release = signal();
  const closing = signal();
  const received = signal();

  beforeAll(async () => {
    api = await testApi({
      beforeRoutes: (app) => {
        // A request that stays in flight until the test releases it, so its connection stays open.
        app.get('/test/held', { config: { public: true }, schema: { hide: true } }, async () => {
          arrived.fire();
          await release.promise;
          return { done: true };
        });
        app.addHook('preClose', async () => closing.fire());
      },
    });
    // The HTTP server's own event: it fires however the app then answers.
    api.app.server.prependListener('request', (request) => {
      if (request.url === '/api/transactions/schema') received.fire();
    });
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  afterAll(async () => {
    release.fire();
    await api.close();
  });

  it('a request on an open connection gets 503 shutting-down with retry-after and Connection: close', async () => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (d) => (raw += d));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /test/held HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived.promise;

    const closed = api.app.close();
    await closing.promise;
    socket.write('GET /api/transactions/schema HTTP/1.1\r\nHost: x\r\n\r\n');
    await received.promise;
    release.fire();
    await ended;
    await closed;

    const [first, second] = raw.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(second).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(second!.slice(second!.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({
      type: '/problems/shutting-down',
      title: 'Server shutting down',
      status: 503,
      instance: '/api/transactions/schema',
    });
  });
});
