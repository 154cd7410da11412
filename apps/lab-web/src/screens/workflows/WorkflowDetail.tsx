// One workflow: its version history, a version's source, the diff between two versions, and the
// lifecycle steps the version's status allows (submit, signed approval, activation).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { SignatureDialog, type SigningCredentials } from '../../components/SignatureDialog.tsx';
import { signatureManifestation } from '../../components/signatureManifestation.ts';
import { diffOf, versionDetail, versionsOf, type WorkflowVersion } from './api.ts';
import './workflows.css';

export default function WorkflowDetail() {
  const { name = '' } = useParams();
  const versions = useQuery({ queryKey: ['workflow', name, 'versions'], queryFn: () => versionsOf(name) });
  const [picked, setPicked] = useState<number | null>(null);
  const latest = versions.data?.[0]?.version ?? null;
  const shown = picked ?? latest;
  return (
    <main className="workflows">
      <div className="heading-row">
        <h1>Workflow {name}</h1>
        <Link className="button-link" to={`/workflows/${name}/new-version`}>
          New version
        </Link>
      </div>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Version history</h2>
        <QueryState query={versions} empty="No versions." isEmpty={(items) => items.length === 0}>
          {(items) => <VersionTable items={items} shown={shown} onShow={setPicked} />}
        </QueryState>
      </section>
      {shown !== null && versions.data && (
        <>
          <VersionPanel name={name} version={shown} />
          <DiffPanel name={name} version={shown} others={versions.data.map((v) => v.version)} />
        </>
      )}
    </main>
  );
}

function VersionTable(props: { items: WorkflowVersion[]; shown: number | null; onShow(v: number): void }) {
  return (
    <table>
      <caption className="visually-hidden">Versions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Status</th>
          <th scope="col">Author</th>
          <th scope="col">Approved by</th>
          <th scope="col">Effective since</th>
          <th scope="col">
            <span className="visually-hidden">Show</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((v) => (
          <tr key={v.version} aria-current={v.version === props.shown ? 'true' : undefined}>
            <td>v{v.version}</td>
            <td>
              <span className={`status status-${v.status}`}>{v.status}</span>
            </td>
            <td>{v.created_by}</td>
            <td>{v.approved_by ?? '—'}</td>
            <td>{v.effective_at ?? '—'}</td>
            <td>
              <button type="button" className="secondary small" onClick={() => props.onShow(v.version)}>
                Show v{v.version}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VersionPanel({ name, version }: { name: string; version: number }) {
  const detail = useQuery({
    queryKey: ['workflow', name, 'version', version],
    queryFn: () => versionDetail(name, version),
  });
  return (
    <section aria-labelledby="version-heading">
      <h2 id="version-heading">Version {version}</h2>
      <QueryState query={detail}>
        {(v) => (
          <>
            <dl className="facts">
              <dt>Title</dt>
              <dd>{v.title}</dd>
              <dt>Status</dt>
              <dd>
                <span className={`status status-${v.status}`} data-testid="version-status">
                  {v.status}
                </span>
              </dd>
              <dt>Definition hash</dt>
              <dd className="mono">{v.definition_hash}</dd>
            </dl>
            <Lifecycle version={v} />
            <h3>Source ({v.source_format})</h3>
            <pre className="source">{v.source}</pre>
          </>
        )}
      </QueryState>
    </section>
  );
}

/** The next lifecycle step of the version, as its status allows; the API decides who may take it. */
function Lifecycle({ version }: { version: WorkflowVersion }) {
  const client = useQueryClient();
  const path = { name: version.name, version: version.version };
  const refresh = () => client.invalidateQueries({ queryKey: ['workflow', version.name] });

  async function approve(credentials: SigningCredentials) {
    const { data, error, response } = await api.POST('/api/workflows/{name}/versions/{version}/approve', {
      params: { path },
      body: credentials,
    });
    if (!data) throw failure(error, response);
    return signatureManifestation('workflow_version', data.id, data.approval_signature_id);
  }

  async function activate(credentials: SigningCredentials) {
    const { data, error, response } = await api.POST('/api/workflows/{name}/versions/{version}/activate', {
      params: { path },
      body: credentials,
    });
    if (!data) throw failure(error, response);
    return signatureManifestation('workflow_version', data.id, null, 'made_effective');
  }

  const record = {
    type: 'workflow_version',
    id: version.id,
    summary: `${version.title} (definition ${version.definition_hash.slice(0, 12)}…)`,
  };

  if (version.status === 'draft') return <SubmitForm version={version} onDone={refresh} />;
  if (version.status === 'in_review')
    return (
      <SignatureDialog
        trigger={<button type="button">Approve…</button>}
        title={`Approve ${version.name} v${version.version}`}
        record={record}
        meaning="approved"
        sign={approve}
        onClosed={refresh}
      />
    );
  if (version.status === 'approved')
    return (
      <SignatureDialog
        trigger={<button type="button">Make effective…</button>}
        title={`Make ${version.name} v${version.version} effective`}
        record={record}
        meaning="made effective (runs start from this version; the effective one is retired)"
        sign={activate}
        onClosed={refresh}
      />
    );
  return null;
}

/** Submit for review: a reason, then the call; the API's refusal is shown as it comes. */
function SubmitForm(props: { version: WorkflowVersion; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const path = { name: props.version.name, version: props.version.version };
    const body = reason ? { reason } : {};
    const { data, error, response } = await api.POST('/api/workflows/{name}/versions/{version}/submit', {
      params: { path },
      body,
    });
    setBusy(false);
    if (!data) setProblem(failure(error, response));
    else props.onDone();
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Submit for review">
      <ProblemAlert problem={problem} />
      <TextField id="submit-reason" label="Reason" value={reason} onChange={setReason} />
      <button type="submit" disabled={busy}>
        Submit for review
      </button>
    </form>
  );
}

function DiffPanel({ name, version, others }: { name: string; version: number; others: number[] }) {
  const choices = others.filter((v) => v !== version);
  const [against, setAgainst] = useState<number | null>(null);
  const base = against !== null && choices.includes(against) ? against : (choices[0] ?? null);
  const diff = useQuery({
    queryKey: ['workflow', name, 'diff', version, base],
    queryFn: () => diffOf(name, version, base ?? 0),
    enabled: base !== null,
  });
  if (base === null) return null;
  return (
    <section aria-labelledby="diff-heading">
      <h2 id="diff-heading">Changes</h2>
      <label htmlFor="diff-against">Compare v{version} with</label>
      <select id="diff-against" value={base} onChange={(e) => setAgainst(Number(e.target.value))}>
        {choices.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
      <QueryState query={diff} empty="No changes." isEmpty={(d) => d.changes.length === 0}>
        {(d) => (
          <table>
            <caption className="visually-hidden">
              Changes from v{d.from_version} to v{d.to_version}
            </caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Where</th>
                <th scope="col">Was</th>
                <th scope="col">Now</th>
              </tr>
            </thead>
            <tbody>
              {d.changes.map((c) => (
                <tr key={`${c.op}${c.pointer}`} className={`change-${c.op}`}>
                  <td>{c.op}</td>
                  <td className="mono">{c.op === 'moved' ? `${c.from} → ${c.pointer}` : c.pointer}</td>
                  <td className="mono">{c.old === undefined ? '' : JSON.stringify(c.old)}</td>
                  <td className="mono">{c.new === undefined ? '' : JSON.stringify(c.new)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
