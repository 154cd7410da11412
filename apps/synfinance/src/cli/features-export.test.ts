// `synfinance features` writes exactly what the model's feature pipeline computes: read the exported
// file back (an independent reader path: hyparquet / the CSV reader) and compare value by value.
import fs from 'node:fs';
import path from 'node:path';
import { columnMajor } from '@polymorph/gbdt/matrix';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../fraud/features/dataset.ts';
import { evaluateFile, modelFileText, trainFromFile } from '../fraud/training/train.ts';
import { CLI, generate, readAll, runCli, tmpDir } from '../generator/test-helpers.ts';
import { runFeatures } from './features.ts';
import { foreignRows, writeForeignCsv } from './foreign-table.test-helper.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const num = (v: unknown) => (v === null || v === '' || v === undefined ? Number.NaN : Number(v));

describe('synfinance features', () => {
  it('SynFinance table: Parquet and CSV hold the history features the model sees, with id, time, entity and label', async () => {
    const g = await generate(3000, 'csv', { seed: 5, days: 20, fraudRate: 0.05 });
    dirs.push(g.dir);
    const pq = path.join(g.dir, 'out', 'features.parquet');
    const r = runCli(['features', '--data', g.file, '--out', pq]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote 3000 rows × 56 columns \(52 features\)/);
    const csv = path.join(g.dir, 'features.csv');
    expect(await runFeatures(['--data', g.file, '--out', csv, '--quiet'])).toBe(0);

    const ds = await loadDataset(g.file);
    const src = await readAll(g.file);
    for (const file of [pq, csv]) {
      const rows = await readAll(file);
      expect(Object.keys(rows[0]!)).toEqual([
        'transaction_id',
        'timestamp',
        'customer_id',
        'is_fraud',
        ...ds.featureNames,
      ]);
      expect(rows.length).toBe(ds.nRows);
      let nan = 0;
      for (let i = 0; i < ds.nRows; i++) {
        const row = rows[i]!;
        expect(row.transaction_id).toBe(src[i]!.transaction_id);
        expect(row.timestamp).toBe(src[i]!.timestamp);
        expect(row.customer_id).toBe(src[i]!.customer_id);
        expect(Number(row.is_fraud)).toBe(Number(src[i]!.is_fraud));
        for (let j = 0; j < ds.nCols; j++) {
          const want = ds.X[i * ds.nCols + j]!;
          const got = num(row[ds.featureNames[j]!]);
          if (Number.isNaN(want)) nan++;
          // Object.is: NaN equals NaN, and every number must round-trip exactly
          if (!Object.is(got, want)) expect.fail(`${file} row ${i} ${ds.featureNames[j]}: ${got} != ${want}`);
        }
      }
      expect(nan).toBeGreaterThan(0); // missing values were exercised
    }
  });

  it("foreign table with --model: the model's columns and category codes; its predictions on the export equal evaluate's", async () => {
    const dir = tmpDir('sf-features-');
    dirs.push(dir);
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    writeForeignCsv(a, foreignRows({ seed: 1, firstDay: 0, days: 20 }));
    writeForeignCsv(b, foreignRows({ seed: 2, firstDay: 20, days: 10 }));
    const t = await trainFromFile({
      data: a,
      label: 'TX_FRAUD',
      features: ['TX_AMOUNT', 'TERMINAL_ID'],
      entityColumn: 'CUSTOMER_ID',
      testDays: 0,
      gbdt: { nTrees: 10, maxDepth: 3 },
    });
    const model = path.join(dir, 'm.json');
    fs.writeFileSync(model, modelFileText(t.file));
    const out = path.join(dir, 'f.csv');
    expect(await runFeatures(['--data', b, '--model', model, '--out', out, '--quiet'])).toBe(0);
    const rows = await readAll(out);
    expect(Object.keys(rows[0]!)).toEqual([
      'TX_DATETIME',
      'CUSTOMER_ID',
      'TX_FRAUD',
      'TX_AMOUNT',
      'TERMINAL_ID',
    ]);
    // TERMINAL_ID is exported as the model's codes: unseen terminals are missing
    const vocab =
      t.file.fraud.feature_spec.kind === 'columns' ? t.file.fraud.feature_spec.categorical.TERMINAL_ID! : [];
    const src = await readAll(b);
    rows.forEach((r, i) => {
      const code = vocab.indexOf(String(src[i]!.TERMINAL_ID));
      expect(num(r.TERMINAL_ID)).toEqual(code >= 0 ? code : Number.NaN);
    });
    const X = Float64Array.from(rows.flatMap((r) => [num(r.TX_AMOUNT), num(r.TERMINAL_ID)]));
    const ev = await evaluateFile({ model, data: b });
    const lm = ev.loaded;
    const cm = new Float64Array(X.length);
    for (let i = 0; i < rows.length; i++) for (let j = 0; j < 2; j++) cm[j * rows.length + i] = X[i * 2 + j]!;
    expect(Array.from(lm.model.predictProba(columnMajor(cm, rows.length, 2)))).toEqual(Array.from(ev.probs));
  });

  it('refuses what it cannot write, with exit code 2', () => {
    const r = runCli(['features', '--data', CLI, '--out', 'x.jsonl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out must end in \.parquet or \.csv/);
  });
});
