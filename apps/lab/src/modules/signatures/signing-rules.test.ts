import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPermission, ROLES, type Role } from '../../platform/access/permissions.ts';
import { SIGNING_AUTHORITY, signingAuthority } from '../../platform/access/signing-authority.ts';
import { SIGNATURE_MEANINGS } from '../../platform/signatures/manifest.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

type User = Awaited<ReturnType<typeof userWithRole>>;
type Payload = Record<string, unknown>;

let lab: TestLab;
let admin: User;
let author: User; // scientist of the default lab who creates the batches others sign
let alice: User; // scientist of the default lab
let bob: User; // scientist of lab B
let complianceB: User; // compliance of lab B
let tech: User; // technician of the default lab

beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  author = await userWithRole(lab, 'scientist');
  alice = await userWithRole(lab, 'scientist');
  bob = await userWithRole(lab, 'scientist');
  complianceB = await userWithRole(lab, 'compliance');
  tech = await userWithRole(lab, 'technician');
  const ok = async (res: Promise<LightMyRequestResponse>) => {
    const r = await res;
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  await ok(call('POST', '/api/organizations', { org_id: 'ACME', name: 'Acme Pharma' }, admin));
  await ok(call('POST', '/api/labs', { lab_id: 'LAB-B', org_id: 'ACME', name: 'Basel QC' }, admin));
  for (const u of [bob, complianceB])
    await ok(call('PUT', `/api/labs/LAB-B/members/${u.email}`, { reason: 'works in Basel' }, admin));
  await ok(call('POST', '/api/projects', { project_id: 'P-A', name: 'Lab A study' }, author));
  await ok(call('POST', '/api/projects', { project_id: 'P-B', name: 'Lab B study' }, bob));
  await ok(call('POST', '/api/batches', { batch_id: 'B-IN-B', project_id: 'P-B' }, bob));
});
afterAll(async () => lab.close());

function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload: unknown, who: User) {
  return lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A signing with every component (user id and password) unless the payload says otherwise. */
const sign = (who: User, payload: Payload) =>
  call('POST', '/api/signatures', { user_id: who.email, password: who.password, ...payload }, who);

const list = (who: User, type: string, id: string) =>
  call('GET', `/api/signatures?record_type=${type}&record_id=${encodeURIComponent(id)}`, undefined, who);

const newBatch = async (id: string) => {
  const res = await call('POST', '/api/batches', { batch_id: id, project_id: 'P-A' }, author);
  expect(res.statusCode, res.body).toBe(201);
  return id;
};

/** The problem body with the record id taken out: an unknown id and a hidden one must look alike. */
const shape = (res: LightMyRequestResponse, id: string) => {
  const { instance: _instance, ...body } = res.json();
  return { status: res.statusCode, ...body, detail: String(body.detail).replace(id, '<id>') };
};

const storedSignatures = async () =>
  (
    await lab.database.withSession((s) =>
      s.query<{ n: number }>('SELECT count(*)::int AS n FROM electronic_signatures'),
    )
  )[0]!.n;

describe('signatures do not cross lab boundaries', () => {
  it("signing another lab's batch answers 404 exactly as an unknown batch does, and stores nothing", async () => {
    const before = await storedSignatures();
    const other = await sign(alice, { record_type: 'batch', record_id: 'B-IN-B', meaning: 'approved' });
    const unknown = await sign(alice, { record_type: 'batch', record_id: 'B-NOPE', meaning: 'approved' });
    expect(other.statusCode).toBe(404);
    expect(shape(other, 'B-IN-B')).toEqual(shape(unknown, 'B-NOPE'));
    // The password is checked before the record is looked up, for both: a wrong one answers alike.
    const wrongOther = await sign(alice, {
      record_type: 'batch',
      record_id: 'B-IN-B',
      meaning: 'approved',
      password: 'not-her-password',
    });
    const wrongUnknown = await sign(alice, {
      record_type: 'batch',
      record_id: 'B-NOPE',
      meaning: 'approved',
      password: 'not-her-password',
    });
    expect([wrongOther.statusCode, wrongUnknown.statusCode]).toEqual([401, 401]);
    expect(wrongOther.json()).toEqual({ ...wrongUnknown.json(), instance: wrongOther.json().instance });
    expect(await storedSignatures()).toBe(before);
    // Lab B's own scientist sees the batch's signatures: none.
    expect((await list(bob, 'batch', 'B-IN-B')).json().items).toEqual([]);
  });

  it("listing another lab's record's signatures answers 404 exactly as an unknown record does", async () => {
    const other = await list(alice, 'batch', 'B-IN-B');
    const unknown = await list(alice, 'batch', 'B-NOPE');
    expect(other.statusCode).toBe(404);
    expect(shape(other, 'B-IN-B')).toEqual(shape(unknown, 'B-NOPE'));
  });

  it("user accounts belong to their lab: compliance of lab B reviews lab B's accounts, not lab A's", async () => {
    const other = await sign(complianceB, {
      record_type: 'user',
      record_id: tech.email,
      meaning: 'reviewed',
    });
    const unknown = await sign(complianceB, {
      record_type: 'user',
      record_id: 'nobody@lab.test',
      meaning: 'reviewed',
    });
    expect(other.statusCode).toBe(404);
    expect(shape(other, tech.email)).toEqual(shape(unknown, 'nobody@lab.test'));
    const own = await sign(complianceB, { record_type: 'user', record_id: bob.email, meaning: 'reviewed' });
    expect(own.statusCode, own.body).toBe(201);
  });
});

describe('authority of meanings (21 CFR 11.10(g))', () => {
  it('a technician cannot sign a batch approved', async () => {
    const batch = await newBatch('B-TECH');
    const res = await sign(tech, { record_type: 'batch', record_id: batch, meaning: 'approved' });
    expect(res.statusCode).toBe(403);
    expect(res.json().type).toBe('/problems/forbidden');
    expect((await list(tech, 'batch', batch)).json().items).toEqual([]);
  });

  it('a scientist cannot sign user accounts, nor learn which exist: every account answers like an unknown one', async () => {
    const real = await sign(alice, { record_type: 'user', record_id: tech.email, meaning: 'reviewed' });
    const unknown = await sign(alice, {
      record_type: 'user',
      record_id: 'nobody@lab.test',
      meaning: 'reviewed',
    });
    expect(real.statusCode).toBe(404);
    expect(shape(real, tech.email)).toEqual(shape(unknown, 'nobody@lab.test'));
    const listed = await list(alice, 'user', tech.email);
    expect(shape(listed, tech.email)).toEqual(
      shape(await list(alice, 'user', 'nobody@lab.test'), 'nobody@lab.test'),
    );
    expect(listed.statusCode).toBe(404);
  });

  it('route x role x meaning: every cell of the table, through HTTP', async () => {
    const walkers = {} as Record<Role, User>;
    for (const role of ROLES) walkers[role] = await userWithRole(lab, role);
    const batch = await newBatch('B-WALK');
    const account = (await userWithRole(lab, 'technician')).email;
    const sample = await call('POST', '/api/samples', { sample_id: 'S-WALK', project_id: 'P-A' }, author);
    expect(sample.statusCode, sample.body).toBe(201);
    const records: Record<string, string> = { batch, user: account, sample: 'S-WALK' };
    expect(Object.keys(SIGNING_AUTHORITY).sort()).toEqual(lab.app.lab.signatures.recordTypes());
    const cells: string[] = [];
    for (const [type, id] of Object.entries(records)) {
      for (const role of ROLES) {
        const decision = signingAuthority([role], type, 'reviewed');
        const listed = await list(walkers[role], type, id);
        expect(listed.statusCode, `${role} lists ${type}`).toBe(decision === 'unreadable' ? 404 : 200);
        for (const meaning of SIGNATURE_MEANINGS) {
          const expected = { allowed: 201, forbidden: 403, unreadable: 404 }[
            signingAuthority([role], type, meaning)
          ];
          const res = await sign(walkers[role], { record_type: type, record_id: id, meaning });
          expect(res.statusCode, `${role} signs ${type} ${meaning}: ${res.body}`).toBe(expected);
          cells.push(`${type} ${meaning} ${role} ${res.statusCode}`);
        }
      }
    }
    expect(cells).toHaveLength(Object.keys(records).length * ROLES.length * SIGNATURE_MEANINGS.length);
    // The routes that sign as a side effect: batch release (approved) and reject (rejected).
    for (const role of ROLES) {
      for (const [decision, meaning] of [
        ['release', 'approved'],
        ['reject', 'rejected'],
      ] as const) {
        const id = await newBatch(`B-${decision}-${role}`);
        const res = await call(
          'POST',
          `/api/batches/${id}/${decision}`,
          { password: walkers[role].password, reason: 'walk of the authority table' },
          walkers[role],
        );
        const allowed =
          hasPermission([role], 'batches:approve') &&
          signingAuthority([role], 'batch', meaning) === 'allowed';
        expect(res.statusCode, `${role} ${decision}: ${res.body}`).toBe(allowed ? 200 : 403);
      }
    }
  });
});

describe('one signature per request (duplicates)', () => {
  it('the same signing sent twice in a session makes one signature; the second answers 409', async () => {
    const batch = await newBatch('B-DUP');
    const payload = { record_type: 'batch', record_id: batch, meaning: 'reviewed', reason: 'QC review' };
    const first = await sign(alice, payload);
    expect(first.statusCode, first.body).toBe(201);
    const again = await sign(alice, payload);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: '/problems/conflict', title: 'Duplicate signature' });
    expect(again.json().detail).toContain(first.json().id);
    expect((await list(alice, 'batch', batch)).json().items).toHaveLength(1);
    let refused = 0;
    for await (const e of lab.app.lab.audit.events())
      if (e.action === 'signature.refused' && e.entity_id === batch) refused++;
    expect(refused).toBe(1);
  });

  it('two identical requests at the same time: one signature, one 409', async () => {
    const batch = await newBatch('B-TWIN');
    const payload = { record_type: 'batch', record_id: batch, meaning: 'verified' };
    const answers = await Promise.all([sign(alice, payload), sign(alice, payload)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect((await list(alice, 'batch', batch)).json().items).toHaveLength(1);
  });

  it('after the record changed, or in a new session, the same meaning is a new signature', async () => {
    const batch = await newBatch('B-AGAIN');
    const payload = { record_type: 'batch', record_id: batch, meaning: 'reviewed' };
    expect((await sign(alice, payload)).statusCode).toBe(201);
    const edit = await call(
      'PATCH',
      `/api/batches/${batch}`,
      { description: 'T1 pull', reason: 'typo' },
      author,
    );
    expect(edit.statusCode).toBe(200);
    expect((await sign(alice, payload)).statusCode).toBe(201);
    const relogin = await lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: alice.email, password: alice.password },
    });
    const again = { ...alice, auth: { authorization: `Bearer ${relogin.json().access_token}` } };
    expect((await sign(again, payload)).statusCode).toBe(201);
    expect((await list(alice, 'batch', batch)).json().items).toHaveLength(3);
  });
});

describe('signing components per session (21 CFR 11.200(a)(1))', () => {
  it('the first signing of a session takes user id and password; later ones the password; a new session starts over', async () => {
    const s = await userWithRole(lab, 'scientist');
    const batch = await newBatch('B-SESSION');
    const target = { record_type: 'batch', record_id: batch };
    const passwordOnly = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'reviewed', password: s.password },
      s,
    );
    expect(passwordOnly.statusCode).toBe(400);
    expect(passwordOnly.json().errors[0].field).toBe('body.user_id');
    const someoneElse = await sign(s, { ...target, meaning: 'reviewed', user_id: alice.email });
    expect(someoneElse.statusCode).toBe(401);
    expect(someoneElse.json().type).toBe('/problems/invalid-credentials');
    const first = await sign(s, { ...target, meaning: 'reviewed', user_id: s.email.toUpperCase() });
    expect(first.statusCode, first.body).toBe(201);
    const later = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'verified', password: s.password },
      s,
    );
    expect(later.statusCode, later.body).toBe(201);
    // A later signing still re-authenticates: a wrong password is refused.
    const wrong = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'authored', password: 'nope-nope' },
      s,
    );
    expect(wrong.statusCode).toBe(401);

    expect((await call('POST', '/auth/logout', undefined, s)).statusCode).toBe(204);
    const login = await lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: s.email, password: s.password },
    });
    const next = { ...s, auth: { authorization: `Bearer ${login.json().access_token}` } };
    const newSession = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'authored', password: s.password },
      next,
    );
    expect(newSession.statusCode).toBe(400);
    expect((await sign(next, { ...target, meaning: 'authored' })).statusCode).toBe(201);
  });

  it('an account with MFA enrolled signs with its code, at the first signing and at later ones', async () => {
    const m = await userWithRole(lab, 'scientist');
    const batch = await newBatch('B-MFA');
    const target = { record_type: 'batch', record_id: batch };
    // Start early in a 30 s step, so the three consecutive steps used below stay in the ±1 window.
    const into = (Date.now() / 1000) % 30;
    if (into > 15) await sleep((30 - into) * 1000 + 200);
    const enroll = await call('POST', '/auth/mfa/enroll', undefined, m);
    const secret = new URL(enroll.json().otpauth_uri).searchParams.get('secret')!;
    const now = Date.now() / 1000;
    const confirm = await call('POST', '/auth/mfa/confirm', { code: independentTotp(secret, now - 30) }, m);
    expect(confirm.statusCode, confirm.body).toBe(200);

    const noCode = await sign(m, { ...target, meaning: 'reviewed' });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().type).toBe('/problems/mfa-required');
    const first = await sign(m, { ...target, meaning: 'reviewed', mfa_code: independentTotp(secret, now) });
    expect(first.statusCode, first.body).toBe(201);
    const laterNoCode = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'verified', password: m.password },
      m,
    );
    expect(laterNoCode.json().type).toBe('/problems/mfa-required');
    const later = await call(
      'POST',
      '/api/signatures',
      { ...target, meaning: 'verified', password: m.password, mfa_code: independentTotp(secret, now + 30) },
      m,
    );
    expect(later.statusCode, later.body).toBe(201);
  });
});

/** RFC 6238 TOTP written independently of the server's library: HMAC-SHA1, dynamic truncation, 6 digits. */
function independentTotp(base32Secret: string, unixSeconds: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32Secret.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}
