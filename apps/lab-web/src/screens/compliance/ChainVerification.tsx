// Verify the chain: the whole trail checked against the signed checkpoints, and where it breaks.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, failure, ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';

async function verifyChain() {
  const { data, error, response } = await api.GET('/api/compliance/audit/verify');
  if (!data) throw failure(error, response);
  return data;
}

async function signMissing() {
  const { data, error, response } = await api.POST('/api/compliance/audit/checkpoints/missing');
  if (!data) throw failure(error, response);
  return data;
}

type Verification = Awaited<ReturnType<typeof verifyChain>>;

const STATUS_TEXT: Record<Verification['status'], string> = {
  valid: 'Intact',
  unsealed: 'Intact, not sealed on schedule',
  broken: 'Broken',
};

export default function ChainVerification() {
  const verification = useQuery({ queryKey: ['audit', 'verify'], queryFn: verifyChain });
  return (
    <section aria-labelledby="verify-title">
      <h2 id="verify-title">Verify the audit chain</h2>
      <p className="muted">
        Every event's hash and link is recomputed from the first event and checked against the signed
        checkpoints.
      </p>
      <button type="button" onClick={() => void verification.refetch()} disabled={verification.isFetching}>
        {verification.isFetching ? 'Verifying…' : 'Verify the chain'}
      </button>
      <div aria-live="polite">
        <QueryState query={verification}>{(v) => <VerificationResult v={v} />}</QueryState>
      </div>
    </section>
  );
}

function VerificationResult({ v }: { v: Verification }) {
  return (
    <dl className={`verification ${v.valid ? 'ok' : 'bad'}`}>
      <dt>Result</dt>
      <dd>
        <output aria-label="Chain status">{STATUS_TEXT[v.status]}</output>
      </dd>
      <dt>Events checked</dt>
      <dd>
        <output aria-label="Events checked">{v.checked}</output>
      </dd>
      {v.first_invalid_seq !== null && (
        <>
          <dt>Breaks at</dt>
          <dd>
            <output aria-label="First invalid event">{v.first_invalid_seq}</output> (
            {v.reason ?? 'no reason given'}) ·{' '}
            <Link to={`/compliance?order=asc&cursor=${Math.max(0, v.first_invalid_seq - 1)}`}>
              open the trail there
            </Link>
          </dd>
        </>
      )}
      {v.unsealed && (
        <>
          <dt>Not yet sealed</dt>
          <dd>
            {v.unsealed.count} events from seq {v.unsealed.first_seq} (oldest {v.unsealed.oldest_ts}) have no
            checkpoint yet
          </dd>
        </>
      )}
      {v.missing_checkpoints && (
        <>
          <dt>Missing checkpoints</dt>
          <dd>
            {v.missing_checkpoints.count} from seq {v.missing_checkpoints.first_seq} <SignMissingButton />
          </dd>
        </>
      )}
    </dl>
  );
}

function SignMissingButton() {
  const client = useQueryClient();
  const sign = useMutation({
    mutationFn: signMissing,
    onSuccess: () => client.invalidateQueries({ queryKey: ['audit'] }),
  });
  const problem = sign.error instanceof ProblemError ? sign.error : null;
  return (
    <>
      <button type="button" onClick={() => sign.mutate()} disabled={sign.isPending}>
        Sign the missing checkpoints
      </button>
      {sign.data && <span role="status"> Signed {sign.data.signed.length} checkpoints.</span>}
      <ProblemAlert problem={problem} />
    </>
  );
}
