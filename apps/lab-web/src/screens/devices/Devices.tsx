// Devices and calibration: the devices with their status, the calibrations due soon and overdue,
// register a device; the device's page sets its status, records a calibration, and uploads and
// downloads each calibration's certificate.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { components } from '../../api/generated/lab.d.ts';
import { apiData, problemOf } from '../../components/api-data.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { Pager } from '../../components/Pager.tsx';
import { type QueryLike, QueryState } from '../../components/QueryState.tsx';
import { SelectField } from '../../components/SelectField.tsx';
import '../lims/lims.css';

type DeviceStatus = components['schemas']['DeviceStatus'];
type CalibrationEntry = components['schemas']['CalibrationEntry'];
const LIMIT = 50;
const DUE_DAYS = 30;
const STATUSES = ['operational', 'maintenance', 'offline', 'error'] as const;
const asStatus = (v: string) => STATUSES.find((s) => s === v);
const deviceLink = (id: string) => `/devices/${encodeURIComponent(id)}`;

function DueList({
  id,
  title,
  query,
}: {
  id: string;
  title: string;
  query: QueryLike<{ items: DeviceStatus[] }>;
}) {
  return (
    <section aria-labelledby={id} className="panel">
      <h2 id={id}>{title}</h2>
      <QueryState query={query} empty="None." isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <ul aria-labelledby={id}>
            {d.items.map((s) => (
              <li key={s.device_id}>
                <Link to={deviceLink(s.device_id)}>{s.device_id}</Link>: due {s.next_calibration_due ?? '—'} (
                {s.status})
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

export function DevicesScreen() {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [offset, setOffset] = useState(0);
  const filter = { status: asStatus(status), device_type: type.trim() || undefined };
  const devices = useQuery({
    queryKey: ['devices', filter, offset],
    queryFn: () =>
      apiData(api.GET('/api/devices', { params: { query: { limit: LIMIT, offset, ...filter } } })),
  });
  // Keys apart from the dashboard's, which caches the overdue list as a bare array.
  const overdue = useQuery({
    queryKey: ['calibration', 'due', 'overdue'],
    queryFn: () => apiData(api.GET('/api/calibration/overdue')),
  });
  const upcoming = useQuery({
    queryKey: ['calibration', 'due', 'upcoming', DUE_DAYS],
    queryFn: () => apiData(api.GET('/api/calibration/upcoming', { params: { query: { days: DUE_DAYS } } })),
  });
  return (
    <main className="lims">
      <h1>Devices and calibration</h1>
      <div className="two-up">
        <DueList id="overdue-title" title="Calibration overdue" query={overdue} />
        <DueList id="upcoming-title" title={`Calibration due within ${DUE_DAYS} days`} query={upcoming} />
      </div>
      <h2>Devices</h2>
      <div className="filters">
        <div>
          <SelectField
            id="device-status-filter"
            label="Status"
            value={status}
            onChange={(v) => {
              setStatus(v);
              setOffset(0);
            }}
            options={[{ value: '', label: 'Any' }, ...STATUSES]}
          />
        </div>
        <div>
          <TextField
            id="device-type-filter"
            label="Type"
            value={type}
            onChange={(v) => {
              setType(v);
              setOffset(0);
            }}
          />
        </div>
      </div>
      <QueryState query={devices} empty="No devices match." isEmpty={(d) => d.items.length === 0}>
        {(page) => (
          <>
            <table>
              <caption className="visually-hidden">Devices</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Type</th>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col">Health</th>
                  <th scope="col">Calibration due</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.device_id}>
                    <td>
                      <Link to={deviceLink(d.device_id)}>{d.device_id}</Link>
                    </td>
                    <td>{d.device_type}</td>
                    <td>
                      {d.vendor} {d.model}
                    </td>
                    <td>
                      <span className={`status status-${d.status}`}>{d.status}</span>
                    </td>
                    <td>{d.health_score ?? '—'}</td>
                    <td className={d.calibration_overdue ? 'bad' : undefined}>
                      {d.next_calibration_due ?? '—'}
                      {d.calibration_overdue ? ' (overdue)' : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              offset={offset}
              limit={LIMIT}
              nextOffset={page.next_offset}
              onChange={setOffset}
              label="Devices"
            />
          </>
        )}
      </QueryState>
      <RegisterDevice />
    </main>
  );
}

const DEVICE_FIELDS = ['device_id', 'vendor', 'model', 'serial_number', 'device_type', 'location'] as const;

function RegisterDevice() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [v, setV] = useState({
    device_id: '',
    vendor: '',
    model: '',
    serial_number: '',
    device_type: '',
    location: '',
  });
  const create = useMutation({
    mutationFn: () =>
      apiData(api.POST('/api/devices', { body: { ...v, location: v.location || undefined } })),
    onSuccess: async (device) => {
      await client.invalidateQueries({ queryKey: ['devices'] });
      await navigate(deviceLink(device.device_id));
    },
  });
  const problem = problemOf(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  const labels: Record<(typeof DEVICE_FIELDS)[number], string> = {
    device_id: 'Device ID',
    vendor: 'Vendor',
    model: 'Model',
    serial_number: 'Serial number',
    device_type: 'Type',
    location: 'Location',
  };
  return (
    <section aria-labelledby="register-device-title" className="panel">
      <h2 id="register-device-title">Register a device</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={DEVICE_FIELDS} />
        {DEVICE_FIELDS.map((key) => (
          <TextField
            key={key}
            id={`device-${key}`}
            label={labels[key]}
            value={v[key]}
            onChange={(value) => setV({ ...v, [key]: value })}
            error={fieldError(problem, key)}
          />
        ))}
        <button type="submit" disabled={create.isPending}>
          Register device
        </button>
      </form>
    </section>
  );
}

function SetStatus({ deviceId, current }: { deviceId: string; current: DeviceStatus }) {
  const client = useQueryClient();
  const [status, setStatus] = useState<string>(current.status);
  const [health, setHealth] = useState(current.health_score === null ? '' : String(current.health_score));
  const [reason, setReason] = useState('');
  const change = useMutation({
    mutationFn: () =>
      apiData(
        api.PUT('/api/devices/{deviceId}/status', {
          params: { path: { deviceId } },
          body: {
            status: asStatus(status) ?? 'operational',
            health_score: health.trim() === '' ? undefined : Number(health),
            reason,
          },
        }),
      ),
    onSuccess: async () => {
      setReason('');
      await client.invalidateQueries({ queryKey: ['devices'] });
      await client.invalidateQueries({ queryKey: ['device', deviceId] });
    },
  });
  const problem = problemOf(change.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate();
  }
  return (
    <section aria-labelledby="device-status-title" className="panel">
      <h2 id="device-status-title">Set the status</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={['status', 'health_score', 'reason']} />
        <SelectField
          id="status-value"
          label="Status"
          value={status}
          onChange={setStatus}
          options={STATUSES}
          error={fieldError(problem, 'status')}
        />
        <TextField
          id="status-health"
          label="Health (0 to 1)"
          inputMode="decimal"
          value={health}
          onChange={setHealth}
          error={fieldError(problem, 'health_score')}
        />
        <TextField
          id="status-reason"
          label="Reason"
          value={reason}
          onChange={setReason}
          error={fieldError(problem, 'reason')}
        />
        <button type="submit" disabled={change.isPending}>
          Set status
        </button>
      </form>
    </section>
  );
}

const CALIBRATION_FIELDS = [
  'calibration_date',
  'next_due_date',
  'result',
  'reference_standard',
  'notes',
] as const;

function RecordCalibration({ deviceId }: { deviceId: string }) {
  const client = useQueryClient();
  const empty = {
    calibration_date: '',
    next_due_date: '',
    result: 'valid',
    reference_standard: '',
    notes: '',
  };
  const [v, setV] = useState(empty);
  const set = (key: keyof typeof v) => (value: string) => setV({ ...v, [key]: value });
  const record = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/calibration', {
          body: {
            device_id: deviceId,
            calibration_date: v.calibration_date,
            next_due_date: v.next_due_date || undefined,
            result: v.result === 'failed' ? 'failed' : 'valid',
            reference_standard: v.reference_standard || undefined,
            notes: v.notes || undefined,
          },
        }),
      ),
    onSuccess: async () => {
      setV(empty);
      await client.invalidateQueries({ queryKey: ['device', deviceId] });
      await client.invalidateQueries({ queryKey: ['calibration'] });
      await client.invalidateQueries({ queryKey: ['devices'] });
    },
  });
  const problem = problemOf(record.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    record.mutate();
  }
  return (
    <section aria-labelledby="record-calibration-title" className="panel">
      <h2 id="record-calibration-title">Record a calibration</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={CALIBRATION_FIELDS} />
        <TextField
          id="cal-date"
          label="Calibrated on"
          type="date"
          value={v.calibration_date}
          onChange={set('calibration_date')}
          error={fieldError(problem, 'calibration_date')}
        />
        <TextField
          id="cal-next"
          label="Next due"
          type="date"
          value={v.next_due_date}
          onChange={set('next_due_date')}
          error={fieldError(problem, 'next_due_date')}
        />
        <SelectField
          id="cal-result"
          label="Result"
          value={v.result}
          onChange={set('result')}
          options={['valid', 'failed']}
          error={fieldError(problem, 'result')}
        />
        <TextField
          id="cal-standard"
          label="Reference standard"
          value={v.reference_standard}
          onChange={set('reference_standard')}
          error={fieldError(problem, 'reference_standard')}
        />
        <TextField
          id="cal-notes"
          label="Notes"
          value={v.notes}
          onChange={set('notes')}
          error={fieldError(problem, 'notes')}
        />
        <button type="submit" disabled={record.isPending}>
          Record calibration
        </button>
      </form>
    </section>
  );
}

/** Fetches the certificate with the session's token and hands it to the browser as a download. */
async function downloadCertificate(entry: CalibrationEntry) {
  const blob = await apiData(
    api.GET('/api/calibration/{id}/certificate', { params: { path: { id: entry.id } }, parseAs: 'blob' }),
  );
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = entry.certificate_filename ?? `certificate-${entry.id}`;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

function Certificate({ entry, deviceId }: { entry: CalibrationEntry; deviceId: string }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: (certificate: File) => {
      const form = new FormData();
      form.append('file', certificate, certificate.name);
      return apiData(
        api.POST('/api/calibration/{id}/attach-certificate', {
          params: { path: { id: entry.id } },
          body: null,
          bodySerializer: () => form,
        }),
      );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['device', deviceId] }),
  });
  const download = useMutation({ mutationFn: () => downloadCertificate(entry) });
  const problem = problemOf(upload.error ?? download.error);
  const inputId = `certificate-${entry.id}`;
  if (entry.has_certificate) {
    return (
      <>
        <button type="button" className="secondary" onClick={() => download.mutate()}>
          Download {entry.certificate_filename ?? 'certificate'}
        </button>
        <ProblemAlert problem={problem} />
      </>
    );
  }
  return (
    <form
      className="inline-upload"
      onSubmit={(event) => {
        event.preventDefault();
        if (file) upload.mutate(file);
      }}
    >
      <label htmlFor={inputId}>
        Certificate of {entry.calibration_date} (PDF, PNG or JPEG, at most 10 MB)
      </label>
      <input
        id={inputId}
        type="file"
        accept="application/pdf,image/png,image/jpeg"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      <button type="submit" disabled={!file || upload.isPending}>
        Upload
      </button>
      <ProblemAlert problem={problem} />
    </form>
  );
}

export function DeviceDetailScreen() {
  const deviceId = useParams().deviceId ?? '';
  const path = { params: { path: { deviceId } } };
  const device = useQuery({
    queryKey: ['device', deviceId],
    queryFn: () => apiData(api.GET('/api/devices/{deviceId}', path)),
  });
  const history = useQuery({
    queryKey: ['device', deviceId, 'calibrations'],
    queryFn: () => apiData(api.GET('/api/calibration/device/{deviceId}', path)),
  });
  return (
    <main className="lims">
      <p>
        <Link to="/devices">← Devices</Link>
      </p>
      <h1>Device {deviceId}</h1>
      <QueryState query={device}>
        {(d) => (
          <>
            <dl className="facts">
              <dt>Model</dt>
              <dd>
                {d.vendor} {d.model} (serial {d.serial_number})
              </dd>
              <dt>Type</dt>
              <dd>{d.device_type}</dd>
              <dt>Location</dt>
              <dd>{d.location ?? '—'}</dd>
              <dt>Status</dt>
              <dd>
                <output aria-label="Device status" className={`status status-${d.status}`}>
                  {d.status}
                </output>
                {d.status_notes ? ` — ${d.status_notes}` : ''}
              </dd>
              <dt>Health</dt>
              <dd>{d.health_score ?? '—'}</dd>
              <dt>Last calibrated</dt>
              <dd>{d.last_calibration_date ?? '—'}</dd>
              <dt>Calibration due</dt>
              <dd className={d.calibration_overdue ? 'bad' : undefined}>
                {d.next_calibration_due ?? '—'}
                {d.calibration_overdue ? ' (overdue)' : ''}
              </dd>
            </dl>
            <div className="two-up">
              <RecordCalibration deviceId={d.device_id} />
              <SetStatus key={`${d.status}-${d.health_score}`} deviceId={d.device_id} current={d} />
            </div>
          </>
        )}
      </QueryState>
      <section aria-labelledby="calibrations-title">
        <h2 id="calibrations-title">Calibrations (newest first)</h2>
        <QueryState query={history} empty="No calibration recorded." isEmpty={(h) => h.items.length === 0}>
          {(h) => (
            <table aria-labelledby="calibrations-title">
              <thead>
                <tr>
                  <th scope="col">Calibrated</th>
                  <th scope="col">Result</th>
                  <th scope="col">Next due</th>
                  <th scope="col">By</th>
                  <th scope="col">Certificate</th>
                </tr>
              </thead>
              <tbody>
                {h.items.map((c) => (
                  <tr key={c.id}>
                    <td>{c.calibration_date}</td>
                    <td>{c.result}</td>
                    <td>{c.next_due_date ?? '—'}</td>
                    <td>{c.performed_by}</td>
                    <td>
                      <Certificate entry={c} deviceId={deviceId} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </section>
    </main>
  );
}
