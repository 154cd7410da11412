// The lab's runs, newest first, each linking to its live view.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, failure } from '../../api/client.ts';
import { QueryState } from '../../components/QueryState.tsx';
import '../workflows/workflows.css';
import './runs.css';

async function listRuns() {
  const { data, error, response } = await api.GET('/api/runs', {
    params: { query: { limit: 100, offset: 0 } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

export default function RunList() {
  const query = useQuery({ queryKey: ['runs'], queryFn: listRuns });
  return (
    <main className="runs">
      <div className="heading-row">
        <h1>Runs</h1>
        <Link className="button-link" to="/runs/new">
          Start a run
        </Link>
      </div>
      <QueryState query={query} empty="No runs yet." isEmpty={(items) => items.length === 0}>
        {(items) => (
          <table>
            <caption className="visually-hidden">Runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Release</th>
                <th scope="col">Operator</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.run_id}>
                  <td>
                    <Link to={`/runs/${r.run_id}`}>{r.run_id}</Link>
                  </td>
                  <td>
                    {r.workflow} v{r.version}
                  </td>
                  <td>
                    <span className={`status status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.release_status}</td>
                  <td>{r.operator}</td>
                  <td>{r.started_at ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </main>
  );
}
