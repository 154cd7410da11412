// Containers: the list with occupancy (filter by location and free space), create, and the detail with
// the samples inside, placing or moving a sample in, and a change of location with a reason.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import { apiData, problemOf } from '../../components/api-data.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import './lims.css';

const LIMIT = 50;

export function ContainersScreen() {
  const [location, setLocation] = useState('');
  const [hasSpace, setHasSpace] = useState(false);
  const [offset, setOffset] = useState(0);
  const filter = { location: location.trim() || undefined, has_space: hasSpace || undefined };
  const containers = useQuery({
    queryKey: ['containers', filter, offset],
    queryFn: () =>
      apiData(api.GET('/api/containers', { params: { query: { limit: LIMIT, offset, ...filter } } })),
  });
  return (
    <main className="lims">
      <h1>Containers</h1>
      <div className="filters">
        <div>
          <TextField
            id="container-location-filter"
            label="Location"
            value={location}
            onChange={(v) => {
              setLocation(v);
              setOffset(0);
            }}
          />
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={hasSpace}
            onChange={(e) => {
              setHasSpace(e.target.checked);
              setOffset(0);
            }}
          />
          With free space only
        </label>
      </div>
      <QueryState query={containers} empty="No containers match." isEmpty={(d) => d.items.length === 0}>
        {(page) => (
          <>
            <table>
              <caption className="visually-hidden">Containers</caption>
              <thead>
                <tr>
                  <th scope="col">Container</th>
                  <th scope="col">Type</th>
                  <th scope="col">Location</th>
                  <th scope="col">Occupancy</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((c) => (
                  <tr key={c.container_id}>
                    <td>
                      <Link to={`/containers/${encodeURIComponent(c.container_id)}`}>{c.container_id}</Link>
                    </td>
                    <td>{c.container_type}</td>
                    <td>{c.location}</td>
                    <td>
                      {c.occupancy} / {c.capacity}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              offset={offset}
              limit={LIMIT}
              nextOffset={page.next_offset}
              onChange={setOffset}
              label="Containers"
            />
          </>
        )}
      </QueryState>
      <CreateContainer />
    </main>
  );
}

const CONTAINER_FIELDS = ['container_id', 'container_type', 'location', 'capacity'] as const;

function CreateContainer() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [containerId, setContainerId] = useState('');
  const [type, setType] = useState('');
  const [location, setLocation] = useState('');
  const [capacity, setCapacity] = useState('');
  const create = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/containers', {
          body: { container_id: containerId, container_type: type, location, capacity: Number(capacity) },
        }),
      ),
    onSuccess: async (container) => {
      await client.invalidateQueries({ queryKey: ['containers'] });
      await navigate(`/containers/${encodeURIComponent(container.container_id)}`);
    },
  });
  const problem = problemOf(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="create-container-title" className="panel">
      <h2 id="create-container-title">New container</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={CONTAINER_FIELDS} />
        <TextField
          id="container-id"
          label="Container ID"
          value={containerId}
          onChange={setContainerId}
          error={fieldError(problem, 'container_id')}
        />
        <TextField
          id="container-type"
          label="Type"
          hint="e.g. cryobox-81, rack-96"
          value={type}
          onChange={setType}
          error={fieldError(problem, 'container_type')}
        />
        <TextField
          id="container-location"
          label="Location"
          hint="site/room/freezer/shelf/box/position"
          value={location}
          onChange={setLocation}
          error={fieldError(problem, 'location')}
        />
        <TextField
          id="container-capacity"
          label="Capacity"
          inputMode="numeric"
          value={capacity}
          onChange={setCapacity}
          error={fieldError(problem, 'capacity')}
        />
        <button type="submit" disabled={create.isPending}>
          Create container
        </button>
      </form>
    </section>
  );
}

function PlaceSample({ containerId }: { containerId: string }) {
  const client = useQueryClient();
  const [sampleId, setSampleId] = useState('');
  const [reason, setReason] = useState('');
  const place = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/containers/{containerId}/samples', {
          params: { path: { containerId } },
          body: { sample_id: sampleId, reason },
        }),
      ),
    onSuccess: async () => {
      setSampleId('');
      setReason('');
      await client.invalidateQueries({ queryKey: ['container', containerId] });
    },
  });
  const problem = problemOf(place.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    place.mutate();
  }
  return (
    <section aria-labelledby="place-sample-title" className="panel">
      <h2 id="place-sample-title">Place or move a sample here</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={['sample_id', 'reason']} />
        <TextField
          id="place-sample-id"
          label="Sample ID"
          value={sampleId}
          onChange={setSampleId}
          error={fieldError(problem, 'sample_id')}
        />
        <TextField
          id="place-reason"
          label="Reason"
          value={reason}
          onChange={setReason}
          error={fieldError(problem, 'reason')}
        />
        <button type="submit" disabled={place.isPending}>
          Place sample
        </button>
      </form>
    </section>
  );
}

function MoveContainer({ containerId, location }: { containerId: string; location: string }) {
  const client = useQueryClient();
  const [next, setNext] = useState(location);
  const [reason, setReason] = useState('');
  const move = useMutation({
    mutationFn: () =>
      apiData(
        api.PATCH('/api/containers/{containerId}', {
          params: { path: { containerId } },
          body: { location: next, reason },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['container', containerId] }),
  });
  const problem = problemOf(move.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    move.mutate();
  }
  return (
    <section aria-labelledby="move-container-title" className="panel">
      <h2 id="move-container-title">Move the container</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={['location', 'reason']} />
        <TextField
          id="move-location"
          label="New location"
          value={next}
          onChange={setNext}
          error={fieldError(problem, 'location')}
        />
        <TextField
          id="move-reason"
          label="Reason"
          value={reason}
          onChange={setReason}
          error={fieldError(problem, 'reason')}
        />
        <button type="submit" disabled={move.isPending}>
          Move container
        </button>
      </form>
    </section>
  );
}

export function ContainerDetailScreen() {
  const containerId = useParams().containerId ?? '';
  const container = useQuery({
    queryKey: ['container', containerId],
    queryFn: () => apiData(api.GET('/api/containers/{containerId}', { params: { path: { containerId } } })),
  });
  return (
    <main className="lims">
      <p>
        <Link to="/containers">← Containers</Link>
      </p>
      <h1>Container {containerId}</h1>
      <QueryState query={container}>
        {(c) => (
          <>
            <dl className="facts">
              <dt>Type</dt>
              <dd>{c.container_type}</dd>
              <dt>Location</dt>
              <dd>{c.location}</dd>
              <dt>Occupancy</dt>
              <dd>
                <output aria-label="Occupancy">
                  {c.occupancy} / {c.capacity}
                </output>
              </dd>
            </dl>
            <section aria-labelledby="container-samples-title">
              <h2 id="container-samples-title">Contents</h2>
              {c.samples.length === 0 ? (
                <p className="muted">Empty.</p>
              ) : (
                <ul>
                  {c.samples.map((s) => (
                    <li key={s.sample_id}>
                      {s.sample_id} ({s.status})
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <div className="two-up">
              <PlaceSample containerId={c.container_id} />
              <MoveContainer key={c.location} containerId={c.container_id} location={c.location} />
            </div>
          </>
        )}
      </QueryState>
    </main>
  );
}
