// Organizations and labs: the lists, and creating either. Renaming, moving and deactivating a lab and
// lab membership are in the API (PATCH /api/labs/{labId}, PUT /api/labs/{labId}/members/{email}) but
// not on this screen yet.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';

async function organizations() {
  const { data, error, response } = await api.GET('/api/organizations');
  if (!data) throw failure(error, response);
  return data.items;
}

async function labs() {
  const { data, error, response } = await api.GET('/api/labs');
  if (!data) throw failure(error, response);
  return data.items;
}

export default function Sites() {
  const orgs = useQuery({ queryKey: ['organizations'], queryFn: organizations });
  const labList = useQuery({ queryKey: ['labs'], queryFn: labs });
  return (
    <>
      <section aria-labelledby="orgs-title">
        <h2 id="orgs-title">Organizations</h2>
        <QueryState query={orgs} empty="No organizations yet." isEmpty={(items) => items.length === 0}>
          {(items) => (
            <table>
              <caption className="visually-hidden">Organizations</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Name</th>
                  <th scope="col">Labs</th>
                </tr>
              </thead>
              <tbody>
                {items.map((org) => (
                  <tr key={org.org_id}>
                    <td>{org.org_id}</td>
                    <td>{org.name}</td>
                    <td>{org.lab_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
        <NewOrganization />
      </section>
      <section aria-labelledby="labs-title">
        <h2 id="labs-title">Labs</h2>
        <QueryState query={labList} empty="No labs yet." isEmpty={(items) => items.length === 0}>
          {(items) => (
            <table>
              <caption className="visually-hidden">Labs</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Name</th>
                  <th scope="col">Organization</th>
                  <th scope="col">Location</th>
                  <th scope="col">Time zone</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {items.map((lab) => (
                  <tr key={lab.lab_id}>
                    <td>{lab.lab_id}</td>
                    <td>{lab.name}</td>
                    <td>{lab.org_id}</td>
                    <td>{lab.location ?? '—'}</td>
                    <td>{lab.timezone}</td>
                    <td>{lab.is_active ? 'active' : 'deactivated'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
        <NewLab orgIds={orgs.data?.map((o) => o.org_id) ?? []} />
      </section>
    </>
  );
}

function NewOrganization() {
  const queryClient = useQueryClient();
  const [orgId, setOrgId] = useState('');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data, error, response } = await api.POST('/api/organizations', { body: { org_id: orgId, name } });
    if (!data) return setProblem(failure(error, response));
    setProblem(null);
    setOrgId('');
    setName('');
    await queryClient.invalidateQueries({ queryKey: ['organizations'] });
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-org-title">
      <h3 id="new-org-title">New organization</h3>
      <ProblemAlert problem={problem} fields={['org_id', 'name']} />
      <TextField
        id="new-org-code"
        label="Code"
        required
        value={orgId}
        onChange={setOrgId}
        error={fieldError(problem, 'org_id')}
      />
      <TextField
        id="new-org-name"
        label="Name"
        required
        value={name}
        onChange={setName}
        error={fieldError(problem, 'name')}
      />
      <button type="submit">Create organization</button>
    </form>
  );
}

function NewLab({ orgIds }: { orgIds: string[] }) {
  const queryClient = useQueryClient();
  const [labId, setLabId] = useState('');
  const [orgId, setOrgId] = useState('');
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const [timezone, setTimezone] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = {
      lab_id: labId,
      org_id: orgId,
      name,
      ...(location ? { location } : {}),
      ...(timezone ? { timezone } : {}),
    };
    const { data, error, response } = await api.POST('/api/labs', { body });
    if (!data) return setProblem(failure(error, response));
    setProblem(null);
    setLabId('');
    setName('');
    setLocation('');
    setTimezone('');
    await queryClient.invalidateQueries({ queryKey: ['labs'] });
    await queryClient.invalidateQueries({ queryKey: ['organizations'] });
  }
  const orgError = fieldError(problem, 'org_id');
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-lab-title">
      <h3 id="new-lab-title">New lab</h3>
      <ProblemAlert problem={problem} fields={['lab_id', 'org_id', 'name', 'location', 'timezone']} />
      <TextField
        id="new-lab-code"
        label="Code"
        required
        value={labId}
        onChange={setLabId}
        error={fieldError(problem, 'lab_id')}
      />
      <label htmlFor="new-lab-org">Organization</label>
      <select
        id="new-lab-org"
        required
        value={orgId}
        onChange={(e) => setOrgId(e.target.value)}
        aria-invalid={orgError ? true : undefined}
        aria-describedby={orgError ? 'new-lab-org-error' : undefined}
      >
        <option value="">choose…</option>
        {orgIds.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
      {orgError && (
        <p id="new-lab-org-error" className="field-error">
          {orgError}
        </p>
      )}
      <TextField
        id="new-lab-name"
        label="Name"
        required
        value={name}
        onChange={setName}
        error={fieldError(problem, 'name')}
      />
      <TextField
        id="new-lab-location"
        label="Location (optional)"
        value={location}
        onChange={setLocation}
        error={fieldError(problem, 'location')}
      />
      <TextField
        id="new-lab-timezone"
        label="Time zone (optional, IANA, e.g. Europe/Zurich)"
        value={timezone}
        onChange={setTimezone}
        error={fieldError(problem, 'timezone')}
      />
      <button type="submit">Create lab</button>
    </form>
  );
}
