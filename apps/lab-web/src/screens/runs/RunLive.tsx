// One run, live: its status and steps, the temperature and the latest spectrum as uPlot charts, the
// form fractions, the controls its status allows, the report, and the signed review and approval.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { useParams } from 'react-router';
import { api, failure } from '../../api/client.ts';
import { QueryState } from '../../components/QueryState.tsx';
import { Chart } from './Chart.tsx';
import { useRunEvents } from './event-stream.ts';
import { RunControls } from './RunControls.tsx';
import { RunRelease } from './RunRelease.tsx';
import {
  type Classification,
  latestClassification,
  latestSpectrum,
  type Run,
  type StepAttempt,
  stepsOf,
  temperatureSeries,
} from './run-view.ts';
import '../workflows/workflows.css';
import './runs.css';

// Stable, so the charts are created once and only their data changes.
const TEMPERATURE_SERIES = [
  { label: 'Temperature (°C)', stroke: '#b3261e' },
  { label: 'Setpoint (°C)', stroke: '#1f4e99' },
];
const SPECTRUM_SERIES = [{ label: 'Intensity', stroke: '#135e2b' }];
/** Events that change the run's row (status, step, release); data readings do not. */
const DATA_EVENTS = new Set(['temperature', 'spectrum']);

async function getRun(runId: string) {
  const { data, error, response } = await api.GET('/api/runs/{runId}', { params: { path: { runId } } });
  if (!data) throw failure(error, response);
  return data;
}

export default function RunLive() {
  const { runId = '' } = useParams();
  const client = useQueryClient();
  const run = useQuery({ queryKey: ['run', runId], queryFn: () => getRun(runId) });
  const stream = useRunEvents(runId);
  const { events } = stream;
  const lastChange = events.findLast((e) => !DATA_EVENTS.has(e.type))?.seq ?? 0;
  useEffect(() => {
    if (lastChange > 0) void client.invalidateQueries({ queryKey: ['run', runId] });
  }, [client, runId, lastChange]);

  const steps = useMemo(() => stepsOf(events), [events]);
  const temperature = useMemo(() => temperatureSeries(events), [events]);
  const spectrum = useMemo(() => latestSpectrum(events), [events]);
  const classification = useMemo(() => latestClassification(events), [events]);

  return (
    <main className="runs">
      <h1>Run {runId}</h1>
      <QueryState query={run}>
        {(r) => (
          <>
            <RunFacts run={r} />
            <RunControls run={r} />
          </>
        )}
      </QueryState>
      {stream.error && (
        <p role="alert" className="alert">
          The live stream was interrupted ({stream.error.message}); reconnecting.
        </p>
      )}
      <p className="muted" role="status" aria-label="Live stream">
        {stream.finished
          ? `Finished: ${events.length} events received.`
          : `Live: ${events.length} events so far.`}
      </p>
      <div className="live-grid">
        <StepTable steps={steps} />
        <div className="live-charts">
          <Chart
            id="temperature"
            title="Temperature"
            summary={
              temperature.latest === null
                ? 'No reading yet.'
                : `Latest ${temperature.latest.toFixed(1)} °C, setpoint ${temperature.setpoint?.toFixed(1) ?? '—'} °C, ${temperature.data[0].length} readings.`
            }
            xLabel="Minutes (experiment time)"
            yLabel="°C"
            series={TEMPERATURE_SERIES}
            data={temperature.data}
          />
          <Chart
            id="spectrum"
            title="Latest spectrum"
            summary={
              spectrum === null
                ? 'No spectrum yet.'
                : `Spectrum ${spectrum.count} (event ${spectrum.seq}), ${spectrum.data[0].length} points.`
            }
            xLabel="Raman shift (cm⁻¹)"
            yLabel="Intensity"
            series={SPECTRUM_SERIES}
            data={spectrum?.data ?? [[], []]}
          />
          <Fractions classification={classification} />
        </div>
      </div>
      <QueryState query={run}>{(r) => <RunRelease run={r} />}</QueryState>
    </main>
  );
}

function RunFacts({ run }: { run: Run }) {
  return (
    <dl className="facts">
      <dt>Workflow</dt>
      <dd>
        {run.workflow.name} v{run.workflow.version}
      </dd>
      <dt>Status</dt>
      <dd>
        <span className={`status status-${run.status}`} data-testid="run-status">
          {run.status}
        </span>
        {run.failure_code && ` (${run.failure_code}: ${run.error_message ?? ''})`}
        {run.abort_reason && ` (${run.abort_reason})`}
      </dd>
      <dt>Operator</dt>
      <dd>{run.operator}</dd>
      <dt>Steps completed</dt>
      <dd>{run.steps_completed}</dd>
      <dt>Parameters</dt>
      <dd className="mono">
        {Object.entries(run.parameters)
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ') || 'none'}
      </dd>
      <dt>Release</dt>
      <dd data-testid="release-status">{run.release_status}</dd>
    </dl>
  );
}

function StepTable({ steps }: { steps: StepAttempt[] }) {
  return (
    <section aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      {steps.length === 0 ? (
        <p className="muted">No step has started yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Steps in the order they started</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Operation</th>
              <th scope="col">Pass</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.seq}>
                <td className="mono">{s.stepId}</td>
                <td>{s.op}</td>
                <td>{s.iteration === null ? '' : s.iteration + 1}</td>
                <td>
                  <span className={`status status-${s.outcome ?? 'running'}`}>{s.outcome ?? 'running'}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Fractions({ classification }: { classification: Classification | null }) {
  return (
    <section aria-labelledby="fractions-heading">
      <h2 id="fractions-heading">Form fractions</h2>
      {classification === null ? (
        <p className="muted">No identification yet.</p>
      ) : (
        <>
          <p role="status" aria-label="Latest identification">
            {classification.stepId}: {classification.label} (confidence{' '}
            {(classification.confidence * 100).toFixed(0)}%)
          </p>
          {classification.fractions.length > 0 && (
            <table>
              <caption className="visually-hidden">Fraction of the compound in each form</caption>
              <thead>
                <tr>
                  <th scope="col">Form</th>
                  <th scope="col">Fraction</th>
                  <th scope="col">±</th>
                </tr>
              </thead>
              <tbody>
                {classification.fractions.map((f) => (
                  <tr key={f.form}>
                    <td>{f.form}</td>
                    <td>
                      <meter min={0} max={1} value={f.value} aria-label={`${f.form} fraction`} />{' '}
                      {(f.value * 100).toFixed(1)}%
                    </td>
                    <td>{(f.uncertainty * 100).toFixed(1)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
