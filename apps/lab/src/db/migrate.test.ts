import { afterEach, describe, expect, it } from 'vitest';
import {
  freshDatabase,
  migratedDatabase,
  TEST_APP_ROLE,
  type TestDatabase,
} from '../testing/test-database.ts';
import type { Database } from './client.ts';
import { MigrationChecksumError, migrate, readMigrationFiles } from './migrate.ts';

const opened: Database[] = [];
let fresh: TestDatabase | undefined;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
  await fresh?.drop();
  fresh = undefined;
});

async function open(): Promise<Database> {
  fresh ??= await freshDatabase();
  const database = await fresh.open();
  opened.push(database);
  return database;
}

describe('migrate', () => {
  it('applies every committed migration once, then nothing', async () => {
    const files = await readMigrationFiles();
    expect(files.length).toBeGreaterThan(0);
    const database = await open();
    const first = await migrate(database);
    expect(first.applied).toEqual(files.map((f) => f.id));
    const second = await migrate(database);
    expect(second.applied).toEqual([]);
  });

  it('applies migrations exactly once when two instances migrate at the same moment', async () => {
    // On PostgreSQL these are two pools, i.e. two independent connections contending for the advisory lock.
    const a = await open();
    const b = fresh?.url ? await open() : a;
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    const files = await readMigrationFiles();
    const appliedBy = [ra.applied, rb.applied].sort((x, y) => y.length - x.length);
    expect(appliedBy[0]).toEqual(files.map((f) => f.id));
    expect(appliedBy[1]).toEqual([]);
    const rows = await a.withSession((s) =>
      s.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations'),
    );
    expect(rows[0]?.n).toBe(files.length);
  });

  it.skipIf(!TEST_APP_ROLE)(
    'the least-privilege role can run it once everything is applied (the server migrates at start)',
    async () => {
      const { database, cleanup } = await migratedDatabase();
      try {
        expect(await migrate(database)).toEqual({ applied: [] });
      } finally {
        await cleanup();
      }
    },
  );

  it('refuses to run when an applied migration was edited', async () => {
    const database = await open();
    const files = await readMigrationFiles();
    await migrate(database, files);
    const edited = files.map((f, i) => (i === 0 ? { ...f, checksum: 'f'.repeat(64) } : f));
    await expect(migrate(database, edited)).rejects.toBeInstanceOf(MigrationChecksumError);
  });

  it('rolls a failing migration back completely', async () => {
    const database = await open();
    const files = await readMigrationFiles();
    await migrate(database, files);
    const broken = {
      id: '9999_broken',
      sql: 'CREATE TABLE half_done (id int);\nSELECT no_such_function();',
      checksum: 'x',
    };
    await expect(migrate(database, [...files, broken])).rejects.toThrow();
    const tables = await database.withSession((s) =>
      s.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'",
      ),
    );
    expect(tables[0]?.n).toBe(0);
    const recorded = await database.withSession((s) =>
      s.query("SELECT id FROM schema_migrations WHERE id = '9999_broken'"),
    );
    expect(recorded).toEqual([]);
  });
});

describe('schema of the specified data model', () => {
  const tables = [
    'users',
    'roles',
    'user_roles',
    'audit_events',
    'audit_checkpoints',
    'signing_keys',
    'electronic_signatures',
    'password_history',
    'mfa_recovery_codes',
    'auth_sessions',
    'refresh_tokens',
    'devices',
    'device_status',
    'projects',
    'batches',
    'containers',
    'samples',
    'sample_lineage',
    'vendors',
    'inventory_items',
    'stock_lots',
    'calibration_entries',
    'workflow_versions',
    'workflow_executions',
    'workflow_sample_assignments',
    'config_snapshots',
    'organizations',
    'labs',
    'nodes',
    'device_hubs',
    'idempotency_keys',
  ];

  it('creates every table of the data model', async () => {
    const database = await open();
    await migrate(database);
    const rows = await database.withSession((s) =>
      s.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      ),
    );
    const present = new Set(rows.map((r) => r.table_name));
    expect(tables.filter((t) => !present.has(t))).toEqual([]);
  });

  it('uses real booleans and timestamptz, never text flags or naive timestamps', async () => {
    const database = await open();
    await migrate(database);
    const cols = await database.withSession((s) =>
      s.query<{ table_name: string; column_name: string; data_type: string }>(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'",
      ),
    );
    const flags = cols.filter((c) => /^(is_|mfa_enabled$|locked$)/.test(c.column_name));
    expect(flags.length).toBeGreaterThan(3);
    expect(flags.filter((c) => c.data_type !== 'boolean')).toEqual([]);
    const times = cols.filter((c) => c.column_name.endsWith('_at') || c.column_name === 'locked_until');
    expect(times.length).toBeGreaterThan(20);
    expect(times.filter((c) => c.data_type !== 'timestamp with time zone')).toEqual([]);
  });

  it('enforces business keys and foreign keys', async () => {
    const database = await open();
    await migrate(database);
    await database.withSession(async (s) => {
      await s.query("INSERT INTO users (email, name, password_hash) VALUES ('a@lab.test', 'A', 'x')");
      await s.query(
        "INSERT INTO projects (project_id, name, created_by) VALUES ('P-1', 'One', 'a@lab.test')",
      );
      await expect(
        s.query("INSERT INTO projects (project_id, name, created_by) VALUES ('P-1', 'Dup', 'a@lab.test')"),
      ).rejects.toThrow(/unique|duplicate/i);
      await expect(
        s.query(
          "INSERT INTO projects (project_id, name, created_by) VALUES ('P-2', 'Ghost', 'nobody@lab.test')",
        ),
      ).rejects.toThrow(/foreign key/i);
    });
  });
});
