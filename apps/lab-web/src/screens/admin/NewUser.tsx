// Create a user with an initial password; the user must change it at first sign-in.
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { ROLE_NAMES } from './roles.ts';

// The password policy names the field `new_password` on this route too (the shared policy check).
const FIELDS = ['email', 'name', 'password', 'new_password', 'roles'] as const;
type Role = (typeof ROLE_NAMES)[number];

export default function NewUser() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (role: Role, on: boolean) =>
    setRoles((current) => (on ? [...current, role] : current.filter((r) => r !== role)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST('/api/users', {
      body: { email, name, password, roles },
    });
    setBusy(false);
    if (!data) return setProblem(failure(error, response));
    await queryClient.invalidateQueries({ queryKey: ['users'] });
    void navigate(`/admin/users/${encodeURIComponent(data.email)}`);
  }

  const rolesError = fieldError(problem, 'roles');
  return (
    <section aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      <form onSubmit={submit} noValidate aria-labelledby="new-user-title">
        <ProblemAlert problem={problem} fields={FIELDS} />
        <TextField
          id="new-user-email"
          label="Email"
          type="email"
          required
          value={email}
          onChange={setEmail}
          error={fieldError(problem, 'email')}
        />
        <TextField
          id="new-user-name"
          label="Name"
          required
          value={name}
          onChange={setName}
          error={fieldError(problem, 'name')}
        />
        <TextField
          id="new-user-password"
          label="Initial password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
          error={fieldError(problem, 'password') ?? fieldError(problem, 'new_password')}
          hint="Give it to the user in person; they must change it at first sign-in."
        />
        <fieldset aria-describedby={rolesError ? 'new-user-roles-error' : undefined}>
          <legend>Roles</legend>
          {ROLE_NAMES.map((role) => (
            <label key={role}>
              <input
                type="checkbox"
                checked={roles.includes(role)}
                onChange={(e) => toggle(role, e.target.checked)}
              />{' '}
              {role}
            </label>
          ))}
          {rolesError && (
            <p id="new-user-roles-error" className="field-error">
              {rolesError}
            </p>
          )}
        </fieldset>
        <button type="submit" disabled={busy}>
          Create user
        </button>
      </form>
    </section>
  );
}
