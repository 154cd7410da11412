// TOTP enrolment: the QR code (a PNG data URL from the API) and the key as text, a code to confirm,
// then the recovery codes, shown once.
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, failure, type ProblemError } from '../../api/client.ts';
import { restrictionPath, useSession } from '../../auth/session.tsx';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import './account.css';

type Step =
  | { kind: 'start' }
  | { kind: 'scan'; otpauthUri: string; qrCode: string }
  | { kind: 'codes'; recoveryCodes: string[] };

/** The base32 key inside the otpauth:// URI, for typing into an app that cannot scan. */
const secretOf = (uri: string) => new URL(uri).searchParams.get('secret') ?? '';

export default function MfaEnrolment() {
  const { user, reloadUser } = useSession();
  const navigate = useNavigate();
  const [step, setStep] = useState<Step>({ kind: 'start' });
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setBusy(true);
    const { data, error, response } = await api.POST('/auth/mfa/enroll');
    setBusy(false);
    if (!data) return setProblem(failure(error, response));
    setProblem(null);
    setStep({ kind: 'scan', otpauthUri: data.otpauth_uri, qrCode: data.qr_code });
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST('/auth/mfa/confirm', { body: { code: code.trim() } });
    setBusy(false);
    if (!data) return setProblem(failure(error, response));
    setProblem(null);
    setStep({ kind: 'codes', recoveryCodes: data.recovery_codes });
    await reloadUser();
  }

  // The API's wrong-code problem names no field; it belongs next to the code all the same.
  const wrongCode = problem?.slug === 'invalid-mfa-code';
  const required = user?.restrictions.includes('mfa_enrollment_required') ?? false;
  return (
    <main className="account">
      <h1>Set up two-factor authentication</h1>
      {required && step.kind !== 'codes' && (
        <div role="status" className="notice">
          <p>A role you hold requires two-factor authentication. Set it up before you continue.</p>
        </div>
      )}
      {step.kind === 'start' && (
        <>
          <ProblemAlert problem={problem} />
          <p>
            You will need an authenticator app (for example FreeOTP, Aegis or Google Authenticator). Each
            sign-in then asks for the 6-digit code it shows.
          </p>
          <button type="button" onClick={() => void start()} disabled={busy}>
            Start set-up
          </button>
        </>
      )}
      {step.kind === 'scan' && (
        <form onSubmit={confirm} noValidate aria-label="Confirm two-factor authentication">
          <p>Scan this code with your authenticator app:</p>
          <img className="qr-code" src={step.qrCode} alt="QR code of the authenticator key" />
          <dl>
            <dt>Or enter this key by hand</dt>
            <dd data-testid="mfa-secret">
              <code>{secretOf(step.otpauthUri)}</code>
            </dd>
          </dl>
          <details>
            <summary>Show the full otpauth address</summary>
            <p className="otpauth" data-testid="otpauth-uri">
              {step.otpauthUri}
            </p>
          </details>
          <ProblemAlert problem={wrongCode ? null : problem} fields={['code']} />
          <TextField
            id="mfa-confirm-code"
            label="Code from the app"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={setCode}
            error={fieldError(problem, 'code') ?? (wrongCode ? problem?.message : undefined)}
          />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
        </form>
      )}
      {step.kind === 'codes' && (
        <>
          <div role="status" className="notice">
            <p>Two-factor authentication is on.</p>
          </div>
          <h2 id="recovery-title">Recovery codes</h2>
          <p>
            Each code signs you in once without the app. Store them somewhere safe now: they are not shown
            again.
          </p>
          <ol className="recovery-codes" aria-labelledby="recovery-title">
            {step.recoveryCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
          <button
            type="button"
            onClick={() => void navigate((user && restrictionPath(user.restrictions)) ?? '/')}
          >
            I have saved these codes
          </button>
        </>
      )}
    </main>
  );
}
