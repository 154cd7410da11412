// `synfinance profile FILE`: summary figures of a generated dataset compared with the configured
// targets as an NRMSE per figure (in the manner of PaySim's SummaryBuilder). Exit 1 when any
// figure is off target beyond the tolerance.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Rng } from '@polymorph/random/rng';
import type { Env } from '../config.ts';
import { FRAUD_TYPES } from '../generator/types.ts';
import { CATEGORIES } from '../generator/world/merchants.ts';
import { readRows } from '../transactions/read.ts';
import { PAYMENT_MODES } from '../transactions/vocabulary.ts';
import { type ConfigTree, loadConfig, section, UsageError } from './config.ts';

export const PROFILE_USAGE =
  'usage: synfinance profile FILE [--config FILE.yaml | --profile NAME] [--tolerance X] [--json]';

export interface Figure {
  name: string;
  labels: string[];
  observed: number[];
  target: number[];
  nrmse: number;
  pass: boolean;
}

export interface DatasetProfile {
  rows: number;
  paymentModeShare: Record<string, number>;
  amountQuantiles: Record<string, { p25: number; p50: number; p75: number; p95: number }>;
  hourly: number[];
  fraudRate: number;
  fraudRateByType: Record<string, number>;
  anomalyByType: Record<string, number>;
}

const RESERVOIR = 50_000;

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export async function profileFile(file: string): Promise<DatasetProfile> {
  const rng = new Rng(1234);
  let rows = 0;
  const modes = new Map<string, number>();
  const hourly = new Array(24).fill(0);
  const fraudBy = new Map<string, number>();
  const anomalyBy = new Map<string, number>();
  let fraud = 0;
  const samples = new Map<string, { seen: number; xs: number[] }>();
  const cols = [
    'payment_mode',
    'amount',
    'category',
    'hour',
    'is_fraud',
    'fraud_type',
    'anomaly_type',
    'transaction_type',
  ];
  for await (const r of readRows(file, cols)) {
    rows++;
    const mode = String(r.payment_mode);
    modes.set(mode, (modes.get(mode) ?? 0) + 1);
    hourly[Number(r.hour)]++;
    if (Number(r.is_fraud) === 1) {
      fraud++;
      const t = String(r.fraud_type);
      fraudBy.set(t, (fraudBy.get(t) ?? 0) + 1);
    }
    if (r.anomaly_type)
      anomalyBy.set(String(r.anomaly_type), (anomalyBy.get(String(r.anomaly_type)) ?? 0) + 1);
    if (r.transaction_type !== 'purchase') continue;
    const cat = String(r.category);
    let s = samples.get(cat);
    if (!s) {
      s = { seen: 0, xs: [] };
      samples.set(cat, s);
    }
    s.seen++;
    const amt = Number(r.amount);
    if (s.xs.length < RESERVOIR) s.xs.push(amt);
    else {
      const j = rng.int(s.seen);
      if (j < RESERVOIR) s.xs[j] = amt;
    }
  }
  const amountQuantiles: DatasetProfile['amountQuantiles'] = {};
  for (const [cat, s] of [...samples.entries()].sort()) {
    const xs = s.xs.sort((a, b) => a - b);
    amountQuantiles[cat] = {
      p25: quantile(xs, 0.25),
      p50: quantile(xs, 0.5),
      p75: quantile(xs, 0.75),
      p95: quantile(xs, 0.95),
    };
  }
  const share = (m: Map<string, number>) =>
    Object.fromEntries([...m.entries()].sort().map(([k, v]) => [k, v / Math.max(1, rows)]));
  return {
    rows,
    paymentModeShare: share(modes),
    amountQuantiles,
    hourly: hourly.map((h) => h / Math.max(1, rows)),
    fraudRate: fraud / Math.max(1, rows),
    fraudRateByType: share(fraudBy),
    anomalyByType: Object.fromEntries(anomalyBy),
  };
}

/** RMSE normalised by the mean target (shares), or by each target (amounts: scale differs by category). */
export function nrmse(obs: number[], tgt: number[], perElement = false): number {
  if (!tgt.length) return 0;
  let se = 0;
  for (let i = 0; i < tgt.length; i++) {
    const d = (obs[i] ?? 0) - tgt[i]!;
    se += perElement ? (d / (tgt[i]! || 1)) ** 2 : d * d;
  }
  const rmse = Math.sqrt(se / tgt.length);
  if (perElement) return rmse;
  const mean = tgt.reduce((a, b) => a + Math.abs(b), 0) / tgt.length;
  return mean > 0 ? rmse / mean : rmse;
}

function numMap(x: unknown): Record<string, number> {
  if (typeof x !== 'object' || x === null) return {};
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Number(v)]));
}

export function compareWithTargets(p: DatasetProfile, cfg: ConfigTree, toleranceOverride?: number): Figure[] {
  const prof = section(cfg, 'profile');
  const targets = section(prof, 'targets');
  const tol = toleranceOverride ?? Number(prof.tolerance ?? 0.2);
  const figures: Figure[] = [];
  const perFigure = numMap(prof.tolerance_by_figure);
  const add = (name: string, labels: string[], observed: number[], target: number[], perElement = false) => {
    const e = nrmse(observed, target, perElement);
    const t = toleranceOverride ?? perFigure[name] ?? tol;
    figures.push({ name, labels, observed, target, nrmse: e, pass: e <= t });
  };
  const pm = numMap(targets.payment_mode);
  const pmLabels = PAYMENT_MODES.filter((m) => m in pm);
  add(
    'payment_mode_share',
    pmLabels,
    pmLabels.map((m) => p.paymentModeShare[m] ?? 0),
    pmLabels.map((m) => pm[m]!),
  );

  const hourlyT = Array.isArray(targets.hourly) ? (targets.hourly as unknown[]).map(Number) : null;
  if (hourlyT && hourlyT.length === 24) {
    add(
      'hourly_share',
      hourlyT.map((_, h) => String(h)),
      p.hourly,
      hourlyT,
    );
  }
  const amt = section(targets, 'amount_median');
  const cats = CATEGORIES.map((c) => c.name).filter((c) => c in amt && p.amountQuantiles[c]);
  if (cats.length) {
    add(
      'amount_median_by_category',
      cats,
      cats.map((c) => p.amountQuantiles[c]!.p50),
      cats.map((c) => Number(amt[c])),
      true,
    );
  }
  const fr = section(cfg, 'fraud');
  const rate = Number(fr.rate ?? 0);
  const mix = numMap(fr.mix);
  const mixSum = FRAUD_TYPES.reduce((s, t) => s + (mix[t] ?? 1), 0);
  if (rate > 0) {
    const labels = [...FRAUD_TYPES];
    add(
      'fraud_rate_by_type',
      labels,
      labels.map((t) => p.fraudRateByType[t] ?? 0),
      labels.map((t) => (rate * (mix[t] ?? 1)) / mixSum),
    );
    add('fraud_rate', ['all'], [p.fraudRate], [rate]);
  }
  return figures;
}

export async function runProfile(argv: string[], env: Env): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        profile: { type: 'string' },
        tolerance: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) throw new UsageError(PROFILE_USAGE);
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const tol = v.tolerance !== undefined ? Number(v.tolerance) : undefined;
  if (tol !== undefined && !(tol >= 0))
    throw new UsageError(`--tolerance must be a number >= 0, got "${v.tolerance}"`);
  const cfg = loadConfig(
    { profile: v.profile as string | undefined, file: v.config as string | undefined },
    env,
  );
  const p = await profileFile(file);
  const figures = compareWithTargets(p, cfg, tol);
  if (v.json) {
    process.stdout.write(`${JSON.stringify({ profile: p, figures }, null, 2)}\n`);
  } else {
    const out: string[] = [`rows: ${p.rows}`, '', 'payment mode share:'];
    for (const [k, s] of Object.entries(p.paymentModeShare).sort((a, b) => b[1] - a[1]))
      out.push(`  ${k.padEnd(12)} ${(s * 100).toFixed(2)}%`);
    out.push('', 'amount quantiles by category (INR, purchases): p25 / p50 / p75 / p95');
    for (const [c, q] of Object.entries(p.amountQuantiles)) {
      out.push(
        `  ${c.padEnd(18)} ${[q.p25, q.p50, q.p75, q.p95].map((x) => x.toFixed(0).padStart(7)).join(' ')}`,
      );
    }
    out.push('', 'hourly histogram:');
    const max = Math.max(...p.hourly);
    for (const [i, h] of p.hourly.entries()) {
      out.push(
        `  ${String(i).padStart(2)} ${'#'.repeat(Math.round((h / (max || 1)) * 40)).padEnd(40)} ${(h * 100).toFixed(2)}%`,
      );
    }

    out.push('', `fraud rate: ${(p.fraudRate * 100).toFixed(3)}%`);
    for (const [k, s] of Object.entries(p.fraudRateByType).sort((a, b) => b[1] - a[1]))
      out.push(`  ${k.padEnd(22)} ${(s * 100).toFixed(3)}%`);
    out.push('', 'anomalies:', ...Object.entries(p.anomalyByType).map(([k, n]) => `  ${k.padEnd(22)} ${n}`));
    out.push('', 'NRMSE against targets:');
    for (const f of figures)
      out.push(`  ${f.pass ? 'ok  ' : 'FAIL'} ${f.name.padEnd(28)} ${f.nrmse.toFixed(4)}`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return figures.every((f) => f.pass) ? 0 : 1;
}
