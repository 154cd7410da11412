// One sample: its fields, the changes it can undergo, its lineage (parents and aliquots), its history
// from the audit trail with each change's reason, and its electronic signatures.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { QueryState } from '../../components/QueryState.tsx';
import { SignatureDialog } from '../../components/SignatureDialog.tsx';
import { MoveDialog, SplitDialog, StatusDialog } from './SampleActions.tsx';
import {
  getHistory,
  getLineage,
  getSample,
  getSignatures,
  SAMPLE_MEANINGS,
  type SampleMeaning,
  signSample,
} from './samples-api.ts';
import './samples.css';

type Lineage = Awaited<ReturnType<typeof getLineage>>;
type LineageNode = Lineage['ancestors'][number];
type HistoryItem = Awaited<ReturnType<typeof getHistory>>['items'][number];

export function SampleDetail() {
  const sampleId = useParams().sampleId ?? '';
  const sample = useQuery({ queryKey: ['samples', 'one', sampleId], queryFn: () => getSample(sampleId) });
  return (
    <main className="samples">
      <p>
        <Link to="/samples">← All samples</Link>
      </p>
      <h1>Sample {sampleId}</h1>
      <QueryState query={sample}>
        {(s) => (
          <>
            <section aria-labelledby="sample-fields">
              <h2 id="sample-fields">Fields</h2>
              <dl className="sample-fields">
                <Field label="Name" value={s.name} />
                <Field
                  label="Status"
                  value={s.deleted_at ? `${s.status} (deleted ${s.deleted_at})` : s.status}
                />
                <Field
                  label="Quantity"
                  value={s.quantity === null ? null : `${s.quantity} ${s.unit ?? ''}`}
                />
                <Field label="Project" value={s.project_id} />
                <Field label="Batch" value={s.batch_id} />
                <Field label="Container" value={s.container_id} />
                <Field label="Lot" value={s.lot_number} />
                <Field label="Lab" value={s.lab_id} />
                <Field label="Created by" value={s.created_by} />
                <Field label="Created (UTC)" value={s.created_at} />
                <Field label="Updated (UTC)" value={s.updated_at} />
                <Field
                  label="Metadata"
                  value={Object.keys(s.metadata).length ? JSON.stringify(s.metadata) : null}
                />
              </dl>
              <div className="sample-actions">
                <StatusDialog sample={s} />
                <MoveDialog sample={s} />
                <SplitDialog sample={s} />
              </div>
            </section>
            <LineageSection sampleId={s.sample_id} />
            <HistorySection sampleId={s.sample_id} />
            <SignaturesSection sampleId={s.sample_id} />
          </>
        )}
      </QueryState>
    </main>
  );
}

function Field({ label, value }: { label: string; value: string | null }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value ?? <span className="muted">—</span>}</dd>
    </>
  );
}

function LineageSection({ sampleId }: { sampleId: string }) {
  const lineage = useQuery({
    queryKey: ['samples', 'lineage', sampleId],
    queryFn: () => getLineage(sampleId),
  });
  return (
    <section aria-labelledby="sample-lineage">
      <h2 id="sample-lineage">Lineage</h2>
      <QueryState
        query={lineage}
        isEmpty={(l) => l.ancestors.length === 0 && l.descendants.length === 0}
        empty="No parents and no aliquots."
      >
        {(l) => (
          <div className="lineage">
            <div>
              <h3 id="lineage-parents">Parents</h3>
              {l.ancestors.length ? (
                <Tree nodes={l.ancestors} labelledBy="lineage-parents" branch="parents" />
              ) : (
                <p className="muted">None: this sample was not split from another.</p>
              )}
            </div>
            <div>
              <h3 id="lineage-children">Aliquots and derivatives</h3>
              {l.descendants.length ? (
                <Tree nodes={l.descendants} labelledBy="lineage-children" branch="children" />
              ) : (
                <p className="muted">None yet.</p>
              )}
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}

function Tree({
  nodes,
  labelledBy,
  branch,
}: {
  nodes: LineageNode[];
  labelledBy?: string;
  branch: 'parents' | 'children';
}) {
  return (
    <ul className="tree" aria-labelledby={labelledBy}>
      {nodes.map((n) => (
        <li key={n.sample_id}>
          <Link to={`/samples/${encodeURIComponent(n.sample_id)}`}>{n.sample_id}</Link>{' '}
          <span className={`status status-${n.status}`}>{n.status}</span>{' '}
          <span className="muted">
            {n.relationship}
            {n.edge_quantity !== null && `, ${n.edge_quantity} ${n.unit ?? ''} at the split`}
          </span>
          {(n[branch]?.length ?? 0) > 0 && <Tree nodes={n[branch] ?? []} branch={branch} />}
        </li>
      ))}
    </ul>
  );
}

/** The fields an event changed, "field: before → after", from the audit event's before and after. */
function changes(item: HistoryItem): string {
  const before = isRecord(item.before) ? item.before : {};
  const after = isRecord(item.after) ? item.after : {};
  if (!isRecord(item.before)) return 'created';
  return Object.keys(after)
    .filter((k) => k !== 'updated_at' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`)
    .join('; ');
}
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const show = (v: unknown) =>
  v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);

function HistorySection({ sampleId }: { sampleId: string }) {
  const history = useQuery({
    queryKey: ['samples', 'history', sampleId],
    queryFn: () => getHistory(sampleId),
  });
  return (
    <section aria-labelledby="sample-history">
      <h2 id="sample-history">History</h2>
      <QueryState query={history} isEmpty={(h) => h.items.length === 0} empty="No recorded events.">
        {(h) => (
          <table aria-labelledby="sample-history" className="history">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Changes</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {h.items.map((e) => (
                <tr key={e.seq}>
                  <td>{e.ts.slice(0, 19).replace('T', ' ')}</td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td>{changes(e)}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}

function SignaturesSection({ sampleId }: { sampleId: string }) {
  const signatures = useQuery({
    queryKey: ['samples', 'signatures', sampleId],
    queryFn: () => getSignatures(sampleId),
  });
  const [meaning, setMeaning] = useState<SampleMeaning>('reviewed');
  const queryClient = useQueryClient();
  return (
    <section aria-labelledby="sample-signatures">
      <h2 id="sample-signatures">Signatures</h2>
      <QueryState query={signatures} isEmpty={(s) => s.length === 0} empty="Not signed.">
        {(items) => (
          <ul className="signatures">
            {items.map((s) => (
              <li key={s.id}>
                {s.manifestation}
                {!s.current && <strong> (the sample changed after this signature)</strong>}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <div className="sign-row">
        <label htmlFor="sign-meaning">Meaning</label>
        <select
          id="sign-meaning"
          value={meaning}
          onChange={(e) => setMeaning(SAMPLE_MEANINGS.find((m) => m === e.target.value) ?? 'reviewed')}
        >
          {SAMPLE_MEANINGS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <SignatureDialog
          trigger={<button type="button">Sign…</button>}
          title={`Sign sample ${sampleId}`}
          record={{ type: 'sample', id: sampleId }}
          meaning={meaning}
          sign={(credentials) => signSample(sampleId, meaning, credentials)}
          onSigned={() =>
            void queryClient.invalidateQueries({ queryKey: ['samples', 'signatures', sampleId] })
          }
        />
      </div>
    </section>
  );
}
