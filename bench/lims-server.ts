// Child process for bench/lims-samples.ts and bench/idempotency.ts: the real lab app with one scientist
// logged in. argv: <database> <port>, the database being a PostgreSQL URL (migrated by the parent) or a
// PGlite data directory (migrated here: PGlite is one process's). env BENCH_SIGNING_KEY_PEM (shared with
// the parent, so one key signs all checkpoints and the parent can verify the chain), BENCH_POOL_MAX,
// BENCH_PRELOAD_KEYS (below). Sends { token } to the parent once listening; after SIGTERM, prints the
// number of stored Idempotency-Keys to standard output as `idempotency_keys N`.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { buildApp } from '../apps/lab/src/app.ts';
import { DEFAULT_DB_POOL_MAX } from '../apps/lab/src/config.ts';
import { openDatabase, queryRows } from '../apps/lab/src/db/client.ts';
import { migrate } from '../apps/lab/src/db/migrate.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { syncRolePermissions } from '../apps/lab/src/modules/users/service.ts';
import { loadServerKeyPair } from '../apps/lab/src/platform/signatures/server-key.ts';
import { TEST_CONFIG } from '../apps/lab/src/testing/lab-app.ts';

const [target, port] = process.argv.slice(2);
const onPostgres = /^postgres(ql)?:/.test(target!);
const database = onPostgres
  ? await openDatabase({
      kind: 'postgres',
      url: target!,
      poolMax: Number(process.env['BENCH_POOL_MAX'] ?? DEFAULT_DB_POOL_MAX),
    })
  : await openDatabase({ kind: 'pglite', dataDir: target! });
if (!onPostgres) await migrate(database);
const app = await buildApp({
  config: { ...TEST_CONFIG, env: 'production', logLevel: 'silent' },
  database,
  secrets: {
    tokenKey: new Uint8Array(randomBytes(32)),
    signingKey: loadServerKeyPair(process.env['BENCH_SIGNING_KEY_PEM']!),
  },
});
await syncRolePermissions(app.lab.uow);
await ensureDefaultSite(app.lab.uow);
const email = 'bench-scientist@lab.test';
const password = `Quartz-Lantern-${randomBytes(6).toString('hex')}`;
await app.lab.users.create(
  { email, name: 'Bench scientist', password, roles: ['scientist'] },
  { actor: 'system:bench', requestId: null, ip: null },
);
// BENCH_PRELOAD_KEYS: live Idempotency-Keys already stored, as a day of keyed creates leaves them (a
// table of that size is what every keyed create then works against). Written directly: only their number matters.
const preload = Number(process.env['BENCH_PRELOAD_KEYS'] ?? 0);
if (preload > 0) {
  await database.db.execute(
    sql`INSERT INTO idempotency_keys (principal, key, fingerprint, status, body, expires_at)
        SELECT ${email}, 'preloaded-' || g, md5(g::text), 201, repeat('x', 400), now() + interval '23 hours'
          FROM generate_series(1, ${preload}) AS g`,
  );
}
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.send?.({ token: login.json().access_token });
process.on('SIGTERM', () => {
  void app
    .close()
    .then(async () => {
      const [row] = await queryRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM idempotency_keys`,
      );
      console.log(`idempotency_keys ${row?.n}`);
    })
    .then(() => database.close())
    .then(() => process.exit(0));
});
