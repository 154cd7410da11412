// Change your password: forced when it expired or an administrator set it, optional otherwise.
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { restrictionPath, useSession } from '../../auth/session.tsx';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import './account.css';

const FIELDS = ['current_password', 'new_password'] as const;

function reasonFor(restrictions: readonly string[]): string | null {
  if (restrictions.includes('password_change_required'))
    return 'An administrator set your password. Choose your own before you continue.';
  if (restrictions.includes('password_expired'))
    return 'Your password has expired. Choose a new one before you continue.';
  return null;
}

export default function ChangePassword() {
  const { user, reloadUser } = useSession();
  const navigate = useNavigate();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMismatch(next !== repeat);
    if (next !== repeat) return;
    setBusy(true);
    const body = { current_password: current, new_password: next };
    const { error, response } = await api.POST('/auth/password', { body });
    setBusy(false);
    if (error !== undefined || !response.ok) {
      setProblem(failure(error, response));
      return;
    }
    setProblem(null);
    setDone(true);
    await reloadUser();
  }

  const reason = user ? reasonFor(user.restrictions) : null;
  if (done) {
    const forced = user ? restrictionPath(user.restrictions) : null;
    return (
      <main className="account">
        <h1>Change password</h1>
        <div role="status" className="notice">
          <p>Your password was changed. Your other sessions were signed out.</p>
        </div>
        <button type="button" onClick={() => void navigate(forced ?? '/')}>
          Continue
        </button>
      </main>
    );
  }
  return (
    <main className="account">
      <h1>Change password</h1>
      {reason && (
        <div role="status" className="notice">
          <p>{reason}</p>
        </div>
      )}
      <form onSubmit={submit} noValidate aria-label="Change password">
        <ProblemAlert problem={problem} fields={FIELDS} />
        <TextField
          id="current-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={setCurrent}
          error={fieldError(problem, 'current_password')}
        />
        <TextField
          id="new-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={setNext}
          error={fieldError(problem, 'new_password')}
          hint="At least 12 characters; not one of your last 5 passwords."
        />
        <TextField
          id="repeat-password"
          label="Repeat new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={setRepeat}
          error={mismatch ? 'The two new passwords differ.' : undefined}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </main>
  );
}
