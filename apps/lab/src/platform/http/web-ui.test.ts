// The lab serving a built web UI at /: the page under the strict CSP, hashed assets cached for good,
// the app's own paths on reload, and every other path still the API's 404 problem.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab } from '../../testing/lab-app.ts';

const INDEX = '<!doctype html><script type="module" src="/assets/app-1a2b3c.js"></script>';
const SCRIPT = 'console.log("ui");';

let lab: TestLab;
let webRoot: string;
beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'lab-web-dist-'));
  await mkdir(join(webRoot, 'assets'));
  await writeFile(join(webRoot, 'index.html'), INDEX);
  await writeFile(join(webRoot, 'assets', 'app-1a2b3c.js'), SCRIPT);
  // A file outside assets/ that no route may reach.
  await writeFile(join(webRoot, 'secret.txt'), 'not served');
  lab = await testLab({}, undefined, { webRoot });
});
afterAll(async () => {
  await lab.close();
  await rm(webRoot, { recursive: true, force: true });
});

const get = (url: string, accept = 'text/html') =>
  lab.app.inject({ method: 'GET', url, headers: { accept } });

function expectNotFoundProblem(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode).toBe(404);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json().type).toBe('/problems/not-found');
}

describe('the web UI at /', () => {
  it('serves index.html at / and at the app paths, under the strict CSP and revalidated each load', async () => {
    for (const path of [
      '/',
      '/sign-in',
      '/sign-in?next=%2F',
      '/batches',
      '/batches/B-2026-01',
      '/admin/users/x',
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
      const policy = String(res.headers['content-security-policy']);
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toContain('unsafe-inline');
    }
  });

  it('serves hashed assets with a year of immutable caching', async () => {
    const res = await get('/assets/app-1a2b3c.js', '*/*');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.body).toBe(SCRIPT);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset, a path escape and a file outside assets/ with the 404 problem', async () => {
    expectNotFoundProblem(await get('/assets/app-000000.js', '*/*'));
    expectNotFoundProblem(await get('/assets/../secret.txt', '*/*'));
    expectNotFoundProblem(await get('/assets/%2e%2e/secret.txt', '*/*'));
    expectNotFoundProblem(await get('/secret.txt'));
    expectNotFoundProblem(await get('/index.html'));
  });

  it('leaves the API its paths: unknown ones stay 404 problems, even for a browser', async () => {
    expectNotFoundProblem(await get('/api/no-such-thing'));
    expectNotFoundProblem(await get('/api/no-such-thing', 'application/json'));
    expectNotFoundProblem(await get('/no/such/page'));
    const post = await lab.app.inject({ method: 'POST', url: '/', payload: {} });
    expect(post.statusCode).toBe(404);
    const health = await get('/health', 'application/json');
    expect(health.statusCode).toBe(200);
  });
});

describe('a lab without a UI build', () => {
  it('answers / with the 404 problem instead of failing to start', async () => {
    const bare = await testLab({}, undefined, { webRoot: join(webRoot, 'no-such-dist') });
    try {
      expectNotFoundProblem(
        await bare.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }),
      );
    } finally {
      await bare.close();
    }
  });
});
