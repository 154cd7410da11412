/**
 * The reference library and the identify endpoint on a real migrated database: JCAMP-DX uploads
 * (multipart) become immutable versions, bad files store nothing, identification is stored and
 * audited, and a reference an effective workflow pins can be neither retired nor silently changed.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { type TestUser, testWorkflow } from '../../testing/run-fixtures.ts';
import { builtInSpectra } from './identifier.ts';
import { polymorphClassifier } from './port.ts';
import { sha256Of, spectrumJson } from './references.ts';

const POLYMORPH_EXAMPLE = readFileSync(
  new URL('../../../../../docs/examples/cooling-crystallization-polymorph.yaml', import.meta.url),
  'utf8',
);

let lab: TestLab;
let admin: TestUser;
let scientist: TestUser;
let approver: TestUser;
let tech: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  scientist = await userWithRole(lab, 'scientist');
  approver = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
  auditor = await userWithRole(lab, 'compliance');
});
afterAll(async () => lab?.close());

const builtIn = (form: string) => {
  const ref = builtInSpectra().find((r) => r.form === form);
  if (!ref) throw new Error(`no built-in ${form}`);
  return ref;
};

/** A JCAMP-DX file of the spectrum as a PEAK TABLE (XY..XY): any x spacing. */
function jcamp(title: string, x: readonly number[], y: readonly number[]): string {
  const rows = x.map((v, i) => `${v},${y[i]}`).join('\n');
  return `##TITLE=${title}\n##JCAMP-DX=4.24\n##DATA TYPE=RAMAN SPECTRUM\n##XUNITS=1/CM\n##YUNITS=ARBITRARY UNITS\n##NPOINTS=${x.length}\n##PEAK TABLE=(XY..XY)\n${rows}\n##END=\n`;
}

/** A multipart form: text fields, then the file. */
function form(fields: Record<string, string>, file?: { name: string; content: string | Buffer }) {
  const boundary = `----polymorph${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
  );
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: chemical/x-jcamp-dx\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const upload = (url: string, who: TestUser, f: ReturnType<typeof form>) =>
  lab.app.inject({ method: 'POST', url, payload: f.payload, headers: { ...who.auth, ...f.headers } });
const call = (method: 'GET' | 'POST', url: string, who: TestUser, payload?: object) =>
  lab.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

const fields = (id: string, formName = 'form_ii') => ({
  reference_id: id,
  name: `${id} (test)`,
  form: formName,
  source: 'built-in spectrum written as JCAMP-DX by the test',
});
/** The built-in form's spectrum, scaled: a "measured" reference distinct from the built-in one. */
const formFile = (formName: string, scale = 1) => {
  const ref = builtIn(formName);
  return {
    name: `${formName}.jdx`,
    content: jcamp(
      formName,
      ref.x,
      ref.y.map((v) => v * scale),
    ),
  };
};

async function count(table: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    lab.database.db,
    sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`,
  );
  return row!.n;
}

describe('the reference library', () => {
  it('lists the built-in simulator forms in every lab, each with one version and its spectrum', async () => {
    const res = await call('GET', '/api/polymorph/references', tech);
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().items.map((r: { reference_id: string }) => r.reference_id);
    expect(ids).toEqual(
      expect.arrayContaining(['SIM-SOLVENT', 'SIM-DISSOLVED', 'SIM-FORM-I', 'SIM-FORM-II']),
    );
    const v1 = await call('GET', '/api/polymorph/references/SIM-FORM-II/versions/1', auditor);
    expect(v1.statusCode, v1.body).toBe(200);
    const { spectrum, sha256 } = v1.json();
    expect(sha256).toBe(sha256Of(spectrumJson(spectrum.x, spectrum.y)));
    expect((await call('GET', '/api/polymorph/references/SIM-FORM-II/versions/2', auditor)).statusCode).toBe(
      404,
    );
  });

  it('takes a JCAMP-DX upload as version 1, keeping the spectrum, its SHA-256 and the file; audited', async () => {
    const file = formFile('form_ii', 2);
    const res = await upload('/api/polymorph/references', scientist, form(fields('REF-UP-II'), file));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      reference_id: 'REF-UP-II',
      form: 'form_ii',
      latest_version: 1,
      built_in: false,
    });
    const v1 = (await call('GET', '/api/polymorph/references/REF-UP-II/versions/1', tech)).json();
    expect(v1.spectrum.x).toHaveLength(builtIn('form_ii').x.length);
    expect(v1.sha256).toBe(sha256Of(spectrumJson(v1.spectrum.x, v1.spectrum.y)));
    expect(v1.file_sha256).toBe(sha256Of(file.content));
    const [audit] = await queryRows<{ action: string; actor: string }>(
      lab.database.db,
      sql`SELECT action, actor FROM audit_events WHERE entity_type = 'polymorph_reference' AND entity_id = 'REF-UP-II'`,
    );
    expect(audit).toMatchObject({ action: 'polymorph_reference.created', actor: scientist.email });
    // the same id again is a conflict
    expect(
      (await upload('/api/polymorph/references', scientist, form(fields('REF-UP-II'), file))).statusCode,
    ).toBe(409);
  });

  it('refuses a bad file with 400 on body.file carrying the parser’s message, and stores nothing', async () => {
    const before = [await count('polymorph_references'), await count('polymorph_reference_versions')];
    const bad = await upload(
      '/api/polymorph/references',
      scientist,
      form(fields('REF-BAD'), { name: 'bad.jdx', content: 'this is not JCAMP-DX at all' }),
    );
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'body.file' })]);
    expect(bad.json().errors[0].message.length).toBeGreaterThan(5);
    // a repeated x: parsed, but not a usable spectrum (x must be strictly ascending)
    const ref = builtIn('form_i');
    const repeated = jcamp(
      'repeated',
      ref.x.map((v, i) => (i === 11 ? ref.x[10]! : v)),
      ref.y,
    );
    const res = await upload(
      '/api/polymorph/references',
      scientist,
      form(fields('REF-BAD'), { name: 'r.jdx', content: repeated }),
    );
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0]).toMatchObject({
      field: 'body.file',
      message: expect.stringContaining('ascending'),
    });
    expect([await count('polymorph_references'), await count('polymorph_reference_versions')]).toEqual(
      before,
    );
  });

  it('checks the fields (400 naming each), keeps SIM- for the built-ins, limits the file (413)', async () => {
    const missing = await upload(
      '/api/polymorph/references',
      scientist,
      form({ reference_id: 'REF-NOFORM', name: 'x', source: 'y' }, formFile('form_i')),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([
      expect.objectContaining({ field: 'body.form', message: 'is required' }),
    ]);
    const lower = await upload(
      '/api/polymorph/references',
      scientist,
      form(fields('ref-lower'), formFile('form_i')),
    );
    expect(lower.json().errors[0].field).toBe('body.reference_id');
    const sim = await upload(
      '/api/polymorph/references',
      scientist,
      form(fields('SIM-MINE'), formFile('form_i')),
    );
    expect(sim.statusCode).toBe(400);
    expect(sim.json().errors[0].field).toBe('body.reference_id');
    const huge = await upload(
      '/api/polymorph/references',
      scientist,
      form(fields('REF-HUGE'), { name: 'huge.jdx', content: Buffer.alloc(2 * 1024 * 1024 + 10, 0x31) }),
    );
    expect(huge.statusCode, huge.body).toBe(413);
    const json = await call('POST', '/api/polymorph/references', scientist, { reference_id: 'REF-JSON' });
    expect(json.statusCode).toBe(415);
  });

  it('is the scientists’ to manage: a technician may read and identify but not upload or retire', async () => {
    const res = await upload('/api/polymorph/references', tech, form(fields('REF-TECH'), formFile('form_i')));
    expect(res.statusCode).toBe(403);
    expect(
      (await call('POST', '/api/polymorph/references/SIM-FORM-I/retire', tech, { reason: 'no' })).statusCode,
    ).toBe(403);
    expect(
      (await call('POST', '/api/polymorph/identify', auditor, { spectrum: { x: [], y: [] } })).statusCode,
    ).toBe(403);
  });

  it('never retires nor versions a built-in reference', async () => {
    expect(
      (await call('POST', '/api/polymorph/references/SIM-FORM-I/retire', scientist, { reason: 'try it' }))
        .statusCode,
    ).toBe(409);
    expect(
      (await upload('/api/polymorph/references/SIM-FORM-I/versions', scientist, form({}, formFile('form_i'))))
        .statusCode,
    ).toBe(409);
  });
});

describe('POST /api/polymorph/identify', () => {
  const mixture = (fi: number, fii: number) => {
    const [solvent, formI, formII] = [builtIn('solvent'), builtIn('form_i'), builtIn('form_ii')];
    return {
      x: [...formI.x],
      y: formI.x.map((_, i) => solvent.y[i]! + fi * formI.y[i]! + fii * formII.y[i]!),
    };
  };

  it('names the form, its confidence, the fractions, the top hits and the preprocessing; stored and audited', async () => {
    const res = await call('POST', '/api/polymorph/identify', tech, { spectrum: mixture(0.2, 0.8) });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r.form).toBe('form_ii');
    expect(r.confidence).toBeGreaterThan(0.9);
    expect(r.fractions.form_ii.value).toBeGreaterThan(r.fractions.form_i.value);
    expect(r.fractions.form_ii.uncertainty).toBeGreaterThanOrEqual(0);
    expect(r.hits.length).toBeGreaterThan(0);
    expect(r.preprocessing.map((s: { step: string }) => s.step)).toContain('baseline');
    expect(r.references.map((x: { reference_id: string }) => x.reference_id)).toContain('SIM-FORM-II');
    const [row] = await queryRows<{ origin: string; form: string; created_by: string }>(
      lab.database.db,
      sql`SELECT origin, form, created_by FROM polymorph_identifications WHERE id = ${r.id}`,
    );
    expect(row).toEqual({ origin: 'api', form: 'form_ii', created_by: tech.email });
    const [audit] = await queryRows<{ action: string }>(
      lab.database.db,
      sql`SELECT action FROM audit_events WHERE entity_type = 'polymorph_identification' AND entity_id = ${r.id}`,
    );
    expect(audit?.action).toBe('polymorph.identified');
  });

  it('links the result to the sample given; an unseen sample is 400, an unknown run 404', async () => {
    const created = await call('POST', '/api/samples', scientist, { sample_id: 'S-POLY-1' });
    expect(created.statusCode, created.body).toBe(201);
    const spectrum = mixture(0.9, 0.1);
    const linked = await call('POST', '/api/polymorph/identify', tech, {
      spectrum,
      sample_id: 'S-POLY-1',
      step_id: 'bench_check',
    });
    expect(linked.statusCode, linked.body).toBe(201);
    expect(linked.json()).toMatchObject({
      sample_id: 'S-POLY-1',
      step_id: 'bench_check',
      run_id: null,
      form: 'form_i',
    });
    const unseen = await call('POST', '/api/polymorph/identify', tech, { spectrum, sample_id: 'S-NOWHERE' });
    expect(unseen.statusCode).toBe(400);
    expect(unseen.json().errors[0].field).toBe('body.sample_id');
    const noRun = await call('POST', '/api/polymorph/identify', tech, {
      spectrum,
      run_id: 'RUN-20260101-ABCDEF',
    });
    expect(noRun.statusCode).toBe(404);
  });

  it('refuses a bad spectrum naming the field, and stores nothing', async () => {
    const before = await count('polymorph_identifications');
    const { x, y } = mixture(0.5, 0.5);
    const swapped = [...x];
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!];
    const cases: [object, string][] = [
      [{ x: swapped, y }, 'body.spectrum.x'],
      [{ x, y: y.slice(1) }, 'body.spectrum.y'],
      [
        { x: Array.from({ length: 9000 }, (_, i) => i), y: Array.from({ length: 9000 }, () => 1) },
        'body.spectrum.x',
      ],
    ];
    for (const [spectrum, field] of cases) {
      const res = await call('POST', '/api/polymorph/identify', tech, { spectrum });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const pin = await call('POST', '/api/polymorph/identify', tech, {
      spectrum: { x, y },
      references: ['REF-NOPE@1'],
    });
    expect(pin.statusCode).toBe(400);
    expect(pin.json().errors[0].field).toBe('body.references[0]');
    expect(await count('polymorph_identifications')).toBe(before);
  });
});

describe('a reference an effective workflow pins', () => {
  it('is used as pinned, cannot be retired, and a new version changes nothing for the workflow', async () => {
    // 1. A scientist uploads the Form II reference as JCAMP-DX.
    const v1File = formFile('form_ii', 1);
    expect(
      (await upload('/api/polymorph/references', scientist, form(fields('REF-PIN-II'), v1File))).statusCode,
    ).toBe(201);
    const v1 = (await call('GET', '/api/polymorph/references/REF-PIN-II/versions/1', tech)).json();

    // 2. It is used in identification, pinned.
    const pins = ['SIM-SOLVENT@1', 'SIM-DISSOLVED@1', 'SIM-FORM-I@1', 'REF-PIN-II@1'];
    const formII = builtIn('form_ii');
    const spectrum = { x: [...formII.x], y: formII.y.map((v, i) => v + builtIn('solvent').y[i]!) };
    const identified = await call('POST', '/api/polymorph/identify', tech, { spectrum, references: pins });
    expect(identified.statusCode, identified.body).toBe(201);
    expect(identified.json().form).toBe('form_ii');
    expect(identified.json().references).toContainEqual({
      reference_id: 'REF-PIN-II',
      version: 1,
      form: 'form_ii',
      sha256: v1.sha256,
    });

    // 3. An effective workflow pins version 1.
    const source = POLYMORPH_EXAMPLE.replace(/^name: .*$/m, 'name: pinned-wf').replace(
      /references: .*$/m,
      `references: ${pins.join(',')}`,
    );
    const wf = await testWorkflow(lab, scientist, approver, source);

    // 4. Retiring the reference is refused, naming the workflow; nothing changes.
    const retire = await call('POST', '/api/polymorph/references/REF-PIN-II/retire', scientist, {
      reason: 'clean-up',
    });
    expect(retire.statusCode, retire.body).toBe(409);
    expect(retire.json().type).toBe('/problems/reference-in-use');
    expect(retire.json().detail).toContain('pinned-wf');
    expect(retire.json().workflows).toEqual([
      { name: 'pinned-wf', version: wf.version, pin: 'REF-PIN-II@1' },
    ]);
    expect((await call('GET', '/api/polymorph/references/REF-PIN-II', tech)).json().status).toBe('active');

    // 5. A new version is added (the same spectrum again is refused) ...
    const same = await upload('/api/polymorph/references/REF-PIN-II/versions', scientist, form({}, v1File));
    expect(same.statusCode).toBe(409);
    const v2 = await upload(
      '/api/polymorph/references/REF-PIN-II/versions',
      scientist,
      form({}, formFile('form_i')),
    );
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.json()).toMatchObject({ reference_id: 'REF-PIN-II', version: 2 });
    expect(v2.json().sha256).not.toBe(v1.sha256);

    // ... and the workflow's run still gets version 1, byte for byte: what it identifies is unchanged.
    const definition = (await call('GET', `/api/workflows/pinned-wf/versions/${wf.version}`, tech)).json()
      .definition;
    expect(JSON.stringify(definition)).toContain('REF-PIN-II@1');
    const { compile } = await import('@polymorph/run-engine/compile');
    const [labRow] = await queryRows<{ lab_id: string }>(
      lab.database.db,
      sql`SELECT lab_id FROM workflow_versions WHERE id = ${wf.versionId}`,
    );
    const built = await polymorphClassifier(lab.database.db, labRow!.lab_id, compile(definition).commands);
    if (!built.ok) throw new Error(built.message);
    const asRun = built.classifier(
      {
        shiftCm1: spectrum.x,
        intensities: spectrum.y,
        integrationTimeMs: 1,
        averages: 1,
        detectorMax: 1e9,
        laserNm: 785,
      },
      { references: pins.join(',') },
    );
    expect(asRun.label).toBe('form_ii');
    expect(asRun.detail?.['references']).toContainEqual({
      reference_id: 'REF-PIN-II',
      version: 1,
      form: 'form_ii',
      sha256: v1.sha256,
    });
    expect((await call('GET', '/api/polymorph/references/REF-PIN-II/versions/1', tech)).json().sha256).toBe(
      v1.sha256,
    );

    // 6. Once the workflow is retired, so may the reference be; it then takes no new version.
    const retiredWf = await call('POST', `/api/workflows/pinned-wf/versions/${wf.version}/retire`, approver, {
      reason: 'done',
    });
    expect(retiredWf.statusCode, retiredWf.body).toBe(200);
    const ok = await call('POST', '/api/polymorph/references/REF-PIN-II/retire', scientist, {
      reason: 'superseded',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'retired',
      retired_by: scientist.email,
      retire_reason: 'superseded',
    });
    const late = await upload(
      '/api/polymorph/references/REF-PIN-II/versions',
      scientist,
      form({}, formFile('form_ii', 3)),
    );
    expect(late.json().type).toBe('/problems/reference-retired');
  });
});

describe('lab scope', () => {
  it("another lab's user does not see a lab's reference or identification", async () => {
    expect(
      (await upload('/api/polymorph/references', scientist, form(fields('REF-SCOPED'), formFile('form_i'))))
        .statusCode,
    ).toBe(201);
    const outsider = await userWithRole(lab, 'scientist');
    for (const [url, body] of [
      ['/api/organizations', { org_id: 'POLY-ORG', name: 'Other org' }],
      ['/api/labs', { lab_id: 'POLY-LAB-B', org_id: 'POLY-ORG', name: 'Other lab' }],
    ] as const) {
      expect((await call('POST', url, admin, body)).statusCode).toBe(201);
    }
    const moved = await lab.app.inject({
      method: 'PUT',
      url: `/api/labs/POLY-LAB-B/members/${outsider.email}`,
      headers: admin.auth,
      payload: { reason: 'works there' },
    });
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    expect((await call('GET', '/api/polymorph/references/REF-SCOPED', outsider)).statusCode).toBe(404);
    const list = (await call('GET', '/api/polymorph/references', outsider)).json();
    expect(list.items.map((r: { reference_id: string }) => r.reference_id)).not.toContain('REF-SCOPED');
    const f = builtIn('form_i');
    const pinned = await call('POST', '/api/polymorph/identify', outsider, {
      spectrum: { x: [...f.x], y: [...f.y] },
      references: ['REF-SCOPED@1', 'SIM-FORM-II@1'],
    });
    expect(pinned.statusCode).toBe(400);
  });
});

describe('evidence', () => {
  it('keeps reference versions and identifications append-only in the database itself', async () => {
    expect(await count('polymorph_reference_versions')).toBeGreaterThan(0);
    expect(await count('polymorph_identifications')).toBeGreaterThan(0);
    await expect(
      lab.database.db.execute(sql`UPDATE polymorph_reference_versions SET sha256 = 'x'`),
    ).rejects.toThrow();
    await expect(lab.database.db.execute(sql`DELETE FROM polymorph_reference_versions`)).rejects.toThrow();
    await expect(
      lab.database.db.execute(sql`UPDATE polymorph_identifications SET form = 'x'`),
    ).rejects.toThrow();
    await expect(lab.database.db.execute(sql`DELETE FROM polymorph_identifications`)).rejects.toThrow();
  });
});
