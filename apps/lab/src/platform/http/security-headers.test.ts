// Security headers on the real app: helmet's set and the web UI's CSP on API, 404 and problem responses,
// a CSP on /docs that the Swagger UI can run under, no caching of auth responses, and no CORS.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
let auth: { authorization: string };
beforeAll(async () => {
  lab = await testLab();
  auth = (await userWithRole(lab, 'admin')).auth;
});
afterAll(() => lab.close());

/** The CSP as a map of directive -> sources. */
function csp(res: LightMyRequestResponse): Record<string, string[]> {
  const header = res.headers['content-security-policy'];
  expect(typeof header, 'content-security-policy').toBe('string');
  return Object.fromEntries(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectSecurityHeaders(res: LightMyRequestResponse): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

describe('security headers', () => {
  it('every kind of response carries them, with the web UI CSP: self only, no inline script or style', async () => {
    const responses = {
      health: await lab.app.inject({ method: 'GET', url: '/health' }),
      api: await lab.app.inject({ method: 'GET', url: '/api/samples', headers: auth }),
      notFoundRoute: await lab.app.inject({ method: 'GET', url: '/no/such/route' }),
      notFoundRecord: await lab.app.inject({ method: 'GET', url: '/api/samples/NOPE-1', headers: auth }),
      validationProblem: await lab.app.inject({
        method: 'POST',
        url: '/api/samples',
        headers: auth,
        payload: { quantity: 'lots' },
      }),
      unauthenticated: await lab.app.inject({ method: 'GET', url: '/api/samples' }),
    };
    expect(responses.health.statusCode).toBe(200);
    expect(responses.api.statusCode).toBe(200);
    expect(responses.notFoundRoute.statusCode).toBe(404);
    expect(responses.notFoundRecord.statusCode).toBe(404);
    expect(responses.validationProblem.statusCode).toBe(400);
    expect(responses.validationProblem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(responses.unauthenticated.statusCode).toBe(401);
    for (const [name, res] of Object.entries(responses)) {
      expectSecurityHeaders(res);
      const policy = csp(res);
      expect(policy['default-src'], name).toEqual(["'self'"]);
      expect(policy['script-src'], name).toEqual(["'self'"]);
      expect(policy['script-src-attr'], name).toEqual(["'none'"]);
      expect(policy['style-src'], name).toEqual(["'self'"]);
      expect(policy['object-src'], name).toEqual(["'none'"]);
      expect(policy['frame-ancestors'], name).toEqual(["'none'"]);
      expect(policy, name).not.toHaveProperty('upgrade-insecure-requests');
    }
  });

  it('/docs gets a CSP its Swagger UI runs under: its scripts are files of this origin, styles may be inline', async () => {
    const index = await lab.app.inject({ method: 'GET', url: '/docs' });
    expect(index.statusCode).toBe(200);
    expectSecurityHeaders(index);
    const policy = csp(index);
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(policy['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy['connect-src']).toEqual(["'self'"]);
    // script-src 'self' allows the page only if every script is a same-origin file (no inline script)
    const scripts = [...index.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      const src = /src="([^"]+)"/.exec(attributes!)?.[1];
      expect(src, attributes).toBeDefined();
      expect(src).not.toMatch(/^(https?:)?\/\//);
      expect(inline!.trim()).toBe('');
      const url = new URL(src!, 'http://lab.local/docs').pathname;
      const file = await lab.app.inject({ method: 'GET', url });
      expect(file.statusCode, url).toBe(200);
      expect(file.headers['content-type'], url).toMatch(/javascript/);
    }
    // the UI reads the document from this origin (connect-src 'self')
    const initializer = await lab.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toMatch(/url: '\.\/json'|resolveUrl\('\.\/json'\)|"url":/);
    expect((await lab.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    // the relaxed policy stays under /docs
    expect(csp(await lab.app.inject({ method: 'GET', url: '/docsx' }))['style-src']).toEqual(["'self'"]);
  });

  it('every auth response is Cache-Control: no-store, success or failure; other routes are left alone', async () => {
    const { email, password } = await userWithRole(lab, 'scientist');
    const login = await lab.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
    expect(login.statusCode).toBe(200);
    const tokens = login.json();
    const responses = [
      login,
      await lab.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password: 'wrong-password-1' },
      }),
      await lab.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'x' } }),
      await lab.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: tokens.refresh_token },
      }),
      await lab.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      }),
      await lab.app.inject({ method: 'GET', url: '/auth/me' }),
      await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: auth }),
      await lab.app.inject({ method: 'GET', url: '/auth/no-such-route' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 400, 200, 200, 401, 200, 404]);
    for (const res of responses) expect(res.headers['cache-control'], res.body).toBe('no-store');
    expect(
      (await lab.app.inject({ method: 'GET', url: '/health' })).headers['cache-control'],
    ).toBeUndefined();
  });

  it('CORS stays closed: a preflight or a request from another origin gets no Access-Control-Allow-Origin', async () => {
    const origin = 'https://attacker.example';
    const preflight = await lab.app.inject({
      method: 'OPTIONS',
      url: '/api/samples',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
    const simple = await lab.app.inject({ method: 'GET', url: '/api/samples', headers: { ...auth, origin } });
    expect(simple.statusCode).toBe(200);
    for (const res of [preflight, simple]) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    }
  });
});
