// One user: state, roles, and the administrator's actions, each with the reason the audit trail keeps.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, failure, ProblemError } from '../../api/client.ts';
import type { components } from '../../api/generated/lab.d.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { ROLE_NAMES } from './roles.ts';
import { UserState } from './Users.tsx';

type User = components['schemas']['User'];

async function fetchUser(email: string) {
  const { data, error, response } = await api.GET('/api/users/{email}', { params: { path: { email } } });
  if (!data) throw failure(error, response);
  return data;
}

/** A call that answers the user (or nothing); throws the route's problem. */
type Action = (reason: string) => Promise<unknown>;

export default function UserDetail() {
  const email = useParams().email ?? '';
  const query = useQuery({ queryKey: ['users', 'one', email], queryFn: () => fetchUser(email) });
  return (
    <section aria-labelledby="user-title">
      <p>
        <Link to="/admin">All users</Link>
      </p>
      <QueryState query={query}>{(user) => <UserPanel user={user} />}</QueryState>
    </section>
  );
}

function UserPanel({ user }: { user: User }) {
  const path = { email: user.email };
  const [temporary, setTemporary] = useState<string | null>(null);
  const unlock: Action = async (reason) => {
    const body = reason ? { reason } : {};
    const { error, response } = await api.POST('/api/users/{email}/unlock', { params: { path }, body });
    if (!response.ok) throw failure(error, response);
  };
  const setActive =
    (is_active: boolean): Action =>
    async (reason) => {
      const { error, response } = await api.PATCH('/api/users/{email}', {
        params: { path },
        body: { is_active, reason },
      });
      if (!response.ok) throw failure(error, response);
    };
  const reset =
    (reset_mfa: boolean): Action =>
    async (reason) => {
      const { data, error, response } = await api.POST('/api/users/{email}/credentials/reset', {
        params: { path },
        body: { reason, reset_mfa },
      });
      if (!data) throw failure(error, response);
      setTemporary(data.temporary_password);
    };
  return (
    <>
      <h2 id="user-title">{user.name}</h2>
      <dl>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>State</dt>
        <dd>
          <UserState user={user} />
        </dd>
        <dt>Created</dt>
        <dd>{new Date(user.created_at).toLocaleString()}</dd>
      </dl>
      {temporary && (
        <div role="status" className="notice">
          <p>
            Temporary password, shown only now: <code className="temporary-password">{temporary}</code>
          </p>
          <p>Hand it to the user in person or by a second channel. They must change it at sign-in.</p>
        </div>
      )}
      <Roles user={user} />
      <h3>Actions</h3>
      {user.locked && (
        <ActionForm id="unlock" label="Unlock" user={user} action={unlock} reasonOptional>
          The account is locked after too many failed sign-ins.
        </ActionForm>
      )}
      <ActionForm id="reset-password" label="Reset password" user={user} action={reset(false)}>
        A temporary password replaces the current one; the MFA enrolment stays.
      </ActionForm>
      <ActionForm id="reset-mfa" label="Reset password and MFA" user={user} action={reset(true)}>
        For a lost authenticator: a temporary password, and the MFA enrolment and recovery codes are removed.
      </ActionForm>
      {user.is_active ? (
        <ActionForm id="deactivate" label="Deactivate" user={user} action={setActive(false)}>
          Ends all the user's sessions; users are never deleted.
        </ActionForm>
      ) : (
        <ActionForm id="reactivate" label="Reactivate" user={user} action={setActive(true)}>
          The user can sign in again.
        </ActionForm>
      )}
    </>
  );
}

/** One action with its reason field; on success the user is read again. */
function ActionForm(props: {
  id: string;
  label: string;
  user: User;
  action: Action;
  reasonOptional?: boolean;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await props.action(reason);
      setProblem(null);
      setReason('');
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setProblem(
        error instanceof ProblemError ? error : new ProblemError({ title: String(error), status: 0 }),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${props.id}-title`} className="action">
      <h4 id={`${props.id}-title`}>{props.label}</h4>
      <p className="hint">{props.children}</p>
      <ProblemAlert problem={problem} fields={['reason']} />
      <TextField
        id={`${props.id}-reason`}
        label={props.reasonOptional ? 'Reason (optional)' : 'Reason'}
        required={!props.reasonOptional}
        value={reason}
        onChange={setReason}
        error={fieldError(problem, 'reason')}
      />
      <button type="submit" disabled={busy}>
        {props.label}
      </button>
    </form>
  );
}

function Roles({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const [role, setRole] = useState<string>('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const path = { email: user.email };
  const done = async (error: unknown, response: Response) => {
    if (!response.ok) return setProblem(failure(error, response));
    setProblem(null);
    setReason('');
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  async function grant(event: FormEvent) {
    event.preventDefault();
    const body = { role, ...(reason ? { reason } : {}) };
    const { error, response } = await api.POST('/api/users/{email}/roles', { params: { path }, body });
    await done(error, response);
  }
  async function revoke(name: string) {
    const { error, response } = await api.DELETE('/api/users/{email}/roles/{role}', {
      params: { path: { ...path, role: name }, query: reason ? { reason } : {} },
    });
    await done(error, response);
  }
  const grantable = ROLE_NAMES.filter((r) => !user.roles.includes(r));
  return (
    <section aria-labelledby="roles-title">
      <h3 id="roles-title">Roles</h3>
      <ProblemAlert problem={problem} fields={['reason', 'role']} />
      {user.roles.length === 0 ? (
        <p className="muted">No roles.</p>
      ) : (
        <ul>
          {user.roles.map((r) => (
            <li key={r}>
              {r}{' '}
              <button type="button" onClick={() => void revoke(r)} aria-label={`Revoke ${r}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={grant} noValidate className="inline" aria-label="Grant a role">
        <span>
          <label htmlFor="grant-role">Role</label>{' '}
          <select id="grant-role" value={role} onChange={(e) => setRole(e.target.value)} required>
            <option value="">choose…</option>
            {grantable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </span>
        <span>
          <TextField
            id="role-reason"
            label="Reason (optional)"
            value={reason}
            onChange={setReason}
            error={fieldError(problem, 'reason')}
          />
        </span>
        <button type="submit" disabled={!role}>
          Grant
        </button>
      </form>
    </section>
  );
}
