// An ended run's report (PDF or JSON, downloaded with the session's token) and its release: review, then
// QA's approval, each an electronic signature; the API enforces who may sign which.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, failure, ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { SignatureDialog, type SigningCredentials } from '../../components/SignatureDialog.tsx';
import { signatureManifestation } from '../../components/signatureManifestation.ts';
import type { Run } from './run-view.ts';

const ENDED = new Set(['completed', 'failed', 'aborted']);

async function reportBlob(runId: string, kind: 'pdf' | 'json') {
  const params = { path: { type: 'run' as const, id: runId } };
  const { data, error, response } =
    kind === 'pdf'
      ? await api.GET('/api/records/{type}/{id}/report.pdf', { params, parseAs: 'blob' })
      : await api.GET('/api/records/{type}/{id}/report.json', { params, parseAs: 'blob' });
  if (!(data instanceof Blob)) throw failure(error, response);
  return data;
}

/** Saves the blob under `name` through a temporary object URL (a plain link would carry no token). */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function RunRelease({ run }: { run: Run }) {
  const client = useQueryClient();
  const [problem, setProblem] = useState<ProblemError | null>(null);
  if (!ENDED.has(run.status)) return null;
  const path = { runId: run.run_id };
  const refresh = () => client.invalidateQueries({ queryKey: ['run', run.run_id] });

  async function download(kind: 'pdf' | 'json') {
    setProblem(null);
    try {
      save(await reportBlob(run.run_id, kind), `run-${run.run_id}-report.${kind}`);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      setProblem(error);
    }
  }

  async function sign(step: 'review' | 'approve', credentials: SigningCredentials) {
    const { data, error, response } =
      step === 'review'
        ? await api.POST('/api/runs/{runId}/review', { params: { path }, body: credentials })
        : await api.POST('/api/runs/{runId}/approve', { params: { path }, body: credentials });
    if (!data) throw failure(error, response);
    const id = step === 'review' ? data.review_signature_id : data.decision_signature_id;
    return signatureManifestation('run', run.run_id, id);
  }

  const record = {
    type: 'run',
    id: run.run_id,
    summary: `${run.workflow.name} v${run.workflow.version}, ${run.status}`,
  };
  return (
    <section aria-labelledby="release-heading" className="release">
      <h2 id="release-heading">Report and release</h2>
      <ProblemAlert problem={problem} />
      <div className="control-row">
        <button type="button" className="secondary" onClick={() => void download('pdf')}>
          Download report (PDF)
        </button>
        <button type="button" className="secondary" onClick={() => void download('json')}>
          Download report (JSON)
        </button>
      </div>
      <p>
        Release status: <strong>{run.release_status}</strong>
        {run.reviewed_by && `; reviewed by ${run.reviewed_by} at ${run.reviewed_at}`}
        {run.decided_by && `; ${run.release_status} by ${run.decided_by} at ${run.decided_at}`}
      </p>
      <div className="control-row">
        {run.release_status === 'unreviewed' && (
          <SignatureDialog
            trigger={<button type="button">Review…</button>}
            title={`Review ${run.run_id}`}
            record={record}
            meaning="reviewed"
            sign={(c) => sign('review', c)}
            onClosed={refresh}
          />
        )}
        {run.release_status === 'reviewed' && (
          <SignatureDialog
            trigger={<button type="button">Approve…</button>}
            title={`Approve ${run.run_id}`}
            record={record}
            meaning="approved"
            sign={(c) => sign('approve', c)}
            onClosed={refresh}
          />
        )}
      </div>
    </section>
  );
}
