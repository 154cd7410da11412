// Every workflow of the lab with its latest and effective version.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { QueryState } from '../../components/QueryState.tsx';
import { listWorkflows } from './api.ts';
import './workflows.css';

export default function WorkflowList() {
  const query = useQuery({ queryKey: ['workflows'], queryFn: () => listWorkflows() });
  return (
    <main className="workflows">
      <div className="heading-row">
        <h1>Workflows</h1>
        <Link className="button-link" to="/workflows/new">
          New workflow
        </Link>
      </div>
      <QueryState query={query} empty="No workflows yet." isEmpty={(items) => items.length === 0}>
        {(items) => (
          <table>
            <caption className="visually-hidden">Workflows</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Title</th>
                <th scope="col">Latest version</th>
                <th scope="col">Effective version</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.name}>
                  <td>
                    <Link to={`/workflows/${w.name}`}>{w.name}</Link>
                  </td>
                  <td>{w.title}</td>
                  <td>
                    v{w.latest_version}{' '}
                    <span className={`status status-${w.latest_status}`}>{w.latest_status}</span>
                  </td>
                  <td>{w.effective_version === null ? '—' : `v${w.effective_version}`}</td>
                  <td>{w.updated_at}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </main>
  );
}
