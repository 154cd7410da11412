import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@polymorph/random/rng';
import {
  DEFAULT_DETECTOR,
  expectedRate,
  exposeFrame,
  shiftAxis,
} from '@polymorph/run-engine/simulators/raman';
import { describe, expect, it } from 'vitest';
import { runLabCli } from '../../../testing/lab-process.ts';
import { builtInReferences } from './built-in-references.ts';
import { COMPOSITIONS, type EvaluationReport, integrationForSnr, snrAt, trueLabel } from './evaluate.ts';

describe('npm run lab -- polymorph evaluate', () => {
  it('writes the report (accuracy by SNR, fraction MAE, 95% threshold) and reaches 98% at default noise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polymorph-evaluate-'));
    try {
      const out = join(dir, 'evaluation.json');
      const r = await runLabCli(['polymorph', 'evaluate', '--seed', '5', '--repeats', '1', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const report: EvaluationReport = JSON.parse(await readFile(out, 'utf8'));
      expect(JSON.parse(r.stdout)).toEqual(report);
      expect(await readdir(dir)).toEqual(['evaluation.json']); // the temporary file was renamed
      expect(report.seed).toBe(5);
      expect(report.default_noise.spectra).toBe(COMPOSITIONS.length);
      expect(report.default_noise.accuracy).toBeGreaterThanOrEqual(0.98);
      expect(report.default_noise.fraction_mae).toBeLessThan(0.02);
      expect(report.by_snr.length).toBeGreaterThan(5);
      for (const level of report.by_snr) {
        expect(level.accuracy).toBeGreaterThanOrEqual(0);
        expect(level.accuracy).toBeLessThanOrEqual(1);
        expect(level.fraction_mae).toBeGreaterThanOrEqual(0);
      }
      expect(report.by_snr.map((l) => l.snr)).toEqual(
        [...report.by_snr.map((l) => l.snr)].sort((a, b) => b - a),
      );
      const highest = report.by_snr[0]!;
      const lowest = report.by_snr.at(-1)!;
      expect(highest.fraction_mae).toBeLessThan(lowest.fraction_mae);
      expect(report).toHaveProperty('snr_accuracy_below_95');
      expect(report.spectra).toBe(COMPOSITIONS.length * (1 + report.by_snr.length));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad arguments: a message on stderr and exit code 2', async () => {
    const bad = await runLabCli(['polymorph', 'evaluate', '--repeats', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--repeats must be a whole number of at least 1 \(got "0"\)/);
    const unknown = await runLabCli(['polymorph', 'assess']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/expected "evaluate"/);
  });
});

describe('the evaluation generator', () => {
  it('reaches the SNR it solves for: the measured SNR of simulated frames matches the target', () => {
    const axis = shiftAxis();
    const c = COMPOSITIONS[1]!;
    const rate = expectedRate(DEFAULT_DETECTOR, axis, c);
    const compound = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 0, formI: 0, formII: 0 });
    const signal = rate.map((v, i) => v - compound[i]!);
    const at = signal.indexOf(Math.max(...signal));
    const s = { compoundRate: signal[at]!, totalRate: rate[at]! };
    const ms = integrationForSnr(s, DEFAULT_DETECTOR, 10);
    expect(snrAt(s, DEFAULT_DETECTOR, ms)).toBeCloseTo(10, 9);
    // empirical: the pixel's mean excess over a compound-free frame, over its SD across frames
    const noCosmics = { ...DEFAULT_DETECTOR, cosmicRatePerS: 0 };
    const values = Array.from(
      { length: 400 },
      (_, k) => exposeFrame(noCosmics, rate, ms, new Rng(99, k)).counts[at]!,
    );
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const background = DEFAULT_DETECTOR.darkOffset + compound[at]! * ms;
    expect((mean - background) / sd).toBeGreaterThan(8.5);
    expect((mean - background) / sd).toBeLessThan(11.5);
  });

  it('labels compositions by the dominant crystalline form, none without crystals', () => {
    expect(trueLabel({ dissolved: 1, formI: 0, formII: 0 })).toBe('none');
    expect(trueLabel({ dissolved: 0.3, formI: 0.2, formII: 0.5 })).toBe('form_ii');
    expect(trueLabel({ dissolved: 0.85, formI: 0.15, formII: 0 })).toBe('form_i');
  });

  it('ships the built-in references under the run classifier labels, plus the solvent', () => {
    const refs = builtInReferences();
    expect(refs.map((r) => r.form)).toEqual(['solvent', 'dissolved', 'form_i', 'form_ii']);
    for (const r of refs) expect(r.x).toHaveLength(r.y.length);
  });
});
