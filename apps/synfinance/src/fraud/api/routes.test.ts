import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testFraudApp } from '../../api/test-api.ts';
import { generate } from '../../generator/test-helpers.ts';
import { readRows } from '../../transactions/read.ts';
import { modelFileText, trainFromFile, writeFileAtomic } from '../training/train.ts';

let dir = '';
let modelA = '';
let modelB = '';
let app: FastifyInstance;
const txns: Record<string, unknown>[] = [];
// every app built here checks each response against its OpenAPI document; checked in afterAll
const built: TestApi[] = [];

async function build(extra: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const api = await testFraudApp({
    modelPath: modelA,
    adminApiKey: 'admin-secret',
    minFeedback: 5,
    ...extra,
  });
  built.push(api);
  return api.app;
}

beforeAll(async () => {
  const g = await generate(15_000, 'csv', { seed: 3, days: 40 });
  dir = g.dir;
  modelA = path.join(dir, 'a.json');
  modelB = path.join(dir, 'b.json');
  for (const [file, trees] of [
    [modelA, 20],
    [modelB, 10],
  ] as const) {
    const r = await trainFromFile({
      data: g.file,
      gbdt: { nTrees: trees, maxDepth: 4 },
      testDays: 10,
      gapDays: 1,
      createdAt: `2026-01-0${trees === 20 ? 1 : 2}T00:00:00.000Z`,
    });
    writeFileAtomic(file, modelFileText(r.file));
  }
  for await (const r of readRows(g.file)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r))
      o[k] =
        v === ''
          ? null
          : ['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'].includes(k)
            ? Number(v)
            : v;
    txns.push(o);
    if (txns.length >= 3000) break;
  }
  app = await build();
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const api of built) api.contract.assertClean();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('POST /api/fraud/predict', () => {
  it('scores a transaction', async () => {
    const res = await post('/api/fraud/predict', { transaction: txns[0] });
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b.transaction_id).toBe(txns[0]!.transaction_id);
    expect(b.fraud_probability).toBeGreaterThanOrEqual(0);
    expect(b.fraud_probability).toBeLessThanOrEqual(1);
    expect(b.risk_score).toBe(Math.round(100 * b.fraud_probability));
    expect(['allow', 'review', 'block']).toContain(b.decision);
    expect(Array.isArray(b.top_reasons)).toBe(true);
    expect(b.model_version).toMatch(/^gbdt-20260101T000000Z-/);
    expect(b.processing_time_ms).toBeGreaterThan(0);
  });

  it('an invalid transaction gets a 400 problem+json naming the field', async () => {
    const res = await post('/api/fraud/predict', { transaction: { ...txns[1], amount: -3 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const b = res.json();
    expect(b.type).toBe('/problems/validation-error');
    expect(b.errors[0].field).toBe('body.transaction.amount');
    expect(b.detail).toContain('body.transaction.amount');

    const bad = await post('/api/fraud/predict', {
      transaction: { ...txns[1], timestamp: '2025-13-01 00:00:00' },
    });
    expect(bad.json().errors[0].field).toBe('body.transaction.timestamp');
    const missing = await post('/api/fraud/predict', { tx: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].field).toBe('body.transaction');
  });
});

describe('problem+json from the shared mechanism on a bare Fastify with only these routes', () => {
  it('malformed JSON 400, wrong content type 415, over-limit body 413, none with internals', async () => {
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/fraud/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"transaction": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(malformed.json().type).toBe('/problems/malformed-json');
    const xml = await app.inject({
      method: 'POST',
      url: '/api/fraud/predict',
      headers: { 'content-type': 'application/xml' },
      payload: '<transaction/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().type).toBe('/problems/unsupported-media-type');
    const big = await post('/api/fraud/predict', { transaction: { pad: 'x'.repeat(1_100_000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ type: '/problems/body-too-large', instance: '/api/fraud/predict' });
  });
});

describe('POST /api/fraud/predict/batch', () => {
  it('scores valid items and reports errors item by item', async () => {
    const items = [txns[2], { ...txns[3], channel: 'Fax' }, 'nope', txns[4]];
    const res = await post('/api/fraud/predict/batch', { transactions: items });
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b.count).toBe(4);
    expect(b.errors).toBe(2);
    expect(b.results[0].fraud_probability).toBeTypeOf('number');
    expect(b.results[1].error.field).toBe('body.transactions.1.channel');
    expect(b.results[2].error.field).toBe('body.transactions.2');
    expect(b.results[3].transaction_id).toBe(txns[4]!.transaction_id);
  });

  it('more than 10,000 transactions is refused with 413', async () => {
    const res = await post('/api/fraud/predict/batch', {
      transactions: Array.from({ length: 10_001 }, () => ({})),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().type).toBe('/problems/batch-too-large');
    expect(res.json().detail).toMatch(/10001 transactions; at most 10000/);
  });
});

describe('feedback and the precision/recall/F1 gauges', () => {
  it('gauges stay absent until enough feedback, then appear', async () => {
    const a = await build({ minFeedback: 5 });
    const ids: string[] = [];
    for (const t of txns.slice(100, 108)) {
      const r = await a.inject({ method: 'POST', url: '/api/fraud/predict', payload: { transaction: t } });
      ids.push(r.json().transaction_id);
    }
    const metrics = async () => (await a.inject({ method: 'GET', url: '/metrics' })).body;
    expect(await metrics()).not.toMatch(/synfinance_model_precision/);
    const unknown = await a.inject({
      method: 'POST',
      url: '/api/fraud/feedback',
      payload: { transaction_id: 'TXN-NOPE', is_fraud: true },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.json().type).toBe('/problems/not-found');
    const bad = await a.inject({
      method: 'POST',
      url: '/api/fraud/feedback',
      payload: { transaction_id: ids[0], is_fraud: 'maybe' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().type).toBe('/problems/validation-error');
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toContain('body.is_fraud');
    for (let i = 0; i < 4; i++) {
      const r = await a.inject({
        method: 'POST',
        url: '/api/fraud/feedback',
        payload: { transaction_id: ids[i], is_fraud: i % 2 === 0 },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json().precision).toBeNull();
    }
    expect(await metrics()).not.toMatch(/synfinance_model_(precision|recall|f1)/);
    const fifth = await a.inject({
      method: 'POST',
      url: '/api/fraud/feedback',
      payload: { transaction_id: ids[4], is_fraud: 1 },
    });
    expect(fifth.json().window).toBe(5);
    expect(fifth.json().recall).toBeTypeOf('number');
    const dup = await a.inject({
      method: 'POST',
      url: '/api/fraud/feedback',
      payload: { transaction_id: ids[4], is_fraud: 1 },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().type).toBe('/problems/conflict');
    const m = await metrics();
    expect(m).toMatch(/^synfinance_model_precision \d/m);
    expect(m).toMatch(/^synfinance_model_recall \d/m);
    expect(m).toMatch(/^synfinance_model_f1 \d/m);
    await a.close();
  });
});

describe('model metadata and hot reload', () => {
  it('GET /api/fraud/model returns the metadata', async () => {
    const b = (await app.inject({ method: 'GET', url: '/api/fraud/model' })).json();
    expect(b.algo).toBe('gbdt');
    expect(b.feature_names.length).toBeGreaterThan(30);
    expect(b.training_data_hash).toMatch(/^sha256:/);
    expect(b.metrics.average_precision).toBeTypeOf('number');
    expect(b.thresholds).toEqual({ review: 0.5, block: 0.9 });
  });

  it('reload needs the admin key (401), refuses a bad file (422, old model kept)', async () => {
    const noKey = await post('/api/fraud/model/reload', { path: modelB });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(noKey.json()).toMatchObject({ type: '/problems/unauthorized', status: 401 });
    expect(
      (await post('/api/fraud/model/reload', { path: modelB }, { 'x-admin-key': 'wrong' })).statusCode,
    ).toBe(401);
    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"format":"polymorph-model","format_version":9}');
    const r = await post('/api/fraud/model/reload', { path: junk }, { 'x-admin-key': 'admin-secret' });
    expect(r.statusCode).toBe(422);
    expect(r.json().type).toBe('/problems/invalid-model');
    expect(r.json().detail).toMatch(/format_version/);
    expect((await app.inject({ method: 'GET', url: '/api/fraud/model' })).json().model_version).toMatch(
      /^gbdt-20260101/,
    );
  });

  it('reload without a body reloads the configured model path', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/fraud/model/reload',
      headers: { 'x-admin-key': 'admin-secret' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().model_version).toMatch(/^gbdt-20260101/);
  });

  it('swaps models under concurrent requests with zero failures', async () => {
    const versions = new Set<string>();
    const reloads: Promise<{ statusCode: number }>[] = [];
    const res: { statusCode: number; v?: string }[] = [];
    // 20 waves of 20 predictions; a reload starts every 2 waves and is not awaited, so reloads
    // (file read, parse, swap) overlap with the predictions of the following waves
    for (let w = 0; w < 20; w++) {
      if (w % 2 === 0)
        reloads.push(
          post(
            '/api/fraud/model/reload',
            { path: w % 4 === 0 ? modelB : modelA },
            { 'x-admin-key': 'admin-secret' },
          ),
        );
      const wave = Array.from({ length: 20 }, (_, i) =>
        post('/api/fraud/predict', { transaction: txns[500 + w * 20 + i] }).then((r) => ({
          statusCode: r.statusCode,
          v: r.json().model_version as string,
        })),
      );
      res.push(...(await Promise.all(wave)));
      await new Promise((r) => setImmediate(r));
    }
    res.push(...(await Promise.all(reloads)));
    expect(res).toHaveLength(410);
    for (const r of res) {
      expect(r.statusCode).toBe(200);
      if (r.v) versions.add(r.v);
    }
    // both models answered during the run
    expect(versions.size).toBe(2);
    const cur = (await app.inject({ method: 'GET', url: '/api/fraud/model' })).json();
    expect(cur.reloads).toBe(11);
  });
});

describe('model reload reads only inside the model directory', () => {
  it('refuses every path it may not read with one answer that quotes nothing, and still loads a model inside', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(dir), 'outside-'));
    try {
      // a valid model outside the directory: refused although it would load
      const outsideModel = path.join(outside, 'model.json');
      fs.copyFileSync(modelB, outsideModel);
      fs.symlinkSync(outsideModel, path.join(dir, 'link-out.json'));
      fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
      const reload = (p: string) =>
        post('/api/fraud/model/reload', { path: p }, { 'x-admin-key': 'admin-secret' });
      const refused = [
        '/etc/passwd',
        '/etc/shadow',
        '../../../../../../etc/passwd',
        `../${path.basename(outside)}/model.json`,
        outsideModel,
        'link-out.json',
        'sub',
        'missing.json',
        '/nonexistent/dir/model.json',
        '.',
      ];
      // EACCES: a model inside that this process may not read (root reads it anyway)
      if (process.getuid?.() !== 0) {
        fs.copyFileSync(modelB, path.join(dir, 'locked.json'));
        fs.chmodSync(path.join(dir, 'locked.json'), 0o000);
        refused.push('locked.json');
      }
      const answers = new Set<string>();
      for (const p of refused) {
        const r = await reload(p);
        expect(r.statusCode, p).toBe(422);
        expect(r.json().type).toBe('/problems/invalid-model');
        expect(r.body).not.toMatch(/root:|nobody|daemon/);
        answers.add(r.json().detail);
      }
      // ENOENT, EISDIR, EACCES-like and outside: the same words, so existence is not revealed
      expect([...answers]).toEqual([
        'no readable model file at this path in the model directory; the previous model stays in use',
      ]);
      expect((await app.inject({ method: 'GET', url: '/api/fraud/model' })).json().model_version).toMatch(
        /^gbdt-20260101/,
      );
      // a file inside that is not a model: refused without quoting its bytes
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'API_TOKEN=s3cr3t-value\n');
      const notJson = await reload('secret.txt');
      expect(notJson.statusCode).toBe(422);
      expect(notJson.body).not.toContain('s3cr3t');
      expect(notJson.body).not.toContain('API_TOKEN');
      fs.writeFileSync(path.join(dir, 'odd.json'), '{"format":"s3cr3t-format","algo":"s3cr3t-algo"}');
      expect((await reload('odd.json')).body).not.toContain('s3cr3t');
      // a model inside, by a name relative to the directory, still loads
      const ok = await reload('b.json');
      expect(ok.statusCode).toBe(200);
      expect(ok.json().model_version).toMatch(/^gbdt-20260102/);
      expect((await reload(modelA)).statusCode).toBe(200);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('an explicit model directory confines reloads to it; without any directory every path is refused', async () => {
    const models = fs.mkdtempSync(path.join(path.dirname(dir), 'models-'));
    try {
      fs.copyFileSync(modelB, path.join(models, 'b.json'));
      const a = await build({ modelDir: models });
      const reload = (p: string) =>
        a.inject({
          method: 'POST',
          url: '/api/fraud/model/reload',
          payload: { path: p },
          headers: { 'x-admin-key': 'admin-secret' },
        });
      expect((await reload('b.json')).statusCode).toBe(200);
      // modelA sits in the configured model's directory, which is no longer the model directory
      expect((await reload(modelA)).statusCode).toBe(422);
      await a.close();
      const none = await build({ modelPath: undefined });
      expect(
        (
          await none.inject({
            method: 'POST',
            url: '/api/fraud/model/reload',
            payload: { path: modelA },
            headers: { 'x-admin-key': 'admin-secret' },
          })
        ).statusCode,
      ).toBe(422);
      await none.close();
    } finally {
      fs.rmSync(models, { recursive: true, force: true });
    }
  });
});

describe('GET /api/fraud/drift against the reference profile saved with the model', () => {
  it('same-distribution traffic is not flagged on amount; amounts ×30 are', async () => {
    const a = await build();
    const drift = async () => (await a.inject({ method: 'GET', url: '/api/fraud/drift' })).json();
    expect((await drift()).verdict).toBe('insufficient_data');
    const batch = (xs: Record<string, unknown>[]) =>
      a.inject({ method: 'POST', url: '/api/fraud/predict/batch', payload: { transactions: xs } });
    await batch(txns.slice(1000, 2500));
    const same = await drift();
    expect(same.window).toBe(1500);
    const amt = (r: typeof same) => r.fields.find((f: { name: string }) => f.name === 'amount_log');
    expect(amt(same).verdict).not.toBe('drift');
    expect(same.drifted).not.toContain('amount_log');

    const b = await build();
    await b.inject({
      method: 'POST',
      url: '/api/fraud/predict/batch',
      payload: { transactions: txns.slice(1000, 2500).map((t) => ({ ...t, amount: Number(t.amount) * 30 })) },
    });
    const shifted = (await b.inject({ method: 'GET', url: '/api/fraud/drift' })).json();
    expect(amt(shifted).verdict).toBe('drift');
    expect(shifted.drifted).toContain('amount_log');
    expect(shifted.verdict).toBe('drift');
    await a.close();
    await b.close();
  });
});

describe('scoring data-quality metrics (stream="scoring")', () => {
  it('exports drift of the scoring window against the training profile every N predictions', async () => {
    const a = await build({ qualityEvery: 500 });
    await a.inject({
      method: 'POST',
      url: '/api/fraud/predict/batch',
      payload: { transactions: txns.slice(1000, 2500).map((t) => ({ ...t, amount: Number(t.amount) * 30 })) },
    });
    await new Promise((r) => setImmediate(r));
    const m = (await a.inject({ method: 'GET', url: '/metrics' })).body;
    const psi = Number(
      /synfinance_data_drift_score\{stream="scoring",field="amount_log",method="psi"\} ([0-9.e+-]+)/.exec(
        m,
      )?.[1],
    );
    expect(psi).toBeGreaterThan(0.25);
    expect(m).toMatch(
      /synfinance_data_distribution_drifts_total\{stream="scoring",field="amount_log"\} [1-9]/,
    );
    expect(m).toMatch(/synfinance_data_quality_score\{stream="scoring"\} /);
    await a.close();
  });
});

describe('metrics', () => {
  it('all scoring metrics are exposed on /metrics', async () => {
    const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'synfinance_fraud_confidence_bucket',
      'synfinance_prediction_seconds_bucket',
      'synfinance_feature_engineering_seconds_bucket',
      'synfinance_fraud_rate',
      'synfinance_cache_hits_total',
      'synfinance_cache_misses_total',
      '# TYPE synfinance_fraud_detections_total counter',
    ]) {
      expect(m).toContain(name);
    }
    expect(m).toMatch(/^synfinance_cache_misses_total [1-9]/m);
  });
});
