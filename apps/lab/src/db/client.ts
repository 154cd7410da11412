import type { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { type Schema, schema } from './schema.ts';

export type LabDb = PgDatabase<PgQueryResultHKT, Schema>;
/** What a unit of work may do inside `Database.transaction`: everything but open another transaction. */
export type LabTx = Omit<LabDb, 'transaction'>;

/** What `Database.transaction` returns: the work's value and the rows of each final statement, in order. */
export interface TransactionOutcome<T> {
  value: T;
  finalRows: Record<string, unknown>[][];
}

/** Rows of a parameterised `sql` query, on PGlite and node-postgres alike. */
export async function queryRows<T>(db: Pick<LabDb, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** One dedicated connection: session-level state such as advisory locks lives here. */
export interface SqlSession {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a multi-statement SQL script (simple query protocol, no parameters). */
  exec(script: string): Promise<void>;
}

/** A read-only transaction refuses every write: a read cannot change a record behind the audit trail. */
export type TransactionAccess = 'read write' | 'read only';

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: LabDb;
  /** A round trip to the server; rejects when it is unreachable. */
  ping(): Promise<void>;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in one transaction, then the statements `finalStatements()` returns, then COMMIT. On
   * PostgreSQL the final statements and COMMIT are written to the server together (node-postgres pipeline
   * mode), so it runs them back to back with no round trip to this process in between: a lock they take
   * (the audit append's) is held for their execution and the commit only, however busy this event loop
   * is. If a final statement fails, the COMMIT behind it becomes a rollback and its error is thrown.
   */
  transaction<T>(
    work: (tx: LabTx) => Promise<T>,
    finalStatements?: () => SQL[],
    access?: TransactionAccess,
  ): Promise<TransactionOutcome<T>>;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | {
      kind: 'pglite';
      dataDir: string;
      /** An image of a cluster (PGlite's dumpDataDir) to start from instead of running initdb. */
      loadDataDir?: Blob;
    }
  | { kind: 'postgres'; url: string; poolMax?: number; onPoolError?: (err: Error) => void };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'pglite' ? openPglite(target.dataDir, target.loadDataDir) : openPostgres(target);
}

async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<Database> {
  // A directory is PGlite's alone to one process at a time; memory:// and the like need no lock.
  const lock = dataDir.includes('://') ? undefined : acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db = drizzlePglite({ client, schema }) as unknown as LabDb;
  // PGlite is a single connection: serialise sessions so one caller's transaction never interleaves with another's.
  let tail: Promise<unknown> = Promise.resolve();
  const session: SqlSession = {
    query: async <Row>(text: string, params?: unknown[]) => (await client.query<Row>(text, params)).rows,
    exec: async (script) => {
      await client.exec(script);
    },
  };
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await client.query('SELECT 1');
    },
    withSession: <T>(fn: (s: SqlSession) => Promise<T>) => {
      const run = tail.then(() => fn(session));
      tail = run.catch(() => undefined);
      return run;
    },
    // In-process: no round trips to save, so the final statements simply run last inside the transaction.
    transaction: <T>(
      work: (tx: LabTx) => Promise<T>,
      finalStatements?: () => SQL[],
      access: TransactionAccess = 'read write',
    ) =>
      db.transaction(
        async (tx) => {
          const value = await work(tx);
          const finalRows: Record<string, unknown>[][] = [];
          for (const statement of finalStatements?.() ?? []) finalRows.push(await queryRows(tx, statement));
          return { value, finalRows };
        },
        { accessMode: access },
      ),
    close: async () => {
      await tail;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Queries issued without awaiting the previous one go out at once (Database.transaction relies on it);
    // awaited queries behave exactly as without it.
    pipeline: true,
  });
  // A connection that loses its server emits 'error', idle or checked out. The pool listens only while
  // it is idle (it removes its listener at checkout, as drizzle's db.transaction does too), and an
  // unheard 'error' kills the process: so every connection gets a listener for its whole life, which
  // reports the loss and remembers it, so that the checkout returns the connection to be discarded.
  const lost = new WeakMap<pg.PoolClient, Error>();
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (!lost.has(client)) target.onPoolError?.(err);
      lost.set(client, err);
    });
    prepareRepeatedStatements(client);
  });
  // The pool re-emits an idle connection's error here; the listener above has reported it already.
  pool.on('error', () => undefined);
  /** Returns a checked-out connection; one that failed, or whose state is unknown, is discarded. */
  const release = (client: pg.PoolClient, unknownState?: Error) =>
    client.release(lost.get(client) ?? unknownState);
  const db = drizzleNodePg({ client: pool, schema }) as unknown as LabDb;
  const dialect = new PgDialect();
  // One drizzle instance per pooled connection, made once: a transaction's statements must all use it.
  const connectionDbs = new WeakMap<pg.PoolClient, LabDb>();
  const dbOf = (client: pg.PoolClient) => {
    let bound = connectionDbs.get(client);
    if (!bound) {
      bound = drizzleNodePg({ client, schema }) as unknown as LabDb;
      connectionDbs.set(client, bound);
    }
    return bound;
  };
  return {
    kind: 'postgres',
    db,
    ping: async () => {
      await pool.query({ text: 'SELECT 1', query_timeout: 3_000 } as pg.QueryConfig);
    },
    withSession: async <T>(fn: (s: SqlSession) => Promise<T>) => {
      const client = await pool.connect();
      try {
        return await fn({
          query: async <Row>(text: string, params?: unknown[]) =>
            (await client.query(text, params)).rows as Row[],
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        release(client);
      }
    },
    transaction: async <T>(
      work: (tx: LabTx) => Promise<T>,
      finalStatements?: () => SQL[],
      access: TransactionAccess = 'read write',
    ) => {
      const client = await pool.connect();
      const socket = socketOf(client);
      // Only a connection whose transaction is known to have ended goes back to the pool.
      let idle = false;
      try {
        // BEGIN is not awaited: it leaves in the same write as the work's first statement, which saves a
        // round trip and a wake-up of the server process. BEGIN on a healthy idle connection cannot fail;
        // if the connection is lost, the statements behind it fail too, so nothing runs outside the
        // transaction. Its outcome is still checked before COMMIT.
        socket.cork();
        const begin = client.query(access === 'read only' ? 'BEGIN READ ONLY' : 'BEGIN');
        begin.catch(() => undefined); // awaited below; this keeps it handled if the work fails first
        const sendBegin = onceFn(() => socket.uncork());
        sendWithNextQuery.set(client, sendBegin);
        const fallback = setImmediate(sendBegin); // work that waits on something else first
        let value: T;
        let final: Promise<pg.QueryResult>[];
        try {
          try {
            value = await work(dbOf(client));
          } finally {
            sendBegin();
            clearImmediate(fallback);
            sendWithNextQuery.delete(client);
          }
          await begin;
          // The final statements and COMMIT leave in one write and run back to back.
          socket.cork();
          try {
            final = (finalStatements?.() ?? []).map((statement) => {
              const q = dialect.sqlToQuery(statement);
              return client.query(q.sql, q.params);
            });
            final.push(client.query('COMMIT'));
          } finally {
            socket.uncork();
          }
        } catch (err) {
          // On a lost connection ROLLBACK fails too; the work's error is the one that says why.
          idle = await client.query('ROLLBACK').then(
            () => true,
            () => false,
          );
          throw err;
        }
        const settled = await Promise.allSettled(final);
        const commit = settled[settled.length - 1]!;
        idle = commit.status === 'fulfilled' || commit.reason instanceof pg.DatabaseError;
        // After a failed statement PostgreSQL answers the COMMIT with ROLLBACK: nothing was written.
        const failure = settled.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
        const tag = (commit as PromiseFulfilledResult<pg.QueryResult>).value.command;
        if (tag !== 'COMMIT') throw new Error(`transaction ended in ${tag} instead of COMMIT`);
        return {
          value,
          finalRows: settled
            .slice(0, -1)
            .map(
              (r) => (r as PromiseFulfilledResult<pg.QueryResult>).value.rows as Record<string, unknown>[],
            ),
        };
      } finally {
        release(client, idle ? undefined : new Error('transaction state unknown; connection discarded'));
      }
    },
    close: async () => {
      await pool.end();
    },
  };
}

/** The socket under a pooled connection: corking it turns several protocol messages into one write. */
function socketOf(client: pg.PoolClient): Writable {
  return (client as unknown as { connection: { stream: Writable } }).connection.stream;
}

/** Called once the next query on that connection has been queued (see Database.transaction's BEGIN). */
const sendWithNextQuery = new WeakMap<pg.PoolClient, () => void>();

function onceFn(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** Distinct statements kept prepared per connection; beyond this, statements are planned each time. */
export const PREPARED_STATEMENTS_PER_CONNECTION = 500;

/**
 * Gives every parameterised statement a name on this connection, so PostgreSQL parses and plans it once
 * and later executions reuse the plan (after five runs the server may switch to a generic plan). Planning
 * was most of the database's CPU per request: the session check and the sample view join five to seven
 * tables. Names are per connection and per statement text, so the same text always maps to one name.
 */
function prepareRepeatedStatements(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const prepared = (config: unknown, ...rest: unknown[]) => {
    const result = namedQuery(config, ...rest);
    sendWithNextQuery.get(client)?.();
    return result;
  };
  const namedQuery = (config: unknown, ...rest: unknown[]) => {
    const text = unnamedStatementText(config);
    const parameterised = Array.isArray(rest[0]) && rest[0].length > 0;
    if (parameterised && text !== undefined) {
      let name = names.get(text);
      if (name === undefined && names.size < PREPARED_STATEMENTS_PER_CONNECTION) {
        name = `s${names.size}`;
        names.set(text, name);
      }
      if (name !== undefined)
        return query(typeof config === 'string' ? { text, name } : { ...(config as object), name }, ...rest);
    }
    return query(config, ...rest);
  };
  (client as unknown as { query: typeof prepared }).query = prepared;
}

/** The SQL text of a `query()` call that did not name its statement itself. */
function unnamedStatementText(config: unknown): string | undefined {
  if (typeof config === 'string') return config;
  const c = config as { text?: unknown; name?: unknown } | null;
  return typeof c?.text === 'string' && !c.name ? c.text : undefined;
}
