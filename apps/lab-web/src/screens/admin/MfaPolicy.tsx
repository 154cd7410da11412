// The MFA policy: which roles require two-factor authentication. Holders of such a role must enrol
// before anything else.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { ROLE_NAMES } from './roles.ts';

type RoleView = Awaited<ReturnType<typeof roles>>[number];

async function roles() {
  const { data, error, response } = await api.GET('/api/roles');
  if (!data) throw failure(error, response);
  return data.items;
}

export default function MfaPolicy() {
  const query = useQuery({ queryKey: ['roles'], queryFn: roles });
  return (
    <section aria-labelledby="mfa-policy-title">
      <h2 id="mfa-policy-title">MFA policy</h2>
      <p>
        A role that requires MFA sends its holders to set up two-factor authentication at their next sign-in;
        until they do, nothing else answers.
      </p>
      <QueryState query={query} empty="No roles." isEmpty={(items) => items.length === 0}>
        {(items) => (
          <table>
            <caption className="visually-hidden">Roles and their MFA requirement</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">What it may do</th>
                <th scope="col">MFA</th>
              </tr>
            </thead>
            <tbody>
              {items.map((role) => (
                <RoleRow key={role.name} role={role} />
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}

function RoleRow({ role }: { role: RoleView }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const id = `mfa-${role.name}`;
  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = ROLE_NAMES.find((r) => r === role.name);
    if (!name) return;
    const { error, response } = await api.PATCH('/api/roles/{role}', {
      params: { path: { role: name } },
      body: { mfa_required: !role.mfa_required, reason },
    });
    if (!response.ok) return setProblem(failure(error, response));
    setProblem(null);
    setReason('');
    await queryClient.invalidateQueries({ queryKey: ['roles'] });
  }
  return (
    <tr>
      <th scope="row">{role.name}</th>
      <td>{role.description}</td>
      <td>
        <p>{role.mfa_required ? 'required' : 'not required'}</p>
        <form onSubmit={submit} noValidate aria-label={`MFA for ${role.name}`}>
          <ProblemAlert problem={problem} fields={['reason']} />
          <TextField
            id={`${id}-reason`}
            label="Reason"
            required
            value={reason}
            onChange={setReason}
            error={fieldError(problem, 'reason')}
          />
          <button type="submit">{role.mfa_required ? 'Stop requiring MFA' : 'Require MFA'}</button>
        </form>
      </td>
    </tr>
  );
}
