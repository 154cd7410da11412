// Export: the whole audit trail from the API's export route, saved as the attachment it names.
import { useState } from 'react';
import { api, failure, ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { attachmentName, saveBlob } from './download.ts';

type Format = 'jsonl' | 'csv';

async function exportTrail(format: Format) {
  const { data, error, response } = await api.GET('/api/compliance/audit/export', {
    params: { query: { format } },
    parseAs: 'blob',
  });
  if (!data) throw failure(error, response);
  saveBlob(data, attachmentName(response, `audit-trail.${format}`));
}

export function ExportButtons() {
  const [busy, setBusy] = useState<Format | null>(null);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  async function run(format: Format) {
    setBusy(format);
    setProblem(null);
    try {
      await exportTrail(format);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      setProblem(error);
    } finally {
      setBusy(null);
    }
  }
  return (
    <fieldset className="export">
      <legend className="visually-hidden">Export the whole audit trail</legend>
      <ProblemAlert problem={problem} />
      <button type="button" className="secondary" disabled={busy !== null} onClick={() => void run('jsonl')}>
        {busy === 'jsonl' ? 'Exporting…' : 'Export JSON lines'}
      </button>
      <button type="button" className="secondary" disabled={busy !== null} onClick={() => void run('csv')}>
        {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
    </fieldset>
  );
}
