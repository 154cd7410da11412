// The one signing dialog (21 CFR 11.50, 11.200): it shows what is signed and what the signature means,
// asks for the credentials the signing rules require, and then shows the manifestation the API recorded.
import * as Dialog from '@radix-ui/react-dialog';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ProblemError } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';
import { fieldError, ProblemAlert, TextField } from './forms.tsx';

/** What every signing route accepts besides its own fields. */
export interface SigningCredentials {
  user_id: string;
  password: string;
  mfa_code?: string;
  reason: string;
}

/** What the signature dialog shows once signed: printed name, UTC time and meaning (11.50(a)). */
export interface Manifestation {
  signer_name: string;
  signed_at: string;
  meaning: string;
}

export interface SignatureDialogProps {
  /** The button that opens the dialog, e.g. <button>Release…</button>. */
  trigger: ReactNode;
  title: string;
  /** The record signed, as the signer must see it before signing. */
  record: { type: string; id: string; summary?: ReactNode };
  meaning: string;
  /** Calls the signing route; throws the route's ProblemError on refusal. */
  sign(credentials: SigningCredentials): Promise<Manifestation>;
  onSigned?(manifestation: Manifestation): void;
}

const FIELDS = ['user_id', 'password', 'mfa_code', 'reason'] as const;

export function SignatureDialog(props: SignatureDialogProps) {
  const [open, setOpen] = useState(false);
  const [signed, setSigned] = useState<Manifestation | null>(null);
  function change(next: boolean) {
    setOpen(next);
    if (!next) setSigned(null);
  }
  return (
    <Dialog.Root open={open} onOpenChange={change}>
      <Dialog.Trigger asChild>{props.trigger}</Dialog.Trigger>
      <Dialog.Portal>
        {/* A plain backdrop: Radix's Overlay locks scrolling with an injected <style>, which the CSP blocks. */}
        <div className="dialog-overlay" />
        <Dialog.Content className="dialog" aria-describedby="signature-record">
          <Dialog.Title>{props.title}</Dialog.Title>
          <dl id="signature-record" className="record-summary">
            <dt>Record</dt>
            <dd>
              {props.record.type} {props.record.id}
            </dd>
            {props.record.summary && (
              <>
                <dt>Content</dt>
                <dd>{props.record.summary}</dd>
              </>
            )}
            <dt>Meaning</dt>
            <dd>{props.meaning}</dd>
          </dl>
          {signed ? (
            <SignedManifestation manifestation={signed} />
          ) : (
            <CredentialsForm
              {...props}
              onSigned={(m) => {
                setSigned(m);
                props.onSigned?.(m);
              }}
            />
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function SignedManifestation({ manifestation }: { manifestation: Manifestation }) {
  return (
    <div role="status" className="manifestation">
      <p>Signed.</p>
      <dl>
        <dt>Printed name</dt>
        <dd>{manifestation.signer_name}</dd>
        <dt>Date and time (UTC)</dt>
        <dd>{manifestation.signed_at}</dd>
        <dt>Meaning</dt>
        <dd>{manifestation.meaning}</dd>
      </dl>
      <Dialog.Close asChild>
        <button type="button">Close</button>
      </Dialog.Close>
    </div>
  );
}

function CredentialsForm({ sign, onSigned }: Pick<SignatureDialogProps, 'sign' | 'onSigned'>) {
  const { user } = useSession();
  const [userId, setUserId] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [mfaCode, setMfaCode] = useState('');
  const [reason, setReason] = useState('');
  // The MFA field appears when the rules ask for it: the API answers `mfa-required` to a signer enrolled in MFA.
  const [needsMfa, setNeedsMfa] = useState(false);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const credentials = { user_id: userId, password, reason, ...(needsMfa ? { mfa_code: mfaCode } : {}) };
      onSigned?.(await sign(credentials));
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      if (error.slug === 'mfa-required' && !needsMfa) setNeedsMfa(true);
      else setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ProblemAlert problem={problem} fields={FIELDS} />
      <TextField
        id="sign-user-id"
        label="User ID (email)"
        autoComplete="username"
        value={userId}
        onChange={setUserId}
        error={fieldError(problem, 'user_id')}
      />
      <TextField
        id="sign-password"
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        error={fieldError(problem, 'password')}
      />
      {needsMfa && (
        <TextField
          id="sign-mfa-code"
          label="Authentication code"
          hint="Your account uses MFA: the 6-digit code from your authenticator app."
          inputMode="numeric"
          autoComplete="one-time-code"
          value={mfaCode}
          onChange={setMfaCode}
          error={fieldError(problem, 'mfa_code')}
        />
      )}
      <TextField
        id="sign-reason"
        label="Reason"
        value={reason}
        onChange={setReason}
        error={fieldError(problem, 'reason')}
      />
      <div className="actions">
        <Dialog.Close asChild>
          <button type="button" className="secondary">
            Cancel
          </button>
        </Dialog.Close>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing…' : 'Sign'}
        </button>
      </div>
    </form>
  );
}
