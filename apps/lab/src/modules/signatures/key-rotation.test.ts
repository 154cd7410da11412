import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { generateServerKeyPair } from '../../platform/signatures/server-key.ts';
import { TEST_CONFIG, type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

it('a signature made before the server key was rotated still verifies, by its key id', async () => {
  const admin = await userWithRole(lab, 'admin');
  const subject = await userWithRole(lab, 'scientist');
  const signed = await lab.app.inject({
    method: 'POST',
    url: '/api/signatures',
    headers: admin.auth,
    payload: {
      record_type: 'user',
      record_id: subject.email,
      meaning: 'reviewed',
      reason: 'access review',
      user_id: admin.email,
      password: admin.password,
    },
  });
  expect(signed.statusCode, signed.body).toBe(201);

  // The same database served with a new key (and a new token key): what a rotation leaves behind.
  const tokenKey = new Uint8Array(randomBytes(32));
  const rotated = await buildApp({
    config: TEST_CONFIG,
    database: lab.database,
    secrets: { tokenKey, signingKey: generateServerKeyPair() },
  });
  try {
    const login = await rotated.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    const auth = { authorization: `Bearer ${login.json().access_token}` };
    const list = await rotated.inject({
      url: `/api/signatures?record_type=user&record_id=${encodeURIComponent(subject.email)}`,
      headers: auth,
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: signed.json().id, signature_valid: true, key_id: signed.json().key_id }),
    ]);
  } finally {
    await rotated.close();
  }
});
