// Start a run: an effective workflow, its parameters as a form built from the definition (unit, range,
// default), the three devices, optional samples and lots. The API checks everything in one transaction
// and its refusal is shown next to the field at fault.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { listWorkflows, versionDetail } from '../workflows/api.ts';
import { type Parameter, parametersOf } from './parameters.ts';
import '../workflows/workflows.css';
import './runs.css';

const DEVICE_KINDS = [
  { kind: 'spectrometer', label: 'Spectrometer' },
  { kind: 'temperature_controller', label: 'Temperature controller' },
  { kind: 'daq', label: 'DAQ' },
] as const;
type DeviceKind = (typeof DEVICE_KINDS)[number]['kind'];

async function devicesOfKind(kind: DeviceKind) {
  const { data, error, response } = await api.GET('/api/devices', {
    params: { query: { device_type: kind, limit: 100, offset: 0 } },
  });
  if (!data) throw failure(error, response);
  return data.items.map((d) => d.device_id);
}

async function effectiveWorkflows() {
  return (await listWorkflows()).filter((w) => w.effective_version !== null);
}

export default function StartRun() {
  const workflows = useQuery({ queryKey: ['workflows', 'effective'], queryFn: effectiveWorkflows });
  const [chosen, setChosen] = useState('');
  return (
    <main className="runs">
      <h1>Start a run</h1>
      <QueryState
        query={workflows}
        empty="No workflow is effective yet: a workflow must be approved and activated before it runs."
        isEmpty={(items) => items.length === 0}
      >
        {(items) => {
          const name = chosen || (items[0]?.name ?? '');
          const version = items.find((w) => w.name === name)?.effective_version ?? null;
          return (
            <>
              <label htmlFor="run-workflow">Workflow</label>
              <select id="run-workflow" value={name} onChange={(e) => setChosen(e.target.value)}>
                {items.map((w) => (
                  <option key={w.name} value={w.name}>
                    {w.title} ({w.name} v{w.effective_version})
                  </option>
                ))}
              </select>
              {version !== null && <StartForm key={`${name}@${version}`} name={name} version={version} />}
            </>
          );
        }}
      </QueryState>
    </main>
  );
}

function StartForm({ name, version }: { name: string; version: number }) {
  const detail = useQuery({
    queryKey: ['workflow', name, 'version', version],
    queryFn: () => versionDetail(name, version),
  });
  return (
    <QueryState query={detail}>
      {(v) => <ParameterForm name={name} parameters={parametersOf(v.definition)} />}
    </QueryState>
  );
}

const splitCodes = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function ParameterForm({ name, parameters }: { name: string; parameters: Parameter[] }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(parameters.map((p) => [p.name, p.default === undefined ? '' : String(p.default)])),
  );
  const [devices, setDevices] = useState<Record<DeviceKind, string>>({
    spectrometer: '',
    temperature_controller: '',
    daq: '',
  });
  const [samples, setSamples] = useState('');
  const [lots, setLots] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per form: a retried start (a lost answer) replays the first run instead of starting two.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const fields = [...parameters.map((p) => `parameters.${p.name}`), 'devices', 'samples', 'lots'];

  async function start(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const parameterValues = Object.fromEntries(
      Object.entries(values)
        .filter(([, v]) => v.trim() !== '')
        .map(([k, v]) => [k, Number(v)]),
    );
    const { data, error, response } = await api.POST('/api/runs', {
      body: {
        workflow: name,
        parameters: parameterValues,
        devices,
        ...(samples.trim() ? { samples: splitCodes(samples) } : {}),
        ...(lots.trim() ? { lots: splitCodes(lots) } : {}),
      },
      headers: { 'idempotency-key': idempotencyKey },
    });
    setBusy(false);
    if (!data) return setProblem(failure(error, response));
    void navigate(`/runs/${data.run_id}`);
  }

  return (
    <form className="run-form" onSubmit={start} noValidate>
      <ProblemAlert problem={problem} fields={fields} />
      <fieldset>
        <legend>Parameters</legend>
        {parameters.length === 0 && <p className="muted">This workflow takes no parameters.</p>}
        {parameters.map((p) => (
          <TextField
            key={p.name}
            id={`param-${p.name}`}
            label={`${p.name} (${p.unit})`}
            type="number"
            inputMode="decimal"
            min={p.minimum}
            max={p.maximum}
            step={p.type === 'integer' ? 1 : 'any'}
            hint={`${p.description ? `${p.description}. ` : ''}From ${p.minimum} to ${p.maximum} ${p.unit}.`}
            value={values[p.name] ?? ''}
            onChange={(v) => setValues((old) => ({ ...old, [p.name]: v }))}
            error={fieldError(problem, `parameters.${p.name}`)}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>Devices</legend>
        {DEVICE_KINDS.map(({ kind, label }) => (
          <DeviceSelect
            key={kind}
            kind={kind}
            label={label}
            value={devices[kind]}
            onChange={(v) => setDevices((old) => ({ ...old, [kind]: v }))}
            error={fieldError(problem, `devices.${kind}`)}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>Material (optional)</legend>
        <TextField
          id="run-samples"
          label="Samples"
          hint="Sample codes, separated by commas or spaces."
          value={samples}
          onChange={setSamples}
          error={problem?.problem.errors?.find((e) => e.field?.startsWith('body.samples'))?.message}
        />
        <TextField
          id="run-lots"
          label="Lots"
          hint="Lot numbers, separated by commas or spaces."
          value={lots}
          onChange={setLots}
          error={problem?.problem.errors?.find((e) => e.field?.startsWith('body.lots'))?.message}
        />
      </fieldset>
      <button type="submit" disabled={busy}>
        {busy ? 'Starting…' : 'Start run'}
      </button>
    </form>
  );
}

function DeviceSelect(props: {
  kind: DeviceKind;
  label: string;
  value: string;
  onChange(value: string): void;
  error: string | undefined;
}) {
  const query = useQuery({ queryKey: ['devices', props.kind], queryFn: () => devicesOfKind(props.kind) });
  const id = `run-device-${props.kind}`;
  const ids = query.data ?? [];
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        <option value="">
          {query.isPending ? 'Loading…' : ids.length === 0 ? 'No device of this kind' : 'Choose…'}
        </option>
        {ids.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
      {query.error && <p className="field-error">Could not load devices: {query.error.message}</p>}
      {props.error && (
        <p id={`${id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </>
  );
}
