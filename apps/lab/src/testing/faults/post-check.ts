// After a fault, with the server stopped: is every acknowledged write stored, with exactly one audit
// event, and does the audit chain verify (`npm run lab -- audit verify`, a real process)?
import { type DatabaseTarget, openDatabase } from '../../db/client.ts';
import { runLabCli } from '../lab-process.ts';
import type { Ledger } from './write-load.ts';

export interface PostCheck {
  acknowledged: number;
  /** Acknowledged writes that are not in the database. */
  lost: string[];
  /** Stored samples of this run without their `sample.created` event. */
  auditMissing: number;
  /** `sample.created` events beyond one per stored sample, or for no stored sample. */
  auditExtra: number;
  /** Stored although the client did not get a 201 (the commit happened; the answer was lost). */
  storedUnacknowledged: number;
  chain: { valid: boolean; reason: string | null; first_invalid_seq: number | null };
}

/** Runs the post-check on the writes named `${tag}-...`; the lab must not be running on PGlite. */
export async function checkAfterFault(
  target: DatabaseTarget,
  env: Record<string, string>,
  ledger: Ledger,
  tag: string,
): Promise<PostCheck> {
  const database = await openDatabase(target);
  let rows: { name: string; events: number }[];
  let orphanEvents: number;
  try {
    ({ rows, orphanEvents } = await database.withSession(async (s) => ({
      // entity_type as well: it lets each lookup use the entity index (a soak stores thousands of samples).
      rows: await s.query<{ name: string; events: number }>(
        `SELECT s.name, (SELECT count(*)::int FROM audit_events e
                          WHERE e.entity_type = 'sample' AND e.entity_id = s.sample_id
                            AND e.action = 'sample.created') AS events
           FROM samples s WHERE s.name LIKE $1`,
        [`${tag}-%`],
      ),
      orphanEvents: (
        await s.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_events e
            WHERE e.action = 'sample.created'
              AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.sample_id = e.entity_id)`,
        )
      )[0]!.n,
    })));
  } finally {
    await database.close();
  }
  const stored = new Set(rows.map((r) => r.name));
  const verify = await runLabCli(['audit', 'verify'], env, 120_000);
  const lastLine = verify.stdout.trim().split('\n').pop() ?? '';
  let chain: PostCheck['chain'];
  try {
    chain = JSON.parse(lastLine);
  } catch {
    chain = {
      valid: false,
      reason: `audit verify exited ${verify.code}: ${verify.stderr.slice(0, 300)}`,
      first_invalid_seq: null,
    };
  }
  return {
    acknowledged: ledger.acknowledged.size,
    lost: [...ledger.acknowledged].filter((name) => !stored.has(name)),
    auditMissing: rows.filter((r) => r.events === 0).length,
    auditExtra: rows.reduce((n, r) => n + Math.max(r.events - 1, 0), 0) + orphanEvents,
    storedUnacknowledged: rows.filter((r) => !ledger.acknowledged.has(r.name)).length,
    chain: { valid: chain.valid, reason: chain.reason, first_invalid_seq: chain.first_invalid_seq },
  };
}

/**
 * A `kill -9` between an event's commit and its checkpoint leaves `checkpoint_missing`: an unsealed tail,
 * not tampering (telling the two apart in the verifier is separate work). Only that reason is tolerated.
 */
export const chainAcceptableAfterCrash = (chain: PostCheck['chain']) =>
  chain.valid || chain.reason === 'checkpoint_missing';
