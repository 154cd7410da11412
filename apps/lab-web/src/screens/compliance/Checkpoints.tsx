// Checkpoints: the signed chain heads (Ed25519), newest first, and signing the current head now.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, failure, ProblemError } from '../../api/client.ts';
import { ProblemAlert } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';

async function checkpoints() {
  const { data, error, response } = await api.GET('/api/compliance/audit/checkpoints');
  if (!data) throw failure(error, response);
  return [...data.items].sort((a, b) => b.seq - a.seq);
}

/** Signs the head; the API answers 204 when the trail is empty, 201 with the checkpoint otherwise. */
async function signHead() {
  const { data, error, response } = await api.POST('/api/compliance/audit/checkpoints');
  if (!response.ok) throw failure(error, response);
  return data ?? null;
}

export default function Checkpoints() {
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['audit', 'checkpoints'], queryFn: checkpoints });
  const sign = useMutation({
    mutationFn: signHead,
    onSuccess: () => client.invalidateQueries({ queryKey: ['audit'] }),
  });
  const problem = sign.error instanceof ProblemError ? sign.error : null;
  return (
    <section aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title">Checkpoints</h2>
      <p className="muted">
        A checkpoint is the chain head (seq and hash) signed by the server's Ed25519 key; verification checks
        the chain against every one.
      </p>
      <button type="button" onClick={() => sign.mutate()} disabled={sign.isPending}>
        Sign the current head now
      </button>
      {sign.isSuccess && (
        <p role="status">{sign.data ? `Checkpoint at seq ${sign.data.seq}.` : 'The trail is empty.'}</p>
      )}
      <ProblemAlert problem={problem} />
      <QueryState query={list} empty="No checkpoints yet." isEmpty={(items) => items.length === 0}>
        {(items) => (
          <table aria-label="Checkpoints">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Signed at (UTC)</th>
                <th scope="col">Key</th>
                <th scope="col">Head hash</th>
                <th scope="col">Signature</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.seq}>
                  <td>{c.seq}</td>
                  <td>{c.ts}</td>
                  <td>{c.key_id}</td>
                  <td className="hash">{c.hash}</td>
                  <td className="hash">{c.signature}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
