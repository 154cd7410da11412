// Customer feature histories in Redis, shared by every scoring replica: an online feature store.
//
// One hash per customer, `<prefix><customer_id>` = { v: version, h: the encoded history }, expiring
// `ttlMs` after its last write. The features need running aggregates over the customer's whole history
// (counts, mean and spread of amounts, hour habit, merchants seen), so the store keeps that bounded
// state itself (features.ts HISTORY_LIMITS), not a list of raw transactions to replay.
//
// A step is optimistic compare-and-set: read {v, h}; compute the features from h and the history with
// the transaction appended; then one Lua script writes the new history only if the version is still
// v. Otherwise another replica appended first: the script answers the current {v, h} and the step is
// computed again from it. So the features of every transaction are those of the history just before
// it, and no append is lost. Each write's version is new and unique, so a write the client sent twice
// (a reply lost on the way) is recognised instead of appended twice.
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { computeFeatures, newHistory, updateHistory } from '../features/features.ts';
import type { Txn } from '../features/transaction.ts';
import { decodeHistory, encodeHistory } from './history-codec.ts';
import {
  type HistoryStep,
  type HistoryStore,
  type HistoryStoreInfo,
  HistoryUnavailableError,
} from './history-store.ts';

export interface RedisHistoryOptions {
  url: string;
  /** A customer's history expires this long after its last transaction (default 30 days). */
  ttlMs?: number;
  /** Key prefix (default `synfinance:history:`). */
  keyPrefix?: string;
  /** A command without a reply within this many ms fails the step (default 2,000). */
  commandTimeoutMs?: number;
  /** Told when the connection is lost or refused (once per outage). */
  warn?: (err: unknown, message: string) => void;
}

export const DEFAULT_HISTORY_TTL_MS = 30 * 24 * 3_600_000;
/** Conflicting writes to one customer before a step gives up (two replicas rarely need a second try). */
const MAX_ATTEMPTS = 50;

// KEYS[1] the customer; ARGV: version read ('' = none), new version, new history, ttl in ms.
// Answers {1} when written (or already written by this very call), {0, v, h} with the current state.
const COMPARE_AND_SET = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur == ARGV[2] then return {1} end
if (cur or '') ~= ARGV[1] then
  return {0, cur or '', redis.call('HGET', KEYS[1], 'h') or ''}
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'h', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1}
`;
const COMPARE_AND_SET_SHA = createHash('sha1').update(COMPARE_AND_SET).digest('hex');

export class RedisHistoryStore implements HistoryStore {
  private readonly redis: Redis;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly writer = randomUUID();
  private writes = 0;
  private down = false;

  constructor(options: RedisHistoryOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_HISTORY_TTL_MS;
    this.prefix = options.keyPrefix ?? 'synfinance:history:';
    this.redis = new Redis(options.url, {
      // while disconnected a step fails at once (the caller answers 503) rather than queueing
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // reconnect for ever, at most a second apart: the service recovers by itself
      retryStrategy: (times) => Math.min(50 * times, 1_000),
    });
    this.redis.on('error', (err: unknown) => {
      if (!this.down) options.warn?.(err, 'feature store (Redis) unreachable; scoring answers 503');
      this.down = true;
    });
    this.redis.on('ready', () => {
      this.down = false;
    });
  }

  async step(t: Txn): Promise<HistoryStep> {
    const key = this.prefix + t.customerId;
    let [version, text] = await this.call(() => this.redis.hmget(key, 'v', 'h'));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const history = text ? decodeHistory(text) : newHistory();
      const features = computeFeatures(t, history);
      updateHistory(t, history);
      const next = `${this.writer}:${++this.writes}`;
      const reply = await this.call(() =>
        this.compareAndSet(key, version ?? '', next, encodeHistory(history)),
      );
      if (reply[0] === 1) return { features, hit: Boolean(text) };
      version = reply[1] || null;
      text = reply[2] || null;
    }
    throw new HistoryUnavailableError(`customer history kept changing during ${MAX_ATTEMPTS} attempts`);
  }

  /** Resolves once connected, or after `limitMs` (the service then starts not ready, and keeps trying). */
  async connected(limitMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
      this.redis.once('ready', resolve);
    });
    clearTimeout(timer);
  }

  info(): HistoryStoreInfo {
    return { kind: 'redis', customers: null, capacity: null };
  }

  async reachable(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** The script by its SHA; by its text when Redis does not have it yet (first call, after a restart). */
  private async compareAndSet(key: string, ...args: string[]): Promise<[number, string?, string?]> {
    const argv = [...args, String(this.ttlMs)];
    try {
      return toReply(await this.redis.evalsha(COMPARE_AND_SET_SHA, 1, key, ...argv));
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
    }
    return toReply(await this.redis.eval(COMPARE_AND_SET, 1, key, ...argv));
  }

  /** Any failure to talk to Redis is unavailability: the step did not happen (or, reply lost, may have). */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (e) {
      throw new HistoryUnavailableError(e instanceof Error ? e.message : String(e));
    }
  }
}

function toReply(raw: unknown): [number, string?, string?] {
  if (!Array.isArray(raw) || (raw[0] !== 0 && raw[0] !== 1))
    throw new Error('feature store script: unexpected reply');
  return [
    raw[0],
    raw[1] === undefined ? undefined : String(raw[1]),
    raw[2] === undefined ? undefined : String(raw[2]),
  ];
}
