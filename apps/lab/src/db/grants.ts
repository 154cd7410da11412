import type { SqlSession } from './client.ts';

/** Records that are written once and never changed: the application may only read and append. */
export const APPEND_ONLY_TABLES = [
  'audit_events',
  'audit_checkpoints',
  'electronic_signatures',
  'signing_keys',
  'run_events',
  'run_spectra',
  'run_spectrum_links',
  'polymorph_reference_versions',
  'polymorph_identifications',
];

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Least privilege for the role the server runs as: DML on business tables, only SELECT and INSERT on the
 * append-only ones, no DDL, no TRUNCATE, and not the owner (so it cannot disable the triggers either).
 * Run as the owner after every migration: `npm run lab -- grant-app-role --role NAME`.
 */
export async function grantApplicationRole(session: SqlSession, role: string): Promise<void> {
  if (!IDENTIFIER.test(role)) throw new Error(`role name "${role}" must be a plain lower-case identifier`);
  const tables = await session.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  await session.exec(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await session.exec(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
  for (const { table_name } of tables) {
    const privileges = APPEND_ONLY_TABLES.includes(table_name)
      ? 'SELECT, INSERT'
      : 'SELECT, INSERT, UPDATE, DELETE';
    await session.exec(`GRANT ${privileges} ON TABLE public."${table_name}" TO ${role}`);
  }
  await session.exec(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
}
