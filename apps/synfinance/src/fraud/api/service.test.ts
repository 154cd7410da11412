// The real SynFinance service (api/app.ts) serves the fraud routes and exposes their metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from '../../api/test-api.ts';

describe('fraud routes on the SynFinance service', () => {
  let api: TestApi;
  let app: TestApi['app'];
  beforeAll(async () => {
    api = await testApi({});
    app = api.app;
    await app.ready();
  });
  afterAll(async () => api.close());

  it('serves /api/fraud/* (503 problem without a model) and /metrics carries the fraud metrics', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/fraud/predict', payload: { transaction: {} } });
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(r.json()).toMatchObject({
      type: '/problems/model-unavailable',
      status: 503,
      instance: '/api/fraud/predict',
    });
    // a schema failure of a fraud route is the service's validation problem, naming the field
    const bad = await app.inject({ method: 'POST', url: '/api/fraud/predict', payload: { tx: {} } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'body.transaction' })]);
    const m = (await app.inject({ url: '/metrics' })).body;
    for (const name of [
      'synfinance_prediction_seconds',
      'synfinance_feature_engineering_seconds',
      'synfinance_fraud_confidence',
      'synfinance_cache_hits_total',
      'synfinance_cache_misses_total',
      'synfinance_fraud_detections_total',
      'synfinance_transactions_generated_total',
    ]) {
      expect(m).toContain(`# TYPE ${name}`);
    }
    // warm-up gauges absent on an idle service
    expect(m).not.toMatch(/synfinance_model_(precision|recall|f1)|synfinance_fraud_rate/);
  });
});
