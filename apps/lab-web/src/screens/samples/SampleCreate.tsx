// A new sample; the API's problems are shown next to the field at fault, the rest above the form.
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { createSample, type NewSample } from './samples-api.ts';
import './samples.css';

const TEXT_FIELDS = [
  { key: 'sample_id', label: 'Sample ID', hint: 'Leave empty to have one generated.' },
  { key: 'name', label: 'Name' },
  { key: 'lot_number', label: 'Lot number' },
  { key: 'project_id', label: 'Project' },
  { key: 'batch_id', label: 'Batch' },
  { key: 'container_id', label: 'Container' },
  { key: 'quantity', label: 'Quantity' },
  { key: 'unit', label: 'Unit', hint: 'e.g. mL, mg' },
] as const;
type TextKey = (typeof TEXT_FIELDS)[number]['key'];
const FIELDS = [...TEXT_FIELDS.map((f) => f.key), 'status'];

/** The form's text as the API's body: empty fields are left out; a quantity that is not a number is a field error. */
export function toNewSample(values: Record<TextKey, string>, status: 'active' | 'quarantined'): NewSample {
  const body: NewSample = { status };
  for (const { key } of TEXT_FIELDS) {
    const value = values[key].trim();
    if (!value) continue;
    if (key === 'quantity') {
      const n = Number(value);
      if (!Number.isFinite(n))
        throw new ProblemError({
          title: 'Invalid request',
          status: 400,
          errors: [{ field: 'body.quantity', message: 'must be a number' }],
        });
      body.quantity = n;
    } else body[key] = value;
  }
  return body;
}

export function SampleCreate() {
  const empty = Object.fromEntries(TEXT_FIELDS.map((f) => [f.key, ''])) as Record<TextKey, string>;
  const [values, setValues] = useState(empty);
  const [status, setStatus] = useState<'active' | 'quarantined'>('active');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const created = await createSample(toNewSample(values, status));
      await queryClient.invalidateQueries({ queryKey: ['samples'] });
      void navigate(`/samples/${encodeURIComponent(created.sample_id)}`);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="samples">
      <p>
        <Link to="/samples">← All samples</Link>
      </p>
      <h1>New sample</h1>
      <form className="sample-form" onSubmit={submit} noValidate>
        <ProblemAlert problem={problem} fields={FIELDS} />
        {TEXT_FIELDS.map((f) => (
          <TextField
            key={f.key}
            id={`new-${f.key}`}
            label={f.label}
            hint={'hint' in f ? f.hint : undefined}
            inputMode={f.key === 'quantity' ? 'decimal' : undefined}
            value={values[f.key]}
            onChange={(v) => setValues({ ...values, [f.key]: v })}
            error={fieldError(problem, f.key)}
          />
        ))}
        <label htmlFor="new-status">Status</label>
        <select
          id="new-status"
          value={status}
          onChange={(e) => setStatus(e.target.value === 'quarantined' ? 'quarantined' : 'active')}
        >
          <option value="active">active</option>
          <option value="quarantined">quarantined</option>
        </select>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create sample'}
        </button>
      </form>
    </main>
  );
}
