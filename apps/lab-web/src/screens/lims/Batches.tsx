// Batches: the list filtered by status and project, create, and the detail with the samples inside,
// the decision and its signatures. Release and reject are signed in the one SignatureDialog.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { components } from '../../api/generated/lab.d.ts';
import { apiData, problemOf } from '../../components/api-data.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { SelectField } from '../../components/SelectField.tsx';
import {
  type Manifestation,
  SignatureDialog,
  type SigningCredentials,
} from '../../components/SignatureDialog.tsx';
import './lims.css';

type Batch = components['schemas']['Batch'];
const LIMIT = 50;
const STATUSES = ['active', 'released', 'rejected'] as const;
type BatchStatus = (typeof STATUSES)[number];
const asStatus = (v: string): BatchStatus | undefined => STATUSES.find((s) => s === v);

export function BatchesScreen() {
  const [status, setStatus] = useState('');
  const [project, setProject] = useState('');
  const [offset, setOffset] = useState(0);
  const filter = { status: asStatus(status), project_id: project.trim() || undefined };
  const batches = useQuery({
    queryKey: ['batches', filter, offset],
    queryFn: () =>
      apiData(api.GET('/api/batches', { params: { query: { limit: LIMIT, offset, ...filter } } })),
  });
  return (
    <main className="lims">
      <h1>Batches</h1>
      <div className="filters">
        <div>
          <SelectField
            id="batch-status-filter"
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
            id="batch-project-filter"
            label="Project"
            value={project}
            onChange={(v) => {
              setProject(v);
              setOffset(0);
            }}
          />
        </div>
      </div>
      <QueryState query={batches} empty="No batches match." isEmpty={(d) => d.items.length === 0}>
        {(page) => (
          <>
            <BatchTable batches={page.items} caption="Batches" />
            <Pager
              offset={offset}
              limit={LIMIT}
              nextOffset={page.next_offset}
              onChange={setOffset}
              label="Batches"
            />
          </>
        )}
      </QueryState>
      <CreateBatch />
    </main>
  );
}

export function BatchTable({ batches, caption }: { batches: Batch[]; caption: string }) {
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Batch</th>
          <th scope="col">Project</th>
          <th scope="col">Status</th>
          <th scope="col">Created (UTC)</th>
          <th scope="col">Decided by</th>
        </tr>
      </thead>
      <tbody>
        {batches.map((b) => (
          <tr key={b.batch_id}>
            <td>
              <Link to={`/batches/${encodeURIComponent(b.batch_id)}`}>{b.batch_id}</Link>
            </td>
            <td>
              <Link to={`/projects/${encodeURIComponent(b.project_id)}`}>{b.project_id}</Link>
            </td>
            <td>
              <span className={`status status-${b.status}`}>{b.status}</span>
            </td>
            <td>{b.created_at}</td>
            <td>{b.decided_by ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const BATCH_FIELDS = ['batch_id', 'project_id', 'description'] as const;

export function CreateBatch({ projectId }: { projectId?: string }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [batchId, setBatchId] = useState('');
  const [project, setProject] = useState(projectId ?? '');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/batches', {
          body: { batch_id: batchId, project_id: project, ...(description ? { description } : {}) },
        }),
      ),
    onSuccess: async (batch) => {
      await client.invalidateQueries({ queryKey: ['batches'] });
      await navigate(`/batches/${encodeURIComponent(batch.batch_id)}`);
    },
  });
  const problem = problemOf(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="create-batch-title" className="panel">
      <h2 id="create-batch-title">New batch</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={BATCH_FIELDS} />
        <TextField
          id="batch-id"
          label="Batch ID"
          value={batchId}
          onChange={setBatchId}
          error={fieldError(problem, 'batch_id')}
        />
        {projectId === undefined && (
          <TextField
            id="batch-project"
            label="Project ID"
            value={project}
            onChange={setProject}
            error={fieldError(problem, 'project_id')}
          />
        )}
        <TextField
          id="batch-description"
          label="Description"
          value={description}
          onChange={setDescription}
          error={fieldError(problem, 'description')}
        />
        <button type="submit" disabled={create.isPending}>
          Create batch
        </button>
      </form>
    </section>
  );
}

/** Release or reject, then read the decision's signature back for its manifestation. */
async function decide(
  batchId: string,
  decision: 'release' | 'reject',
  credentials: SigningCredentials,
): Promise<Manifestation> {
  const options = { params: { path: { batchId } }, body: credentials };
  const batch = await apiData(
    decision === 'release'
      ? api.POST('/api/batches/{batchId}/release', options)
      : api.POST('/api/batches/{batchId}/reject', options),
  );
  const signatures = await apiData(
    api.GET('/api/signatures', { params: { query: { record_type: 'batch', record_id: batchId } } }),
  );
  const signature = signatures.items.find((s) => s.id === batch.decision_signature_id);
  if (!signature) throw new Error(`The ${decision} of ${batchId} has no signature`);
  return { signer_name: signature.signer_name, signed_at: signature.signed_at, meaning: signature.meaning };
}

const MEANINGS = {
  release: 'approved — the batch is released',
  reject: 'rejected — the batch is rejected',
} as const;

function Decision({ batch, sampleCount }: { batch: Batch; sampleCount: number }) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['batch', batch.batch_id] });
  const summary = (
    <>
      Project {batch.project_id}, {sampleCount} sample{sampleCount === 1 ? '' : 's'}
      {batch.description ? ` — ${batch.description}` : ''}
    </>
  );
  return (
    <div className="actions-row">
      {(['release', 'reject'] as const).map((decision) => (
        <SignatureDialog
          key={decision}
          trigger={
            <button
              type="button"
              className={decision === 'reject' ? 'secondary' : undefined}
              disabled={batch.status !== 'active'}
            >
              {decision === 'release' ? 'Release…' : 'Reject…'}
            </button>
          }
          title={`${decision === 'release' ? 'Release' : 'Reject'} batch ${batch.batch_id}`}
          record={{ type: 'Batch', id: batch.batch_id, summary }}
          meaning={MEANINGS[decision]}
          sign={(credentials) => decide(batch.batch_id, decision, credentials)}
          onSigned={() => void refresh()}
        />
      ))}
    </div>
  );
}

export function BatchDetailScreen() {
  const batchId = useParams().batchId ?? '';
  const path = { params: { path: { batchId } } };
  const batch = useQuery({
    queryKey: ['batch', batchId],
    queryFn: () => apiData(api.GET('/api/batches/{batchId}', path)),
  });
  const samples = useQuery({
    queryKey: ['batch', batchId, 'samples'],
    queryFn: () =>
      apiData(api.GET('/api/samples', { params: { query: { batch_id: batchId, limit: 100, offset: 0 } } })),
  });
  const signatures = useQuery({
    queryKey: ['batch', batchId, 'signatures'],
    queryFn: () =>
      apiData(
        api.GET('/api/signatures', { params: { query: { record_type: 'batch', record_id: batchId } } }),
      ),
  });
  return (
    <main className="lims">
      <p>
        <Link to="/batches">← Batches</Link>
      </p>
      <h1>Batch {batchId}</h1>
      <QueryState query={batch}>
        {(b) => (
          <>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <output aria-label="Batch status" className={`status status-${b.status}`}>
                  {b.status}
                </output>
              </dd>
              <dt>Project</dt>
              <dd>
                <Link to={`/projects/${encodeURIComponent(b.project_id)}`}>{b.project_id}</Link>
              </dd>
              <dt>Description</dt>
              <dd>{b.description ?? '—'}</dd>
              <dt>Created</dt>
              <dd>
                {b.created_at} by {b.created_by}
              </dd>
              <dt>Decided</dt>
              <dd>{b.decided_at ? `${b.decided_at} by ${b.decided_by}` : '—'}</dd>
            </dl>
            {/* Always mounted: the dialog must outlive the refresh that shows the batch decided. */}
            <Decision batch={b} sampleCount={b.sample_count} />
          </>
        )}
      </QueryState>
      <section aria-labelledby="batch-samples-title">
        <h2 id="batch-samples-title">Samples</h2>
        <QueryState query={samples} empty="No samples in this batch." isEmpty={(d) => d.items.length === 0}>
          {(page) => (
            <table aria-labelledby="batch-samples-title">
              <thead>
                <tr>
                  <th scope="col">Sample</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Container</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((s) => (
                  <tr key={s.sample_id}>
                    <td>{s.sample_id}</td>
                    <td>{s.name ?? '—'}</td>
                    <td>{s.status}</td>
                    <td>{s.container_id ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </section>
      <section aria-labelledby="batch-signatures-title">
        <h2 id="batch-signatures-title">Signatures</h2>
        <QueryState query={signatures} empty="Not signed yet." isEmpty={(d) => d.items.length === 0}>
          {(list) => (
            <ul className="signatures">
              {list.items.map((s) => (
                <li key={s.id}>
                  {/* The manifestation already carries the reason. */}
                  {s.manifestation}
                  {!s.current && <strong> (the batch changed after this signature)</strong>}
                  {!s.signature_valid && <strong className="bad"> (server signature does not verify)</strong>}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
    </main>
  );
}
