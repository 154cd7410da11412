// deploy/compose.yaml, started without Docker: the secrets made by deploy/make-secrets.sh, the postgres
// service on a local cluster (postgres-service.ts), then each app service's command as a real process
// with exactly the environment compose gives it (compose-local.ts lists the remaps: database host,
// container paths, listening port). It runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL set,
// as after `source .ci/postgres.sh && pg_up`) and skips otherwise. It starts a cluster of its own rather
// than using that one: the postgres service's first initialisation (superuser password, the roles
// polymorph_owner and polymorph_app) is part of what it checks, and the suite's cluster already has
// a polymorph_app.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../apps/lab/src/testing/wait.ts';
import {
  type ComposeFile,
  ContainerPaths,
  DEPLOY_DIR,
  freePort,
  loadCompose,
  mountSecrets,
  REPO_ROOT,
  type Running,
  readImage,
  remapDatabaseHost,
  run,
  serviceEnvironment,
} from './compose-local.ts';
import { type PostgresService, postgresBinDir, startPostgresService } from './postgres-service.ts';

const hasTools =
  Boolean(process.env['TEST_DATABASE_URL']) &&
  postgresBinDir() !== undefined &&
  spawnSync('openssl', ['version']).status === 0;
/** Overall limit for a service to become ready on a busy machine; polling ends as soon as it is. */
const READY_LIMIT_MS = 180_000;
/** Each test starts several processes (and one trains a model); a generous ceiling, not a budget. */
const TEST_LIMIT_MS = 2 * READY_LIMIT_MS;

let dir: string;
let compose: ComposeFile;
let postgres: PostgresService;
const running: Running[] = [];

function command(service: string): string[] {
  const s = compose.services[service]!;
  return s.command ?? readImage(s.build!.dockerfile).cmd;
}

/** Local directories for a service's mounts: its secrets, its named volumes, the image's /app. */
function containerPaths(service: string, extra: Record<string, string> = {}): ContainerPaths {
  const mounts: Record<string, string> = { '/run/secrets': join(dir, service, 'secrets'), '/app': REPO_ROOT };
  for (const v of compose.services[service]!.volumes ?? []) {
    const [name, inside] = v.split(':');
    if (name && inside && !name.startsWith('.')) mounts[inside] = join(dir, service, 'volumes', name);
  }
  for (const local of Object.values(mounts)) if (local !== REPO_ROOT) mkdirSync(local, { recursive: true });
  return new ContainerPaths({ ...mounts, ...extra });
}

function mountAppSecrets(service: string): void {
  const local = { host: postgres.host, port: postgres.port };
  mountSecrets(compose, service, join(dir, 'secrets'), join(dir, service, 'secrets'), (name, text) =>
    name.endsWith('_database_url') ? remapDatabaseHost(text, 'postgres', local) : text,
  );
}

/** The port the container listens on, as published, and its local stand-in. */
async function listenPort(service: string, variable: string) {
  const published = compose.services[service]!.ports![0]!.split(':');
  expect(compose.services[service]!.environment![variable]).toBe(published.at(-1));
  return { variable, local: await freePort() };
}

async function waitReady(url: string, proc: Running): Promise<void> {
  let exited: number | null | undefined;
  void proc.exited.then((code) => (exited = code));
  try {
    await waitFor(`${url} to answer 200`, READY_LIMIT_MS, async () => {
      if (exited !== undefined) return true;
      // A stalled answer counts as not ready yet; the overall limit above is what bounds the wait.
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      await res.body?.cancel();
      return res.status === 200;
    });
  } catch (err) {
    throw new Error(`${url} not ready:\n${proc.stderr()}`, { cause: err });
  }
  if (exited !== undefined)
    throw new Error(`exited ${exited} before ready:\n${proc.stderr()}${proc.stdout()}`);
}

const secret = (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8').trim();

describe.skipIf(!hasTools)('deploy/compose.yaml started locally', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'compose-start-'));
    // Traversable by the postgres OS user, as a container's mounts are; deploy/secrets itself stays 0700.
    chmodSync(dir, 0o755);
    compose = loadCompose();
    const made = spawnSync('sh', [join(DEPLOY_DIR, 'make-secrets.sh'), join(dir, 'secrets')], {
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    mountSecrets(compose, 'postgres', join(dir, 'secrets'), join(dir, 'postgres', 'secrets'));
    postgres = await startPostgresService(
      compose,
      join(dir, 'postgres', 'db'),
      join(dir, 'postgres', 'secrets'),
    );
  }, READY_LIMIT_MS);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'lab-migrate migrates as the owner and grants; the lab then serves as polymorph_app',
    async () => {
      mountAppSecrets('lab-migrate');
      const migrateEnv = serviceEnvironment(compose, 'lab-migrate', containerPaths('lab-migrate'), dir);
      const migrate = run(command('lab-migrate'), migrateEnv, REPO_ROOT);
      expect(await migrate.exited, migrate.stderr()).toBe(0);
      expect(migrate.stdout()).toContain('granted least privilege to polymorph_app');

      mountAppSecrets('lab');
      const port = await listenPort('lab', 'POLYMORPH_PORT');
      const env = serviceEnvironment(compose, 'lab', containerPaths('lab'), dir, port);
      expect(env['POLYMORPH_ENV']).toBe('production');
      const lab = run(command('lab'), env, REPO_ROOT);
      running.push(lab);
      await waitReady(`http://127.0.0.1:${port.local}/ready`, lab);

      // Every connection the server holds is the application role's; /ready keeps one busy meanwhile.
      let users = '';
      await waitFor('the lab to hold a database connection', READY_LIMIT_MS, async () => {
        await fetch(`http://127.0.0.1:${port.local}/ready`);
        users = postgres.query(
          "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE datname = 'polymorph' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        );
        return users !== '';
      });
      expect(users).toBe('polymorph_app');
      expect(
        postgres.query(
          "SELECT rolsuper, has_database_privilege('polymorph_app', 'polymorph', 'CREATE'), has_table_privilege('polymorph_app', 'audit_events', 'UPDATE'), has_table_privilege('polymorph_app', 'samples', 'INSERT') FROM pg_roles WHERE rolname = 'polymorph_app'",
        ),
      ).toBe('f|f|f|t');
      expect(postgres.query("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'")).toBe(
        'polymorph_owner',
      );
      // No secret reaches the logs.
      const logs = lab.stdout() + lab.stderr() + migrate.stdout() + migrate.stderr();
      for (const name of ['postgres_owner_password', 'postgres_app_password', 'lab_jwt_secret'])
        expect(logs).not.toContain(secret(name));
    },
    TEST_LIMIT_MS,
  );

  it(
    'synfinance serves the model its image builds, behind the API keys',
    async () => {
      const dockerfile = readFileSync(join(DEPLOY_DIR, 'Dockerfile.synfinance'), 'utf8');
      expect(dockerfile).toContain('RUN sh deploy/synfinance/build-model.sh /app/models');
      const models = join(dir, 'image', 'models');
      const built = spawnSync('sh', ['deploy/synfinance/build-model.sh', models], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(built.status, built.stderr).toBe(0);

      mountAppSecrets('synfinance');
      const port = await listenPort('synfinance', 'SYNFINANCE_PORT');
      const paths = containerPaths('synfinance', { '/app/models': models });
      const env = serviceEnvironment(compose, 'synfinance', paths, dir, port);
      const syn = run(command('synfinance'), env, REPO_ROOT);
      running.push(syn);
      const api = `http://127.0.0.1:${port.local}`;
      await waitReady(`${api}/ready`, syn);

      const key = { 'x-api-key': secret('synfinance_api_keys'), 'content-type': 'application/json' };
      const gen = await fetch(`${api}/api/transactions/generate`, {
        method: 'POST',
        headers: key,
        body: JSON.stringify({
          count: 20,
          seed: 5,
          fraud_rate: 0.05,
          format: 'jsonl',
          start: '2025-03-01',
          days: 5,
        }),
      });
      expect(gen.status).toBe(200);
      const transaction = JSON.parse((await gen.text()).trim().split('\n')[0]!) as Record<string, unknown>;
      const predict = (headers: Record<string, string>) =>
        fetch(`${api}/api/fraud/predict`, { method: 'POST', headers, body: JSON.stringify({ transaction }) });
      const scored = await predict(key);
      const body = (await scored.json()) as { fraud_probability: number; risk_score: number };
      expect(scored.status, JSON.stringify(body)).toBe(200);
      expect(body.fraud_probability).toBeGreaterThanOrEqual(0);
      expect(body.fraud_probability).toBeLessThanOrEqual(1);
      expect(Number.isInteger(body.risk_score)).toBe(true);
      expect((await predict({ 'content-type': 'application/json' })).status).toBe(401);
    },
    TEST_LIMIT_MS,
  );

  it(
    'the lab in production refuses to start without its secrets, naming the variable',
    async () => {
      mountAppSecrets('lab');
      const paths = containerPaths('lab');
      const base = serviceEnvironment(compose, 'lab', paths, dir, await listenPort('lab', 'POLYMORPH_PORT'));
      const without = (...names: string[]) =>
        Object.fromEntries(Object.entries(base).filter(([k]) => !names.includes(k)));
      const cases: [Record<string, string>, RegExp][] = [
        [without('POLYMORPH_JWT_SECRET_FILE'), /POLYMORPH_JWT_SECRET: token signing key is missing/],
        [without('POLYMORPH_SIGNING_KEY_FILE'), /POLYMORPH_SIGNING_KEY_FILE: is required in production/],
        [
          { ...base, POLYMORPH_JWT_SECRET_FILE: paths.local('/run/secrets/not_mounted') },
          /POLYMORPH_JWT_SECRET_FILE: cannot read the file .*not_mounted \(ENOENT\)/,
        ],
        [
          { ...base, DATABASE_URL_FILE: paths.local('/run/secrets/not_mounted') },
          /DATABASE_URL_FILE: cannot read the file .*not_mounted \(ENOENT\)/,
        ],
      ];
      for (const [env, message] of cases) {
        const lab = run(command('lab'), env, REPO_ROOT);
        running.push(lab);
        const code = await lab.exited;
        expect(code, lab.stdout()).not.toBe(0);
        expect(lab.stderr() + lab.stdout()).toMatch(message);
        expect(lab.stderr() + lab.stdout()).not.toContain(secret('postgres_app_password'));
      }
    },
    TEST_LIMIT_MS,
  );
});
