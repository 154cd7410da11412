import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { UI_PATHS } from '../http/web-ui.ts';
import { hasPermission, ROLES } from './permissions.ts';

let lab: TestLab;
const tokens: Record<string, { authorization: string }> = {};

beforeAll(async () => {
  lab = await testLab();
  await lab.app.ready();
  for (const role of ROLES) tokens[role] = (await userWithRole(lab, role)).auth;
});
afterAll(async () => lab.close());

/** `/api/users/:email/roles/:role` -> `/api/users/x/roles/x`: enough to reach the guard. */
const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, 'x').replace(/\*$/, 'x');

describe('every route declares its access (default deny)', () => {
  it('lists every registered route with public, authenticated or a permission', () => {
    const routes = lab.app.lab.routes;
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !r.access)).toEqual([]);
    // The public surface is small and reviewed here: anything new must be added on purpose.
    const publicRoutes = routes
      .filter((r) => r.access === 'public' && r.method !== 'HEAD' && !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes.sort()).toEqual(
      [
        // The web UI's pages (index.html for each area of the app, listed in web-ui.ts) and its assets.
        ...UI_PATHS.map((path) => `GET ${path}`),
        'GET /assets/*',
        'GET /health',
        'GET /metrics',
        'GET /openapi.json',
        'GET /problems',
        'GET /problems/:slug',
        'GET /ready',
        'POST /auth/login',
        'POST /auth/refresh',
      ].sort(),
    );
  });

  it('every non-public route refuses a request without a token', async () => {
    for (const r of lab.app.lab.routes.filter((x) => x.access !== 'public' && x.method !== 'HEAD')) {
      const res = await lab.app.inject({
        method: r.method as 'GET',
        url: concrete(r.url),
        payload: r.method === 'GET' ? undefined : {},
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });
});

describe('role matrix: for every route and every role, 403 exactly when the role lacks the permission', () => {
  it('matches the permission table', async () => {
    const checked: string[] = [];
    for (const r of lab.app.lab.routes.filter(
      (x) => x.access !== 'public' && x.access !== 'authenticated' && x.method !== 'HEAD',
    )) {
      for (const role of ROLES) {
        const res = await lab.app.inject({
          method: r.method as 'GET',
          url: concrete(r.url),
          headers: tokens[role],
          payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
        });
        const allowed = hasPermission([role], r.access);
        if (allowed)
          expect([401, 403], `${role} ${r.method} ${r.url} -> ${res.statusCode}`).not.toContain(
            res.statusCode,
          );
        else expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
        checked.push(`${role} ${r.method} ${r.url}`);
      }
    }
    expect(checked.length).toBeGreaterThan(40);
  });
});
