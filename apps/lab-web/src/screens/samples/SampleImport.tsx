// Bulk import from CSV: the file is read in the browser, checked row by row, and sent as one
// all-or-nothing POST /api/samples/bulk; every row the API refuses is listed with its line and field,
// and nothing is stored unless every row is valid.
import { useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { COLUMNS, IMPORT_MAX_ROWS, type RowError, readImport, rowErrorsOf } from './import-rows.ts';
import { createSamples, type Sample } from './samples-api.ts';
import './samples.css';

const MAX_BYTES = 1_048_576;

export function SampleImport() {
  const [text, setText] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<RowError[]>([]);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [created, setCreated] = useState<Sample[] | null>(null);
  const [busy, setBusy] = useState(false);
  const queryClient = useQueryClient();

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    setFileError(null);
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setFileError(`${file.name} is ${file.size} bytes; at most ${MAX_BYTES} (1 MiB)`);
      return;
    }
    setText(await file.text());
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setCreated(null);
    const { items, errors } = readImport(text);
    setRowErrors(errors);
    if (errors.length) return;
    setBusy(true);
    try {
      setCreated(await createSamples(items));
      await queryClient.invalidateQueries({ queryKey: ['samples'] });
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const rows = rowErrorsOf(error.problem);
      setRowErrors(rows);
      if (!rows.length) setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="samples">
      <p>
        <Link to="/samples">← All samples</Link>
      </p>
      <h1>Import samples from CSV</h1>
      <p className="muted">
        A header row naming any of {COLUMNS.join(', ')}, then one sample per row (at most {IMPORT_MAX_ROWS}).
        All rows are stored together or none is.
      </p>
      <form className="sample-form" onSubmit={submit} noValidate>
        <ProblemAlert problem={problem} />
        <label htmlFor="import-file">CSV file</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => void pick(e)}
          aria-invalid={fileError ? true : undefined}
          aria-describedby={fileError ? 'import-file-error' : undefined}
        />
        {fileError && (
          <p id="import-file-error" className="field-error">
            {fileError}
          </p>
        )}
        <label htmlFor="import-text">Or paste the CSV</label>
        <textarea id="import-text" rows={8} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" disabled={busy || !text.trim()}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {rowErrors.length > 0 && (
        <section aria-labelledby="import-errors" role="alert">
          <h2 id="import-errors">Nothing was imported: {rowErrors.length} problem(s)</h2>
          <table aria-labelledby="import-errors">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {rowErrors.map((e) => (
                <tr key={`${e.line}-${e.field}-${e.message}`}>
                  <td>{e.line || 'file'}</td>
                  <td>{e.field}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {created && (
        <section aria-labelledby="import-done" role="status">
          <h2 id="import-done">Imported {created.length} sample(s)</h2>
          <ul>
            {created.map((s) => (
              <li key={s.sample_id}>
                <Link to={`/samples/${encodeURIComponent(s.sample_id)}`}>{s.sample_id}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
