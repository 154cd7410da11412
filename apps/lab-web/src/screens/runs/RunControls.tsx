// Pause, resume and abort, as the run's status allows. Resuming an interrupted run is an electronic
// signature (meaning resumed); a paused run resumes without one, as the API defines.
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { SignatureDialog, type SigningCredentials } from '../../components/SignatureDialog.tsx';
import { signatureManifestation } from '../../components/signatureManifestation.ts';
import type { Run } from './run-view.ts';

const ENDED = new Set(['completed', 'failed', 'aborted']);

export function RunControls({ run }: { run: Run }) {
  const client = useQueryClient();
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const path = { runId: run.run_id };
  const refresh = () => client.invalidateQueries({ queryKey: ['run', run.run_id] });
  if (ENDED.has(run.status)) return null;

  async function pauseOrResume(step: 'pause' | 'resume') {
    setProblem(null);
    const { data, error, response } =
      step === 'pause'
        ? await api.POST('/api/runs/{runId}/pause', { params: { path }, body: {} })
        : await api.POST('/api/runs/{runId}/resume', { params: { path }, body: {} });
    if (!data) setProblem(failure(error, response));
    void refresh();
  }

  async function signedResume(credentials: SigningCredentials) {
    const { data, error, response } = await api.POST('/api/runs/{runId}/resume', {
      params: { path },
      body: credentials,
    });
    if (!data) throw failure(error, response);
    return signatureManifestation('run', run.run_id, null, 'resumed');
  }

  return (
    <section aria-labelledby="controls-heading" className="controls">
      <h2 id="controls-heading">Control</h2>
      <ProblemAlert problem={problem} />
      <div className="control-row">
        {run.status === 'running' && (
          <button type="button" onClick={() => void pauseOrResume('pause')}>
            Pause
          </button>
        )}
        {run.status === 'paused' && (
          <button type="button" onClick={() => void pauseOrResume('resume')}>
            Resume
          </button>
        )}
        {run.status === 'interrupted' && (
          <SignatureDialog
            trigger={<button type="button">Resume…</button>}
            title={`Resume ${run.run_id} from its checkpoint`}
            record={{ type: 'run', id: run.run_id, summary: `${run.workflow.name} v${run.workflow.version}` }}
            meaning="resumed"
            sign={signedResume}
            onClosed={refresh}
          />
        )}
      </div>
      {run.abort_reason === null && <AbortForm run={run} onDone={refresh} />}
    </section>
  );
}

function AbortForm({ run, onDone }: { run: Run; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  async function abort(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const { data, error, response } = await api.POST('/api/runs/{runId}/abort', {
      params: { path: { runId: run.run_id } },
      body: { reason },
    });
    if (!data) setProblem(failure(error, response));
    else onDone();
  }
  return (
    <form className="inline-form" onSubmit={abort} aria-label="Abort the run" noValidate>
      <ProblemAlert problem={problem} fields={['reason']} />
      <TextField
        id="abort-reason"
        label="Abort reason"
        value={reason}
        onChange={setReason}
        error={fieldError(problem, 'reason')}
      />
      <button type="submit" className="danger">
        Abort run
      </button>
    </form>
  );
}
