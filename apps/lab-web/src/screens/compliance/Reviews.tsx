// Audit-trail reviews: record a review over a range of the trail (the chain is verified over it), sign
// it with the signature dialog (someone other than its creator), and download its report.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, failure, ProblemError } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import {
  type Manifestation,
  SignatureDialog,
  type SigningCredentials,
} from '../../components/SignatureDialog.tsx';
import { attachmentName, saveBlob } from './download.ts';

const PAGE_SIZE = 20;
const FIELDS = ['from_seq', 'to_seq', 'comment'];
const MEANING = 'Audit trail reviewed';

async function reviewPage(offset: number) {
  const { data, error, response } = await api.GET('/api/audit-trail-reviews', {
    params: { query: { limit: PAGE_SIZE, offset } },
  });
  if (!data) throw failure(error, response);
  return data;
}

type Review = Awaited<ReturnType<typeof reviewPage>>['items'][number];

async function createReview(body: { from_seq: number; to_seq: number; comment: string }) {
  const { data, error, response } = await api.POST('/api/audit-trail-reviews', { body });
  if (!data) throw failure(error, response);
  return data;
}

/** Signs the review, then reads its signature back for the manifestation the dialog shows. */
async function signReview(review: Review, credentials: SigningCredentials): Promise<Manifestation> {
  const { reason, ...rest } = credentials;
  const signed = await api.POST('/api/audit-trail-reviews/{reviewId}/sign', {
    params: { path: { reviewId: review.id } },
    body: { ...rest, ...(reason.trim() ? { reason } : {}) },
  });
  if (!signed.data) throw failure(signed.error, signed.response);
  const { data, error, response } = await api.GET('/api/signatures', {
    params: { query: { record_type: 'audit_trail_review', record_id: review.id } },
  });
  if (!data) throw failure(error, response);
  const signature = data.items.find((s) => s.id === signed.data.signature_id);
  if (!signature)
    throw new ProblemError({ title: 'The signature was recorded but cannot be read', status: 500 });
  return { signer_name: signature.signer_name, signed_at: signature.signed_at, meaning: MEANING };
}

async function downloadReport(review: Review) {
  const { data, error, response } = await api.GET('/api/records/{type}/{id}/report.pdf', {
    params: { path: { type: 'audit_trail_review', id: review.id } },
    parseAs: 'blob',
  });
  if (!data) throw failure(error, response);
  saveBlob(data, attachmentName(response, `audit_trail_review-${review.id}-report.pdf`));
}

export default function Reviews() {
  const [offset, setOffset] = useState(0);
  const list = useQuery({ queryKey: ['audit-reviews', offset], queryFn: () => reviewPage(offset) });
  const next = list.data?.next_offset ?? null;
  return (
    <section aria-labelledby="reviews-title">
      <h2 id="reviews-title">Audit-trail reviews</h2>
      <CreateReview />
      <h3>Reviews, newest first</h3>
      <QueryState query={list} empty="No audit-trail reviews yet." isEmpty={(d) => d.items.length === 0}>
        {(page) => <ReviewTable reviews={page.items} />}
      </QueryState>
      <div className="pager">
        <button
          type="button"
          className="secondary"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          Previous page
        </button>
        <button type="button" disabled={next === null} onClick={() => setOffset(next ?? offset)}>
          Next page
        </button>
      </div>
    </section>
  );
}

/** A number field's value for the API: an empty field is sent as 0 so the API names it. */
const seq = (value: string) => (value.trim() === '' ? 0 : Number(value));

function CreateReview() {
  const client = useQueryClient();
  const [fromSeq, setFromSeq] = useState('');
  const [toSeq, setToSeq] = useState('');
  const [comment, setComment] = useState('');
  const create = useMutation({
    mutationFn: createReview,
    onSuccess: () => {
      setComment('');
      return client.invalidateQueries({ queryKey: ['audit-reviews'] });
    },
  });
  const problem = create.error instanceof ProblemError ? create.error : null;
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ from_seq: seq(fromSeq), to_seq: seq(toSeq), comment });
  }
  return (
    <form className="filters" onSubmit={submit} aria-labelledby="review-create-title" noValidate>
      <h3 id="review-create-title">Record a review</h3>
      <ProblemAlert problem={problem} fields={FIELDS} />
      <div className="filter">
        <TextField
          id="review-from-seq"
          label="From seq"
          inputMode="numeric"
          value={fromSeq}
          onChange={setFromSeq}
          error={fieldError(problem, 'from_seq')}
        />
      </div>
      <div className="filter">
        <TextField
          id="review-to-seq"
          label="To seq"
          inputMode="numeric"
          value={toSeq}
          onChange={setToSeq}
          error={fieldError(problem, 'to_seq')}
        />
      </div>
      <div className="filter wide">
        <TextField
          id="review-comment"
          label="Findings"
          value={comment}
          onChange={setComment}
          error={fieldError(problem, 'comment')}
        />
      </div>
      <div className="filter-actions">
        <button type="submit" disabled={create.isPending}>
          Record review
        </button>
      </div>
      {create.data && (
        <p role="status">
          Review of seq {create.data.from_seq}–{create.data.to_seq} recorded:{' '}
          {create.data.verification.range_valid ? 'the range verifies' : 'the range does not verify'}.
        </p>
      )}
    </form>
  );
}

function ReviewTable({ reviews }: { reviews: Review[] }) {
  return (
    <table aria-label="Audit-trail reviews">
      <thead>
        <tr>
          <th scope="col">Range</th>
          <th scope="col">Verification</th>
          <th scope="col">Findings</th>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {reviews.map((r) => (
          <ReviewRow key={r.id} review={r} />
        ))}
      </tbody>
    </table>
  );
}

function ReviewRow({ review: r }: { review: Review }) {
  const client = useQueryClient();
  // Signed here: the dialog stays mounted to show the manifestation while the list refreshes to `signed`.
  const [signedHere, setSignedHere] = useState(false);
  // Its creator may not sign it (segregation of duties): the API would refuse, so the button is not offered.
  const mine = useSession().user?.email === r.created_by;
  const v = r.verification;
  return (
    <tr aria-label={`Review of seq ${r.from_seq} to ${r.to_seq}`}>
      <td>
        {r.from_seq}–{r.to_seq} ({r.events} events)
      </td>
      <td className={v.range_valid ? 'ok' : 'bad'}>
        {v.range_valid ? 'Range verifies' : `Breaks at ${v.first_invalid_seq} (${v.reason ?? 'no reason'})`} ·
        chain {v.chain_status}
      </td>
      <td>{r.comment}</td>
      <td>
        {r.created_by}, {r.created_at}
      </td>
      <td>
        {r.status === 'signed' ? (
          <>
            Signed by {r.signed_by}, {r.signed_at} ·{' '}
            <Link to={`/compliance/signatures?record_type=audit_trail_review&record_id=${r.id}`}>
              signature
            </Link>
          </>
        ) : (
          'Open'
        )}
      </td>
      <td className="row-actions">
        {r.status === 'open' && mine && <p className="muted">Awaiting another reviewer's signature</p>}
        {((r.status === 'open' && !mine) || signedHere) && (
          <SignatureDialog
            trigger={
              <button type="button" disabled={signedHere}>
                {signedHere ? 'Signed' : 'Sign…'}
              </button>
            }
            title="Sign the audit-trail review"
            record={{
              type: 'Audit-trail review',
              id: r.id,
              summary: `seq ${r.from_seq}–${r.to_seq}: ${r.comment}`,
            }}
            meaning={MEANING}
            sign={(credentials) => signReview(r, credentials)}
            onSigned={() => {
              setSignedHere(true);
              void client.invalidateQueries({ queryKey: ['audit-reviews'] });
            }}
          />
        )}
        <ReportButton review={r} />
      </td>
    </tr>
  );
}

function ReportButton({ review }: { review: Review }) {
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setProblem(null);
    try {
      await downloadReport(review);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => void run()}>
        {busy ? 'Downloading…' : 'Report (PDF)'}
      </button>
      <ProblemAlert problem={problem} />
    </>
  );
}
