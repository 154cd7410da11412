// A run in its record report: the run's values and what a reviewer needs beside them — the workflow
// version and its approval, parameters, devices and their calibration, the steps, spectra, the
// temperature trace and the identification results. Reads only.
import { sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { day, iso } from '../../db/sql-values.ts';
import { type Caller, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { ReportSection, ReportSource } from '../reports/port.ts';
import type { SignedRecordReader } from '../signatures/port.ts';
import { type RunRow, runRow, runView, type Tx } from './run-records.ts';

/** How many spectra the report overlays (first, middle, last) and the most points of the temperature trace. */
const SPECTRA_PLOTTED = 3;
const TRACE_POINTS = 600;

/** The fields of run.created's `after` that never change after the start. */
const FIXED_AT_START = [
  'run_id',
  'workflow',
  'definition_hash',
  'config_hash',
  'parameters',
  'devices',
  'operator',
  'samples',
  'seed',
  'lab_id',
];

/** The run source; the workflow version's approval signatures come from the signature service. */
export function runReportSource(signatures: SignedRecordReader): ReportSource {
  return async (tx, runId, scope) => {
    const row = await runRowOrNull(tx, scope, runId);
    if (!row) return null;
    const approval = await signatures.signedRecordInTransaction(
      tx,
      'workflow_version',
      row.version_id,
      scope,
    );
    const sections: ReportSection[] = [
      workflowSection(row, approval?.signatures ?? []),
      parametersSection(row),
      await devicesSection(tx, row, scope),
      await stepsSection(tx, row.id),
      ...(await spectraSections(tx, row.id)),
      await temperatureSection(tx, row.id),
      await identificationSection(tx, row.id),
    ];
    return {
      values: runView(row),
      auditEntities: [
        { entityType: 'run', entityId: row.run_id },
        { entityType: 'workflow_execution', entityId: row.run_id },
      ],
      auditedState: { actions: ['run.created'], fields: FIXED_AT_START },
      sections,
    };
  };
}

/** The run as `scope` may see it; null for an unknown run and for one of another lab alike. */
async function runRowOrNull(tx: Tx, scope: Caller, runId: string): Promise<RunRow | null> {
  try {
    return await runRow(tx, scope, runId);
  } catch (error) {
    if (error instanceof HttpProblem && error.status === 404) return null;
    throw error;
  }
}

type Manifestations = NonNullable<
  Awaited<ReturnType<SignedRecordReader['signedRecordInTransaction']>>
>['signatures'];

function workflowSection(row: RunRow, approvals: Manifestations): ReportSection {
  return {
    kind: 'table',
    title: `Workflow ${row.workflow_name} version ${row.version}`,
    note: `Version id ${row.version_id}. Definition hash (SHA-256) the run executed: ${row.definition_hash}`,
    columns: [
      { key: 'manifestation', label: 'Approval signature' },
      { key: 'current', label: 'Matches the version now' },
    ],
    rows: approvals.map((s) => ({ manifestation: s.manifestation, current: s.current ? 'yes' : 'no' })),
  };
}

function parametersSection(row: RunRow): ReportSection {
  return {
    kind: 'table',
    title: 'Parameters',
    columns: [
      { key: 'name', label: 'Parameter' },
      { key: 'value', label: 'Value' },
    ],
    rows: Object.entries(row.parameters ?? {}).map(([name, value]) => ({ name, value })),
  };
}

async function devicesSection(tx: Tx, row: RunRow, scope: Caller): Promise<ReportSection> {
  const devices = Object.entries(row.devices ?? {});
  const rows = [];
  for (const [kind, deviceId] of devices) {
    const [d] = await queryRows<{
      status: string | null;
      last_cal: unknown;
      next_due: unknown;
      start_cal: unknown;
      start_due: unknown;
      start_result: string | null;
    }>(
      tx,
      sql`SELECT ds.status, ds.last_calibration_date AS last_cal, ds.next_calibration_due AS next_due,
                 c.calibration_date AS start_cal, c.next_due_date AS start_due, c.result AS start_result
            FROM devices d LEFT JOIN device_status ds ON ds.device_id = d.id
            LEFT JOIN LATERAL (
              SELECT calibration_date, next_due_date, result FROM calibration_entries ce
               WHERE ce.device_id = d.id AND ce.created_at <= ${iso(row.started_at) ?? iso(row.created_at)}::timestamptz
               ORDER BY ce.calibration_date DESC, ce.created_at DESC LIMIT 1) c ON TRUE
           WHERE d.device_id = ${deviceId} AND ${visibleTo(scope, sql`d.lab_id`)}`,
    );
    rows.push({
      kind,
      device: deviceId,
      at_start: d ? calibrationText(d.start_result, day(d.start_cal), day(d.start_due)) : 'not visible',
      now: d ? `${d.status ?? 'unknown'}; ${calibrationText('valid', day(d.last_cal), day(d.next_due))}` : '',
    });
  }
  return {
    kind: 'table',
    title: 'Devices and calibration',
    note: 'At start: the latest calibration entry recorded before the run started (the start refuses a device that is not calibrated). Now: the device status as it is today.',
    columns: [
      { key: 'kind', label: 'Kind' },
      { key: 'device', label: 'Device' },
      { key: 'at_start', label: 'Calibration at start' },
      { key: 'now', label: 'Now' },
    ],
    rows,
  };
}

function calibrationText(result: string | null, calibrated: string | null, due: string | null): string {
  if (!calibrated) return 'never calibrated';
  return `${result ?? 'calibrated'} ${calibrated}, due ${due ?? 'not set'}`;
}

async function stepsSection(tx: Tx, executionId: string): Promise<ReportSection> {
  const steps = await queryRows<{
    pc: number;
    step_id: string;
    op: string;
    iteration: number | null;
    started_at: unknown;
    ended_at: unknown;
    outcome: string | null;
  }>(
    tx,
    sql`SELECT pc, step_id, op, iteration, started_at, ended_at, outcome FROM run_steps
         WHERE execution_id = ${executionId} ORDER BY started_at, pc`,
  );
  return {
    kind: 'table',
    title: 'Steps',
    columns: [
      { key: 'pc', label: 'pc' },
      { key: 'step', label: 'Step' },
      { key: 'op', label: 'Operation' },
      { key: 'iteration', label: 'Pass' },
      { key: 'started', label: 'Started (UTC)' },
      { key: 'ended', label: 'Ended (UTC)' },
      { key: 'outcome', label: 'Outcome' },
    ],
    rows: steps.map((s) => ({
      pc: s.pc,
      step: s.step_id,
      op: s.op,
      iteration: s.iteration,
      started: utc(s.started_at),
      ended: utc(s.ended_at),
      outcome: s.outcome ?? 'running',
    })),
  };
}

/** ISO time as the report prints it: `YYYY-MM-DD HH:MM:SS UTC`. */
export function utc(value: unknown): string | null {
  const text = iso(value);
  return text === null ? null : `${text.slice(0, 10)} ${text.slice(11, 19)} UTC`;
}

/** The first, middle and last spectra, as the run events carry them (decimated from the stored ones). */
async function spectraSections(tx: Tx, executionId: string): Promise<ReportSection[]> {
  const spectra = await queryRows<{ seq: number | string; step_id: string | null; payload: SpectrumPayload }>(
    tx,
    sql`SELECT seq, step_id, payload FROM run_events WHERE execution_id = ${executionId} AND type = 'spectrum' ORDER BY seq`,
  );
  if (spectra.length === 0) return [];
  const picked = [...new Set([0, Math.floor((spectra.length - 1) / 2), spectra.length - 1])]
    .slice(0, SPECTRA_PLOTTED)
    .map((i) => spectra[i]!);
  const series = picked.map((s) => ({
    name: `event ${Number(s.seq)} (${s.step_id ?? ''})`,
    points: zip(s.payload.decimated?.shift_cm1 ?? [], s.payload.decimated?.intensities ?? []),
  }));
  return [
    {
      kind: 'chart',
      title: `Spectra (${picked.length} of ${spectra.length}, first, middle and last)`,
      x_label: 'Raman shift (cm-1)',
      y_label: 'Intensity (counts)',
      series,
      note: `Stored spectra (SHA-256): ${picked.map((s) => `event ${Number(s.seq)} ${s.payload.sha256 ?? '?'}`).join('; ')}`,
    },
  ];
}

interface SpectrumPayload {
  sha256?: string;
  decimated?: { shift_cm1: number[]; intensities: number[] };
}

const zip = (xs: number[], ys: number[]): [number, number][] =>
  xs.slice(0, ys.length).map((x, i) => [x, ys[i]!]);

async function temperatureSection(tx: Tx, executionId: string): Promise<ReportSection> {
  const readings = await queryRows<{ celsius: number; setpoint: number | null; at: number }>(
    tx,
    sql`SELECT (payload ->> 'celsius')::float8 AS celsius, (payload ->> 'setpointC')::float8 AS setpoint,
               (payload ->> 'at')::float8 AS at
          FROM run_events WHERE execution_id = ${executionId} AND type = 'temperature' ORDER BY seq`,
  );
  const step = Math.max(1, Math.ceil(readings.length / TRACE_POINTS));
  const kept = readings.filter((_, i) => i % step === 0);
  const t0 = kept[0]?.at ?? 0;
  const minutes = (at: number) => Math.round(((at - t0) / 60_000) * 1000) / 1000;
  return {
    kind: 'chart',
    title: `Temperature trace (${readings.length} readings)`,
    x_label: 'Time from the first reading (min, experiment clock)',
    y_label: 'Temperature (°C)',
    series: [
      { name: 'measured', points: kept.map((r) => [minutes(r.at), r.celsius]) },
      {
        name: 'setpoint',
        points: kept.filter((r) => r.setpoint !== null).map((r) => [minutes(r.at), r.setpoint!]),
      },
    ],
    ...(step > 1 ? { note: `Every ${step}th reading plotted.` } : {}),
  };
}

async function identificationSection(tx: Tx, executionId: string): Promise<ReportSection> {
  const results = await queryRows<{
    seq: number | string;
    step_id: string | null;
    created_at: unknown;
    result: { label?: unknown; confidence?: unknown; fractions?: unknown } | null;
  }>(
    tx,
    sql`SELECT seq, step_id, created_at, payload -> 'result' AS result FROM run_events
         WHERE execution_id = ${executionId} AND type = 'classified' ORDER BY seq`,
  );
  return {
    kind: 'table',
    title: 'Identification results',
    columns: [
      { key: 'seq', label: 'Event' },
      { key: 'step', label: 'Step' },
      { key: 'time', label: 'Time (UTC)' },
      { key: 'label', label: 'Form' },
      { key: 'confidence', label: 'Confidence' },
      { key: 'fractions', label: 'Fractions' },
    ],
    rows: results.map((r) => ({
      seq: Number(r.seq),
      step: r.step_id,
      time: utc(r.created_at),
      label: typeof r.result?.label === 'string' ? r.result.label : null,
      confidence: typeof r.result?.confidence === 'number' ? round(r.result.confidence, 3) : null,
      fractions: fractionsText(r.result?.fractions),
    })),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Form fractions, when the classifier gives them: `{form: fraction}` or a list of `{form, fraction}`. */
function fractionsText(fractions: unknown): string | null {
  if (fractions === undefined || fractions === null) return null;
  const pairs: [string, unknown][] = Array.isArray(fractions)
    ? fractions.map((f, i) => {
        const o = typeof f === 'object' && f !== null ? Object.values(f) : [f];
        return [String(o.find((v) => typeof v === 'string') ?? i), o.find((v) => typeof v === 'number')];
      })
    : typeof fractions === 'object'
      ? Object.entries(fractions)
      : [];
  if (pairs.length === 0) return JSON.stringify(fractions);
  return pairs.map(([k, v]) => `${k} ${typeof v === 'number' ? round(v, 3) : JSON.stringify(v)}`).join(', ');
}
