// Email and password, then the MFA code when the account has MFA (the API answers `mfa-required`).
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, failure, type ProblemError } from '../api/client.ts';
import { restrictionPath, useSession } from '../auth/session.tsx';
import { fieldError } from '../components/forms.tsx';
import './account/account.css';

export function SignIn() {
  const session = useSession();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfaCode, setMfaCode] = useState('');
  const [needsMfa, setNeedsMfa] = useState(false);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    // refresh_cookie: the refresh token goes into an HttpOnly cookie, never into this page's memory.
    const body = { email, password, refresh_cookie: true, ...(needsMfa ? { mfa_code: mfaCode } : {}) };
    const { data, error, response } = await api.POST('/auth/login', { body });
    setBusy(false);
    if (data) {
      session.signIn(data);
      void navigate(restrictionPath(data.user.restrictions) ?? '/', { replace: true });
      return;
    }
    const failed = failure(error, response);
    // The first answer for an MFA account: ask for the code instead of showing an error.
    if (failed.slug === 'mfa-required' && !needsMfa) {
      setNeedsMfa(true);
      setProblem(null);
      return;
    }
    setProblem(failed);
  }

  const emailError = fieldError(problem, 'email');
  const passwordError = fieldError(problem, 'password');
  const codeError = fieldError(problem, 'mfa_code');
  const general = problem && !emailError && !passwordError && !codeError ? problem : null;
  return (
    <main className="sign-in">
      <h1>POLYMORPH-LITE lab OS</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h2 id="sign-in-title">Sign in</h2>
        {!problem && <SessionEnded />}
        {general && (
          <div role="alert" className="alert">
            <strong>{general.problem.title}</strong>
            {general.problem.detail && <p>{general.problem.detail}</p>}
            {general.slug === 'account-locked' && (
              <p>An administrator can unlock the account before the lock expires.</p>
            )}
          </div>
        )}
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={emailError ? true : undefined}
          aria-describedby={emailError ? 'email-error' : undefined}
        />
        {emailError && (
          <p id="email-error" className="field-error">
            {emailError}
          </p>
        )}
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={passwordError ? true : undefined}
          aria-describedby={passwordError ? 'password-error' : undefined}
        />
        {passwordError && (
          <p id="password-error" className="field-error">
            {passwordError}
          </p>
        )}
        {needsMfa && (
          <>
            <label htmlFor="mfa-code">Authentication code</label>
            <p id="mfa-hint" className="hint">
              The 6-digit code from your authenticator app.
            </p>
            <input
              id="mfa-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              required
              // biome-ignore lint/a11y/noAutofocus: the code field appears after the first submit; focus must follow it
              autoFocus
              value={mfaCode}
              onChange={(e) => setMfaCode(e.target.value)}
              aria-invalid={codeError ? true : undefined}
              aria-describedby={codeError ? 'mfa-hint mfa-error' : 'mfa-hint'}
            />
            {codeError && (
              <p id="mfa-error" className="field-error">
                {codeError}
              </p>
            )}
          </>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** Why the previous session ended, when the user did not sign out themselves. */
function SessionEnded() {
  const { endedBecause, idleTimeoutSeconds } = useSession();
  if (!endedBecause) return null;
  const minutes = idleTimeoutSeconds === null ? null : Math.round(idleTimeoutSeconds / 60);
  return (
    <div role="status" className="notice">
      {endedBecause === 'idle' ? (
        <p>
          You were signed out after {minutes === 1 ? '1 minute' : `${minutes} minutes`} without activity. Sign
          in again to continue.
        </p>
      ) : (
        <p>Your session has ended. Sign in again to continue.</p>
      )}
    </div>
  );
}
