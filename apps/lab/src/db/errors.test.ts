import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort } from '../testing/lab-process.ts';
import { openDatabase } from './client.ts';
import { isDatabaseUnavailable } from './errors.ts';

/** The error a real node-postgres connection attempt fails with. */
async function connectError(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000 });
  return client.connect().then(
    () => client.end().then(() => undefined),
    (err: unknown) => err,
  );
}

describe('isDatabaseUnavailable', () => {
  it('is true for a refused connection (nothing listens)', async () => {
    const err = await connectError(`postgres://lab@127.0.0.1:${await freePort()}/lab`);
    expect(err).toBeDefined();
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('is true for a connection the server ends under the client', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const err = await connectError(`postgres://lab@127.0.0.1:${port}/lab`);
      expect(String(err)).toMatch(/Connection terminated|ECONNRESET/);
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('is false for an error of the request itself (a unique violation, bad SQL)', async () => {
    const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    try {
      const errors = await database.withSession(async (s) => {
        await s.exec('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
        return Promise.all([
          s.query('INSERT INTO t VALUES (1)').catch((e: unknown) => e),
          s.query('SELECT nonsense FROM t').catch((e: unknown) => e),
        ]);
      });
      expect(errors.map(isDatabaseUnavailable)).toEqual([false, false]);
      expect(isDatabaseUnavailable(new Error('a bug'))).toBe(false);
    } finally {
      await database.close();
    }
  });
});
