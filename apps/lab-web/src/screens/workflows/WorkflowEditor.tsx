// The definition editor: a new workflow, or the next version of one (prefilled with its latest source).
// As you type, the source is parsed and checked against the JSON Schema the API serves; on save, the
// API's validation problem is shown beside the step (or field) at fault.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { versionDetail, versionsOf } from './api.ts';
import {
  type Issue,
  issuesByStep,
  outline,
  parseSource,
  problemIssues,
  schemaIssues,
} from './definition-check.ts';
import './workflows.css';

const TEMPLATE = `schema_version: 1
name: my-workflow
title: My workflow
parameters: []
steps:
  - { id: heat, type: set_temperature, setpoint_c: 40 }
`;

async function definitionSchema() {
  const { data, error, response } = await api.GET('/api/workflows/schema');
  if (!data) throw failure(error, response);
  return data;
}

async function latestSource(name: string) {
  const [latest] = await versionsOf(name);
  if (!latest) return null;
  return versionDetail(name, latest.version);
}

export default function WorkflowEditor() {
  const { name } = useParams();
  const latest = useQuery({
    queryKey: ['workflow', name, 'latest-source'],
    queryFn: () => latestSource(name ?? ''),
    enabled: name !== undefined,
  });
  if (name !== undefined && latest.error)
    return (
      <p role="alert" className="alert">
        Could not load: {latest.error.message}
      </p>
    );
  if (name !== undefined && latest.isPending) return <p className="muted">Loading…</p>;
  const initial = latest.data ?? null;
  return (
    <EditorForm
      name={name ?? null}
      initialSource={initial?.source ?? TEMPLATE}
      initialFormat={initial?.source_format ?? 'yaml'}
    />
  );
}

function EditorForm(props: { name: string | null; initialSource: string; initialFormat: 'yaml' | 'json' }) {
  const navigate = useNavigate();
  const schema = useQuery({ queryKey: ['workflow-schema'], queryFn: definitionSchema, staleTime: Infinity });
  const [source, setSource] = useState(props.initialSource);
  const [format, setFormat] = useState(props.initialFormat);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = useMemo(() => parseSource(source), [source]);
  const clientIssues = useMemo(() => {
    if (parsed.issue) return [parsed.issue];
    return schema.data ? schemaIssues(schema.data, parsed.value) : [];
  }, [parsed, schema.data]);
  const serverIssues = problemIssues(problem);

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const body = { source, format };
    const { data, error, response } = props.name
      ? await api.POST('/api/workflows/{name}/versions', { params: { path: { name: props.name } }, body })
      : await api.POST('/api/workflows', { body });
    setBusy(false);
    if (!data) return setProblem(failure(error, response));
    void navigate(`/workflows/${data.name}`);
  }

  const title = props.name ? `New version of ${props.name}` : 'New workflow';
  return (
    <main className="workflows">
      <h1>{title}</h1>
      <form onSubmit={save} className="editor" noValidate>
        <ProblemAlert problem={serverIssues.length > 0 ? null : problem} />
        <div className="editor-grid">
          <div>
            <label htmlFor="wf-format">Format</label>
            <select
              id="wf-format"
              value={format}
              onChange={(e) => setFormat(e.target.value === 'json' ? 'json' : 'yaml')}
            >
              <option value="yaml">YAML</option>
              <option value="json">JSON</option>
            </select>
            <label htmlFor="wf-source">Definition source</label>
            <textarea
              id="wf-source"
              value={source}
              onChange={(e) => setSource(e.target.value)}
              spellCheck={false}
              rows={24}
              aria-describedby="wf-check"
              aria-invalid={serverIssues.length > 0 ? true : undefined}
            />
          </div>
          <StepOutlineView value={parsed.value} clientIssues={clientIssues} serverIssues={serverIssues} />
        </div>
        <p id="wf-check" className="hint" role="status">
          {schema.error
            ? `The schema could not be loaded (${schema.error.message}); the API still checks on save.`
            : clientIssues.length === 0
              ? 'Valid against the workflow schema.'
              : `${clientIssues.length} schema issue(s) before saving.`}
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save as draft'}
        </button>
      </form>
    </main>
  );
}

/** The steps as parsed, each with the issues at its path: the API's (on save) and the schema's. */
function StepOutlineView(props: { value: unknown; clientIssues: Issue[]; serverIssues: Issue[] }) {
  const steps = outline(props.value);
  const server = issuesByStep(props.serverIssues);
  const client = issuesByStep(props.clientIssues);
  return (
    <section aria-labelledby="outline-heading" className="outline">
      <h2 id="outline-heading">Steps</h2>
      <IssueList label="Definition" server={server.other} client={client.other} />
      <ol>
        {steps.map((step, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a source being typed may repeat an id; the position is the step
          <li key={`${i}-${step.id}`}>
            <span className="mono">{step.id}</span> <span className="muted">{step.type}</span>
            <IssueList
              label={`Step ${step.id}`}
              server={server.steps.get(i) ?? []}
              client={client.steps.get(i) ?? []}
            />
          </li>
        ))}
      </ol>
    </section>
  );
}

function IssueList({ label, server, client }: { label: string; server: Issue[]; client: Issue[] }) {
  if (server.length === 0 && client.length === 0) return null;
  const where = (issue: Issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '');
  return (
    <ul className="issues" aria-label={`Problems in ${label}`}>
      {server.map((issue) => (
        <li key={`s${issue.path.join('/')}${issue.message}`} className="field-error">
          {where(issue)}
          {issue.message}
        </li>
      ))}
      {client.map((issue) => (
        <li key={`c${issue.path.join('/')}${issue.message}`} className="schema-issue">
          {where(issue)}
          {issue.message} <span className="muted">(schema)</span>
        </li>
      ))}
    </ul>
  );
}
