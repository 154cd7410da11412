// Scoring replicas sharing customer histories through a real redis-server: every score equals the one
// a single in-process scorer gives for the same stream, whichever replica answers, across a restart,
// and after a Redis outage (503 meanwhile, never a score without history).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from '../../api/test-api.ts';
import { generate } from '../../generator/test-helpers.ts';
import { readRows } from '../../transactions/read.ts';
import { modelFileText, trainFromFile, writeFileAtomic } from '../training/train.ts';
import { decodeHistory } from './history-codec.ts';
import { freePort, redisClient, startTestRedis, type TestRedis } from './test-redis.ts';

const NUMERIC = ['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'];
const STREAM = 400;
const HANG_GUARD_MS = 60_000;

let dir = '';
let modelPath = '';
let redis: TestRedis;
const stream: Record<string, unknown>[] = [];
const apis: TestApi[] = [];
/** The scores of the stream through one replica keeping histories in its own process. */
let reference: unknown[] = [];

async function replica(db?: number): Promise<TestApi> {
  const api = await testApi({
    scoring: {
      modelPath,
      ...(db !== undefined && { redis: { url: redis.url(db), ttlMs: 24 * 3_600_000 } }),
    },
  });
  apis.push(api);
  return api;
}

async function predict(api: TestApi, transaction: Record<string, unknown>) {
  return api.app.inject({ method: 'POST', url: '/api/fraud/predict', payload: { transaction } });
}

/** The prediction without its timing, the one field that differs between equal scorings. */
async function score(api: TestApi, transaction: Record<string, unknown>): Promise<unknown> {
  const res = await predict(api, transaction);
  expect(res.statusCode, res.body).toBe(200);
  const { processing_time_ms: _, ...prediction } = res.json();
  return prediction;
}

async function scoreAll(pick: (i: number) => TestApi, txns = stream, from = 0): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [i, t] of txns.entries()) out.push(await score(pick(from + i), t));
  return out;
}

beforeAll(async () => {
  redis = await startTestRedis();
  const g = await generate(8_000, 'csv', { seed: 11, days: 30 });
  dir = g.dir;
  modelPath = path.join(dir, 'model.json');
  const r = await trainFromFile({
    data: g.file,
    gbdt: { nTrees: 10, maxDepth: 3 },
    testDays: 8,
    gapDays: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  writeFileAtomic(modelPath, modelFileText(r.file));
  for await (const row of readRows(g.file)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) o[k] = v === '' ? null : NUMERIC.includes(k) ? Number(v) : v;
    stream.push(o);
    if (stream.length >= STREAM) break;
  }
  const single = await replica();
  reference = await scoreAll(() => single);
}, 120_000);

afterAll(async () => {
  for (const api of apis) await api.close();
  await redis?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('customer histories shared through Redis', () => {
  it('the stream has customers seen more than once, so the histories matter', () => {
    const customers = new Set(stream.map((t) => t.customer_id));
    expect(customers.size).toBeLessThan(STREAM / 2);
  });

  it('/ready says which model is loaded and where histories are kept', async () => {
    const memory = (await apis[0]!.app.inject({ url: '/ready' })).json();
    const model = (await apis[0]!.app.inject({ url: '/api/fraud/model' })).json();
    expect(memory).toEqual({
      status: 'ready',
      model_version: model.model_version,
      loaded_at: model.loaded_at,
      history_store: 'memory',
    });
    expect(model.cache).toMatchObject({ kind: 'memory', capacity: 100_000 });
  });

  it('one replica on Redis scores every transaction as the in-process store does', async () => {
    const one = await replica(1);
    expect(await scoreAll(() => one)).toEqual(reference);
    const info = (await one.app.inject({ url: '/api/fraud/model' })).json();
    expect(info.cache).toEqual({ kind: 'redis', customers: null, capacity: null });
  });

  it('two replicas answering in turn score every transaction as one replica does', async () => {
    const pair = [await replica(2), await replica(2)];
    expect(await scoreAll((i) => pair[i % 2]!)).toEqual(reference);
  });

  it('a batch through Redis scores as the stream sent one by one', async () => {
    const api = await replica(6);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/fraud/predict/batch',
      payload: { transactions: stream },
    });
    expect(res.statusCode).toBe(200);
    const items = res
      .json()
      .results.map(
        ({ index: _, processing_time_ms: __, ...prediction }: Record<string, unknown>) => prediction,
      );
    expect(items).toEqual(reference);
  });

  it('concurrent transactions of one customer on two replicas lose no update', async () => {
    const pair = [await replica(3), await replica(3)];
    const customer = String(stream[0]!.customer_id);
    const n = 40;
    const burst = Array.from({ length: n }, (_, i) => ({
      ...stream[0]!,
      transaction_id: `burst-${i}`,
    }));
    const answers = await Promise.all(burst.map((t, i) => predict(pair[i % 2]!, t)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(n).fill(200));
    const client = redisClient(redis.url(3));
    try {
      const stored = await client.hget(`synfinance:history:${customer}`, 'h');
      expect(decodeHistory(stored!).n).toBe(n);
      expect(await client.pttl(`synfinance:history:${customer}`)).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('a replica restarted mid-stream goes on with the same scores', async () => {
    const half = STREAM / 2;
    const before = await replica(4);
    const first = await scoreAll(() => before, stream.slice(0, half));
    await before.close();
    apis.splice(apis.indexOf(before), 1);
    const after = await replica(4);
    const rest = await scoreAll(() => after, stream.slice(half));
    expect([...first, ...rest]).toEqual(reference);
  });

  it('while Redis is down: 503 feature-store-unavailable, counted, not ready; then recovers by itself', async () => {
    const api = await replica(5);
    const cut = Math.floor(STREAM / 3);
    const first = await scoreAll(() => api, stream.slice(0, cut));
    await redis.kill();

    const refused = await predict(api, stream[cut]!);
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json().type).toBe('/problems/feature-store-unavailable');
    expect(refused.headers['retry-after']).toBe('1');
    const ready = await api.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().type).toBe('/problems/feature-store-unavailable');
    const metrics = (await api.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^synfinance_feature_store_unavailable_total 1$/m);

    await redis.start();
    await waitUntil(async () => (await api.app.inject({ url: '/ready' })).statusCode === 200);
    const readiness = (await api.app.inject({ url: '/ready' })).json();
    expect(readiness).toMatchObject({ status: 'ready', history_store: 'redis' });
    expect(readiness.model_version).toEqual(expect.any(String));
    const rest = await scoreAll(() => api, stream.slice(cut));
    expect([...first, ...rest]).toEqual(reference);
  });
});

describe('a replica whose Redis is unreachable at start', () => {
  it('starts, is not ready and refuses to score, naming the feature store', async () => {
    const api = await testApi({
      scoring: { modelPath, redis: { url: `redis://127.0.0.1:${await freePort()}/0`, ttlMs: 3_600_000 } },
    });
    apis.push(api);
    expect((await api.app.inject({ url: '/health' })).statusCode).toBe(200);
    const ready = await api.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().type).toBe('/problems/feature-store-unavailable');
    const refused = await predict(api, stream[0]!);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().type).toBe('/problems/feature-store-unavailable');
  });
});

/** Polls until `condition` holds; the limit only guards against a hang. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + HANG_GUARD_MS;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('timed out waiting for the service to recover');
    await new Promise((r) => setTimeout(r, 100));
  }
}
