// Signatures: the electronic signatures of one record, each with whether it is still current (the record
// has not changed since) and whether the server's signature over its manifest verifies.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, failure, ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';

// The record types the signing rules know (apps/lab platform/access/signing-authority.ts).
const RECORD_TYPES = ['batch', 'sample', 'workflow_version', 'run', 'audit_trail_review', 'user'];
const FIELDS = ['querystring.record_type', 'querystring.record_id'];

async function signaturesOf(recordType: string, recordId: string) {
  const { data, error, response } = await api.GET('/api/signatures', {
    params: { query: { record_type: recordType, record_id: recordId } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

export default function Signatures() {
  const [params, setParams] = useSearchParams();
  const recordType = params.get('record_type') ?? '';
  const recordId = params.get('record_id') ?? '';
  const [draftType, setDraftType] = useState(recordType);
  const [draftId, setDraftId] = useState(recordId);
  const chosen = recordType !== '' && recordId !== '';
  const list = useQuery({
    queryKey: ['signatures', recordType, recordId],
    queryFn: () => signaturesOf(recordType, recordId),
    enabled: chosen,
  });
  const problem = list.error instanceof ProblemError ? list.error : null;
  function submit(event: FormEvent) {
    event.preventDefault();
    setParams({ record_type: draftType.trim(), record_id: draftId.trim() });
  }
  return (
    <section aria-labelledby="signatures-title">
      <h2 id="signatures-title">Signatures</h2>
      <form className="filters" onSubmit={submit} aria-label="Record" noValidate>
        <ProblemAlert problem={problem} fields={FIELDS} />
        <div className="filter">
          <TextField
            id="signature-record-type"
            label="Record type"
            list="signature-record-types"
            value={draftType}
            onChange={setDraftType}
            error={fieldError(problem, 'querystring.record_type')}
          />
          <datalist id="signature-record-types">
            {RECORD_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
        <div className="filter">
          <TextField
            id="signature-record-id"
            label="Record id"
            value={draftId}
            onChange={setDraftId}
            error={fieldError(problem, 'querystring.record_id')}
          />
        </div>
        <div className="filter-actions">
          <button type="submit">Show signatures</button>
        </div>
      </form>
      {chosen ? (
        <QueryState
          query={list}
          empty="This record has no signatures."
          isEmpty={(items) => items.length === 0}
        >
          {(items) => <SignatureTable items={items} />}
        </QueryState>
      ) : (
        <p className="muted">Choose a record to see its signatures.</p>
      )}
    </section>
  );
}

type Signature = Awaited<ReturnType<typeof signaturesOf>>[number];

function Flag({ value, yes, no }: { value: boolean; yes: string; no: string }) {
  return <span className={value ? 'ok' : 'bad'}>{value ? yes : no}</span>;
}

function SignatureTable({ items }: { items: Signature[] }) {
  return (
    <table aria-label="Signatures">
      <thead>
        <tr>
          <th scope="col">Manifestation</th>
          <th scope="col">Signer</th>
          <th scope="col">Meaning</th>
          <th scope="col">Reason</th>
          <th scope="col">Current</th>
          <th scope="col">Signature valid</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.id}>
            <td>{s.manifestation}</td>
            <td>
              {s.signer_name} ({s.signer_email})
            </td>
            <td>{s.meaning}</td>
            <td>{s.reason ?? <span className="muted">none</span>}</td>
            <td>
              <Flag value={s.current} yes="Current" no="Record changed since" />
            </td>
            <td>
              <Flag value={s.signature_valid} yes="Valid" no="Does not verify" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
