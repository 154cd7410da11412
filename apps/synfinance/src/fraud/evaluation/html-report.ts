// The evaluation report as one self-contained HTML page: charts drawn by vega and rendered to inline
// SVG when the page is written, so the page has no script, no external file and no network use.
import type { ReferenceProfile } from '@polymorph/observability/quality/profile';
import { qualityReport } from '@polymorph/observability/quality/report';
import * as vega from 'vega';
import { thresholdCurve } from './metrics.ts';
import type { EvaluationReport } from './report.ts';

export interface HtmlReportInput {
  title: string;
  /** Lines of context under the title (model, data, period). */
  context: string[];
  report: EvaluationReport;
  labels: ArrayLike<number>;
  probs: ArrayLike<number>;
  /** Cost of a missed fraud per row (or constant) and of a false alert, as the report used. */
  costFn: number | ArrayLike<number>;
  costFp: number;
  /** Drift: the training profile saved with the model and the evaluated rows' features. */
  drift?: { profile: ReferenceProfile; featureNames: string[]; rows: Record<string, number | null>[] };
}

type Point = Record<string, number | string>;
const W = 360;
const H = 240;

/** At most `max` points, evenly spaced, always keeping the first and the last. */
function thin<T>(xs: T[], max = 400): T[] {
  if (xs.length <= max) return xs;
  const step = (xs.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => xs[Math.round(i * step)]!);
}

function lineSpec(o: {
  values: Point[];
  x: string;
  y: string;
  xTitle: string;
  yTitle: string;
  series?: boolean;
  xDomain?: [number, number];
  yDomain?: [number, number];
  marks?: vega.Mark[];
}): vega.Spec {
  return {
    width: W,
    height: H,
    padding: 5,
    background: 'white',
    data: [{ name: 'points', values: o.values }],
    scales: [
      {
        name: 'x',
        type: 'linear',
        domain: o.xDomain ?? { data: 'points', field: o.x },
        range: 'width',
        nice: true,
      },
      {
        name: 'y',
        type: 'linear',
        domain: o.yDomain ?? { data: 'points', field: o.y },
        range: 'height',
        nice: true,
      },
      { name: 'colour', type: 'ordinal', domain: { data: 'points', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: o.xTitle, grid: true },
      { orient: 'left', scale: 'y', title: o.yTitle, grid: true },
    ],
    legends: o.series ? [{ stroke: 'colour', orient: 'bottom', direction: 'horizontal' }] : [],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'one', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'one' },
            encode: {
              enter: {
                x: { scale: 'x', field: o.x },
                y: { scale: 'y', field: o.y },
                stroke: { scale: 'colour', field: 'series' },
                strokeWidth: { value: 1.6 },
              },
            },
          },
        ],
      },
      ...(o.marks ?? []),
    ],
  };
}

function barSpec(o: {
  values: Point[];
  label: string;
  value: string;
  title: string;
  colour?: string;
  max?: number;
}): vega.Spec {
  return {
    width: W,
    height: Math.max(60, 18 * o.values.length),
    padding: 5,
    background: 'white',
    data: [{ name: 'bars', values: o.values }],
    scales: [
      { name: 'y', type: 'band', domain: { data: 'bars', field: o.label }, range: 'height', padding: 0.15 },
      {
        name: 'x',
        type: 'linear',
        domain: o.max ? [0, o.max] : { data: 'bars', field: o.value },
        range: 'width',
        nice: true,
        zero: true,
      },
      {
        name: 'colour',
        type: 'ordinal',
        domain: { data: 'bars', field: o.colour ?? o.label },
        range: 'category',
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: o.title, grid: true },
      { orient: 'left', scale: 'y', labelLimit: 200 },
    ],
    legends: o.colour ? [{ fill: 'colour', orient: 'bottom', direction: 'horizontal' }] : [],
    marks: [
      {
        type: 'rect',
        from: { data: 'bars' },
        encode: {
          enter: {
            y: { scale: 'y', field: o.label },
            height: { scale: 'y', band: 1 },
            x: { scale: 'x', value: 0 },
            x2: { scale: 'x', field: o.value },
            fill: o.colour ? { scale: 'colour', field: o.colour } : { value: '#4c78a8' },
          },
        },
      },
    ],
  };
}

function confusionSpec(r: EvaluationReport): vega.Spec {
  const t = r.at_threshold;
  const values = [
    { actual: 'fraud', flagged: 'flagged', n: t.tp, what: 'true positive' },
    { actual: 'fraud', flagged: 'not flagged', n: t.fn, what: 'missed fraud' },
    { actual: 'legitimate', flagged: 'flagged', n: t.fp, what: 'false alert' },
    { actual: 'legitimate', flagged: 'not flagged', n: t.tn, what: 'true negative' },
  ];
  return {
    width: 260,
    height: 160,
    padding: 5,
    background: 'white',
    data: [{ name: 'cells', values }],
    scales: [
      { name: 'x', type: 'band', domain: ['flagged', 'not flagged'], range: 'width' },
      { name: 'y', type: 'band', domain: ['fraud', 'legitimate'], range: 'height' },
      { name: 'c', type: 'sqrt', domain: { data: 'cells', field: 'n' }, range: ['#f7fbff', '#6baed6'] },
    ],
    axes: [
      { orient: 'top', scale: 'x', title: `score >= ${t.threshold}` },
      { orient: 'left', scale: 'y', title: 'actual' },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'flagged' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'actual' },
            height: { scale: 'y', band: 1 },
            fill: { scale: 'c', field: 'n' },
            stroke: { value: '#888' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'flagged', band: 0.5 },
            y: { scale: 'y', field: 'actual', band: 0.5 },
            align: { value: 'center' },
            baseline: { value: 'middle' },
            text: { signal: "datum.n + ' ' + datum.what" },
            fill: { value: 'black' },
          },
        },
      },
    ],
  };
}

/** Total cost per threshold (flag score >= t), as the cost-based threshold computes it. */
function costCurve(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  costFn: number | ArrayLike<number>,
  costFp: number,
): Point[] {
  const fn = (i: number) => (typeof costFn === 'number' ? costFn : costFn[i]!);
  const idx = Array.from({ length: probs.length }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
  let missed = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) missed += fn(i);
  let fp = 0;
  const pts: Point[] = [{ threshold: 1, cost: missed, series: 'cost' }];
  for (let k = 0; k < idx.length; ) {
    const s = probs[idx[k]!]!;
    while (k < idx.length && probs[idx[k]!] === s) {
      const r = idx[k]!;
      if (labels[r] === 1) missed -= fn(r);
      else fp++;
      k++;
    }
    pts.push({ threshold: s, cost: missed + fp * costFp, series: 'cost' });
  }
  return thin(pts);
}

function driftValues(d: NonNullable<HtmlReportInput['drift']>): Point[] {
  const q = qualityReport(d.profile, d.rows, {
    fields: d.featureNames.map((name) => ({ name, type: 'number' as const, nullable: true })),
  });
  return q.fields.flatMap((f) => {
    const psi = f.drift.find((x) => x.method === 'psi');
    return psi ? [{ feature: f.name, psi: Math.min(psi.value, 2), verdict: f.driftVerdict }] : [];
  });
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f4 = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);

async function svg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function figure(id: string, title: string, spec: vega.Spec, caption: string): Promise<string> {
  return `<figure id="${id}" class="chart"><h2>${esc(title)}</h2>${await svg(spec)}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** The charts of the page: ROC, PR, calibration, confusion matrix, cost, recall per type, drift. */
async function charts(o: HtmlReportInput): Promise<string[]> {
  const r = o.report;
  const c = thresholdCurve(o.labels, o.probs);
  const P = r.frauds;
  const N = r.rows - r.frauds;
  const roc = thin([
    { fpr: 0, tpr: 0 },
    ...c.tp.map((tp, i) => ({ fpr: N ? c.fp[i]! / N : 0, tpr: P ? tp / P : 0 })),
  ]).map((p) => ({ ...p, series: 'model' }));
  const pr = thin(c.tp.map((tp, i) => ({ recall: P ? tp / P : 0, precision: tp / (tp + c.fp[i]!) }))).map(
    (p) => ({
      ...p,
      series: 'model',
    }),
  );
  const calib = r.calibration.bins
    .filter((b) => b.count > 0)
    .map((b) => ({ predicted: b.meanPredicted!, observed: b.observedRate!, series: 'model' }));
  const diagonal = [0, 1].map((v) => ({ predicted: v, observed: v, series: 'perfect calibration' }));
  const out = [
    await figure(
      'roc',
      'ROC curve',
      lineSpec({
        values: roc,
        x: 'fpr',
        y: 'tpr',
        xTitle: 'false positive rate',
        yTitle: 'true positive rate',
        xDomain: [0, 1],
        yDomain: [0, 1],
      }),
      `ROC AUC ${f4(r.roc_auc)}`,
    ),
    await figure(
      'pr',
      'Precision-recall curve',
      lineSpec({
        values: pr,
        x: 'recall',
        y: 'precision',
        xTitle: 'recall',
        yTitle: 'precision',
        xDomain: [0, 1],
        yDomain: [0, 1],
      }),
      `average precision ${f4(r.average_precision)}; fraud rate ${f4(r.fraud_rate)}`,
    ),
    await figure(
      'calibration',
      'Calibration',
      lineSpec({
        values: [...calib, ...diagonal],
        x: 'predicted',
        y: 'observed',
        xTitle: 'mean predicted probability',
        yTitle: 'observed fraud rate',
        series: true,
        xDomain: [0, 1],
        yDomain: [0, 1],
      }),
      `${r.calibration.strategy} bins, expected calibration error ${f4(r.calibration.ece)}`,
    ),
    await figure(
      'confusion',
      'Confusion matrix',
      confusionSpec(r),
      `at threshold ${r.at_threshold.threshold}: precision ${f4(r.at_threshold.precision)}, recall ${f4(r.at_threshold.recall)}`,
    ),
  ];
  if (r.cost_threshold) {
    const ct = r.cost_threshold;
    out.push(
      await figure(
        'cost',
        'Cost by threshold',
        lineSpec({
          values: costCurve(o.labels, o.probs, o.costFn, o.costFp),
          x: 'threshold',
          y: 'cost',
          xTitle: 'threshold (flag score >= t)',
          yTitle: 'cost (INR)',
          xDomain: [0, 1],
        }),
        `cost of a missed fraud ${ct.cost_fn === 'per-row' ? 'its amount' : ct.cost_fn}, of a false alert ${ct.cost_fp}; lowest cost ${ct.cost.toFixed(0)} at ${Number.isFinite(ct.threshold) ? f4(ct.threshold) : 'flag nothing'}`,
      ),
    );
  }
  if (r.recall_by_fraud_type?.length) {
    const values = r.recall_by_fraud_type.map((x) => ({
      type: `${x.fraudType} (${x.frauds})`,
      recall: x.recall ?? 0,
    }));
    out.push(
      await figure(
        'recall-by-type',
        'Recall per fraud type',
        barSpec({
          values,
          label: 'type',
          value: 'recall',
          title: `recall at threshold ${r.at_threshold.threshold}`,
          max: 1,
        }),
        'frauds of each type flagged at the threshold (count in brackets)',
      ),
    );
  }
  if (o.drift) {
    const values = driftValues(o.drift);
    if (values.length)
      out.push(
        await figure(
          'drift',
          'Drift against the training profile',
          barSpec({ values, label: 'feature', value: 'psi', title: 'PSI (capped at 2)', colour: 'verdict' }),
          'population stability index of each feature of the evaluated rows against the profile saved with the model at training',
        ),
      );
  }
  return out;
}

/** The whole page. */
export async function htmlReport(o: HtmlReportInput): Promise<string> {
  const r = o.report;
  const cp = r.card_precision_at_k;
  const rows: [string, string][] = [
    ['rows', String(r.rows)],
    ['frauds', `${r.frauds} (${(100 * r.fraud_rate).toFixed(3)}%)`],
    ['ROC AUC', f4(r.roc_auc)],
    ['average precision', f4(r.average_precision)],
    [`card precision@${cp?.k ?? 100}`, cp ? f4(cp.mean) : 'n/a (no entity column)'],
  ];
  const body = (await charts(o)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
main{display:flex;flex-wrap:wrap;gap:1.5rem}
figure.chart{margin:0;padding:.5rem 1rem;border:1px solid #ddd;border-radius:6px}
figure h2{font-size:1.05rem;margin:.3rem 0}
figcaption{font-size:.85rem;color:#555;max-width:380px}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #eee}
</style></head>
<body><h1>${esc(o.title)}</h1>
${o.context.map((l) => `<p>${esc(l)}</p>`).join('\n')}
<table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
<main>
${body}
</main></body></html>
`;
}
