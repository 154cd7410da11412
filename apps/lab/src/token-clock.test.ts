// Token lifetimes, the idle timeout and the lockout follow the database's clock, not the server's: a real
// lab process runs under libfaketime a day ahead and 12 hours behind a real PostgreSQL. PGlite runs
// inside the process (faketime would move its now() too), so this needs TEST_DATABASE_URL, as CI sets.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { REFRESH_TOKEN_TTL_SECONDS } from './platform/auth/tokens.ts';
import { freePort, type LabServer, runLabCli, startLabServer } from './testing/lab-process.ts';
import { freshDatabase, onPostgres } from './testing/test-database.ts';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const ADMIN = { email: 'qa.lead@lab.test', password: 'Violet-Harbor-Engine-42' };
const LOCKOUT_MINUTES = 30;
const IDLE_MINUTES = 30;
/** Seconds between the server's request and the test's read of now(): generous for a busy machine. */
const TOLERANCE_S = 120;

const servers: LabServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function skewedLab(skew: string) {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const dir = await mkdtemp(join(tmpdir(), 'lab-clock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const env = {
    DATABASE_URL: db.url!,
    POLYMORPH_DATA_DIR: dir,
    POLYMORPH_ADMIN_PASSWORD: ADMIN.password,
    POLYMORPH_LOCKOUT_MINUTES: String(LOCKOUT_MINUTES),
    POLYMORPH_SESSION_IDLE_MINUTES: String(IDLE_MINUTES),
  };
  const created = await runLabCli(['create-admin', '--email', ADMIN.email, '--name', 'QA'], env);
  expect(created.code, created.stderr).toBe(0);
  const server = await startLabServer(
    await freePort(),
    // Timers use the monotonic clock, left alone so that the server's time-outs stay real.
    { ...env, LD_PRELOAD: LIBFAKETIME, FAKETIME: skew, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  );
  servers.push(server);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanups.push(() => client.end());
  /** Runs SQL on the database's clock; returns the first row. */
  const query = async (text: string, values: unknown[] = []) =>
    (await client.query(text, values)).rows[0] as Record<string, unknown>;
  const call = (path: string, init: { body?: unknown; token?: string } = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      method: init.body ? 'POST' : 'GET',
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
  return { server, query, call };
}

describe.skipIf(!onPostgres || !existsSync(LIBFAKETIME))('lifetimes on the database clock (faketime)', () => {
  for (const [skew, skewMs] of [
    ['+1d', 86_400_000],
    ['-12h', -43_200_000],
  ] as const) {
    it(`a server ${skew} from the database stores and judges sessions, refresh tokens and lockouts by the database's now()`, async () => {
      const { server, query, call } = await skewedLab(skew);
      // The process clock really is skewed (Node's Date header comes from it).
      const health = await fetch(`${server.baseUrl}/health`);
      expect(Date.parse(health.headers.get('date')!) - Date.now()).toBeGreaterThan(skewMs - 600_000);
      expect(Date.parse(health.headers.get('date')!) - Date.now()).toBeLessThan(skewMs + 600_000);

      const login = await call('/auth/login', { body: ADMIN });
      expect(login.status).toBe(200);
      const { access_token, refresh_token } = (await login.json()) as Record<string, string>;
      const stored = await query(
        `SELECT extract(epoch FROM t.expires_at - now())::float8 AS token_left,
                extract(epoch FROM s.not_after - now())::float8 AS session_left,
                extract(epoch FROM now() - s.last_seen_at)::float8 AS seen_ago
           FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id`,
      );
      expect(Math.abs(Number(stored['token_left']) - REFRESH_TOKEN_TTL_SECONDS)).toBeLessThan(TOLERANCE_S);
      expect(Math.abs(Number(stored['session_left']) - REFRESH_TOKEN_TTL_SECONDS)).toBeLessThan(TOLERANCE_S);
      expect(Math.abs(Number(stored['seen_ago']))).toBeLessThan(TOLERANCE_S);
      expect((await call('/auth/me', { token: access_token })).status).toBe(200);

      // A token with an hour left by the database's clock is accepted; one a minute past it is refused.
      const rotated = await call('/auth/refresh', { body: { refresh_token } });
      expect(rotated.status).toBe(200);
      const next = ((await rotated.json()) as Record<string, string>)['refresh_token'];
      await query(`UPDATE refresh_tokens SET expires_at = now() + interval '1 hour' WHERE used_at IS NULL`);
      const accepted = await call('/auth/refresh', { body: { refresh_token: next } });
      expect(accepted.status).toBe(200);
      const last = ((await accepted.json()) as Record<string, string>)['refresh_token'];
      await query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL`);
      expect((await call('/auth/refresh', { body: { refresh_token: last } })).status).toBe(401);

      // Idle by the database's clock: last activity a minute past the idle timeout ends the session.
      await query(`UPDATE auth_sessions SET last_seen_at = now() - make_interval(mins => $1::int + 1)`, [
        IDLE_MINUTES,
      ]);
      const idle = await call('/auth/me', { token: access_token });
      expect(idle.status).toBe(401);
      expect(((await idle.json()) as Record<string, string>)['detail']).toMatch(/idle/);

      // The lock lasts LOCKOUT_MINUTES of database time, and ends by the database's clock.
      for (let i = 0; i < 5; i++)
        expect(
          (await call('/auth/login', { body: { ...ADMIN, password: `Wrong-Guess-${i}-zz` } })).status,
        ).toBe(401);
      expect((await call('/auth/login', { body: ADMIN })).status).toBe(423);
      const lock = await query(
        `SELECT extract(epoch FROM locked_until - now())::float8 AS lock_left FROM users WHERE email = $1`,
        [ADMIN.email],
      );
      expect(Math.abs(Number(lock['lock_left']) - LOCKOUT_MINUTES * 60)).toBeLessThan(TOLERANCE_S);
      await query(`UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1`, [
        ADMIN.email,
      ]);
      expect((await call('/auth/login', { body: ADMIN })).status).toBe(200);
    });
  }
});
