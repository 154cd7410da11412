// Projects: the list with search and status, create, and the detail with its batches and archive.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import { apiData, problemOf } from '../../components/api-data.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { SelectField } from '../../components/SelectField.tsx';
import { BatchTable, CreateBatch } from './Batches.tsx';
import './lims.css';

const LIMIT = 50;
const PROJECT_STATUSES = ['active', 'archived'] as const;
const asStatus = (v: string) => PROJECT_STATUSES.find((s) => s === v);

export function ProjectsScreen() {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('active');
  const [offset, setOffset] = useState(0);
  const filter = { status: asStatus(status), q: q.trim() || undefined };
  const projects = useQuery({
    queryKey: ['projects', filter, offset],
    queryFn: () =>
      apiData(api.GET('/api/projects', { params: { query: { limit: LIMIT, offset, ...filter } } })),
  });
  return (
    <main className="lims">
      <h1>Projects</h1>
      <div className="filters">
        <div>
          <TextField
            id="project-search"
            label="Search"
            type="search"
            value={q}
            onChange={(v) => {
              setQ(v);
              setOffset(0);
            }}
          />
        </div>
        <div>
          <SelectField
            id="project-status-filter"
            label="Status"
            value={status}
            onChange={(v) => {
              setStatus(v);
              setOffset(0);
            }}
            options={[{ value: '', label: 'Any' }, 'active', 'archived']}
          />
        </div>
      </div>
      <QueryState query={projects} empty="No projects match." isEmpty={(d) => d.items.length === 0}>
        {(page) => (
          <>
            <table>
              <caption className="visually-hidden">Projects</caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((p) => (
                  <tr key={p.project_id}>
                    <td>
                      <Link to={`/projects/${encodeURIComponent(p.project_id)}`}>{p.project_id}</Link>
                    </td>
                    <td>{p.name}</td>
                    <td>{p.status}</td>
                    <td>{p.created_at}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              offset={offset}
              limit={LIMIT}
              nextOffset={page.next_offset}
              onChange={setOffset}
              label="Projects"
            />
          </>
        )}
      </QueryState>
      <CreateProject />
    </main>
  );
}

const PROJECT_FIELDS = ['project_id', 'name', 'description'] as const;

function CreateProject() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [projectId, setProjectId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/projects', {
          body: { project_id: projectId, name, ...(description ? { description } : {}) },
        }),
      ),
    onSuccess: async (project) => {
      await client.invalidateQueries({ queryKey: ['projects'] });
      await navigate(`/projects/${encodeURIComponent(project.project_id)}`);
    },
  });
  const problem = problemOf(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="create-project-title" className="panel">
      <h2 id="create-project-title">New project</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={PROJECT_FIELDS} />
        <TextField
          id="project-id"
          label="Project ID"
          value={projectId}
          onChange={setProjectId}
          error={fieldError(problem, 'project_id')}
        />
        <TextField
          id="project-name"
          label="Name"
          value={name}
          onChange={setName}
          error={fieldError(problem, 'name')}
        />
        <TextField
          id="project-description"
          label="Description"
          value={description}
          onChange={setDescription}
          error={fieldError(problem, 'description')}
        />
        <button type="submit" disabled={create.isPending}>
          Create project
        </button>
      </form>
    </section>
  );
}

function ArchiveProject({ projectId }: { projectId: string }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const archive = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/projects/{projectId}/archive', { params: { path: { projectId } }, body: { reason } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['project', projectId] }),
  });
  const problem = problemOf(archive.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    archive.mutate();
  }
  return (
    <form onSubmit={submit} noValidate className="stack panel" aria-labelledby="archive-project-title">
      <h2 id="archive-project-title">Archive</h2>
      <p className="hint">An archived project takes no new batches.</p>
      <ProblemAlert problem={problem} fields={['reason']} />
      <TextField
        id="archive-reason"
        label="Reason"
        value={reason}
        onChange={setReason}
        error={fieldError(problem, 'reason')}
      />
      <button type="submit" className="secondary" disabled={archive.isPending}>
        Archive project
      </button>
    </form>
  );
}

export function ProjectDetailScreen() {
  const projectId = useParams().projectId ?? '';
  const project = useQuery({
    queryKey: ['project', projectId],
    queryFn: () => apiData(api.GET('/api/projects/{projectId}', { params: { path: { projectId } } })),
  });
  const batches = useQuery({
    queryKey: ['batches', { project_id: projectId }],
    queryFn: () =>
      apiData(
        api.GET('/api/batches', { params: { query: { project_id: projectId, limit: 100, offset: 0 } } }),
      ),
  });
  return (
    <main className="lims">
      <p>
        <Link to="/projects">← Projects</Link>
      </p>
      <h1>Project {projectId}</h1>
      <QueryState query={project}>
        {(p) => (
          <>
            <dl className="facts">
              <dt>Name</dt>
              <dd>{p.name}</dd>
              <dt>Status</dt>
              <dd>{p.status}</dd>
              <dt>Description</dt>
              <dd>{p.description ?? '—'}</dd>
              <dt>Batches</dt>
              <dd>{p.batch_count}</dd>
              <dt>Samples</dt>
              <dd>{p.sample_count}</dd>
              <dt>Created</dt>
              <dd>
                {p.created_at} by {p.created_by}
              </dd>
            </dl>
            {p.status === 'active' && (
              <>
                <CreateBatch projectId={p.project_id} />
                <ArchiveProject projectId={p.project_id} />
              </>
            )}
          </>
        )}
      </QueryState>
      <section aria-labelledby="project-batches-title">
        <h2 id="project-batches-title">Batches</h2>
        <QueryState query={batches} empty="No batches yet." isEmpty={(d) => d.items.length === 0}>
          {(page) => <BatchTable batches={page.items} caption="Batches of the project" />}
        </QueryState>
      </section>
    </main>
  );
}
