// The sample table: search, filters, sort and server paging; the URL holds every choice, so a link or
// the back button brings the same rows back. Each keystroke asks the API (it pages and filters server
// side), and the previous rows stay on screen, marked busy, until the new page arrives.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { QueryState } from '../../components/QueryState.tsx';
import {
  type ListQuery,
  listSamples,
  PAGE_SIZE,
  type Sample,
  type SampleSort,
  type SampleStatus,
  SORTS,
  STATUSES,
} from './samples-api.ts';
import './samples.css';

const CODE_FILTERS = [
  { key: 'project_id', label: 'Project' },
  { key: 'batch_id', label: 'Batch' },
  { key: 'container_id', label: 'Container' },
] as const;
type CodeFilter = (typeof CODE_FILTERS)[number]['key'];
// What the API accepts as a code; anything else would be a 400, so it is not sent.
const CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const isStatus = (v: string | null): v is SampleStatus => STATUSES.some((s) => s === v);
const isSort = (v: string | null): v is SampleSort => SORTS.some((s) => s.value === v);

/** The list query the URL describes. */
function queryOf(params: URLSearchParams): ListQuery {
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const query: ListQuery = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const q = params.get('q')?.trim();
  if (q) query.q = q.slice(0, 200);
  const status = params.get('status');
  if (isStatus(status)) query.status = status;
  const sort = params.get('sort');
  if (isSort(sort)) query.sort = sort;
  for (const { key } of CODE_FILTERS) {
    const value = params.get(key);
    if (value && CODE.test(value)) query[key] = value;
  }
  if (params.get('include_deleted') === '1') query.include_deleted = true;
  return query;
}

export function SamplesList() {
  const [params, setParams] = useSearchParams();
  const query = queryOf(params);
  const page = (query.offset ?? 0) / PAGE_SIZE + 1;
  const samples = useQuery({
    queryKey: ['samples', 'list', query],
    queryFn: () => listSamples(query),
    placeholderData: keepPreviousData,
  });

  /** Sets (or clears) URL parameters; a filter change goes back to page 1. */
  function update(changes: Record<string, string | null>, replace = false) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace });
  }

  return (
    <main className="samples">
      <div className="samples-head">
        <h1>Samples</h1>
        <p className="samples-actions">
          <Link className="button" to="/samples/new">
            New sample
          </Link>
          <Link className="button secondary" to="/samples/import">
            Import CSV
          </Link>
        </p>
      </div>
      <search className="samples-filters" aria-label="Filter samples">
        <div className="filter">
          <label htmlFor="samples-q">Search</label>
          <input
            id="samples-q"
            type="search"
            placeholder="Sample ID, name, lot or metadata"
            maxLength={200}
            value={params.get('q') ?? ''}
            // Typing replaces the history entry: back goes to the previous search, not the previous letter.
            onChange={(e) => update({ q: e.target.value }, params.has('q'))}
          />
        </div>
        <div className="filter">
          <label htmlFor="samples-status">Status</label>
          <select
            id="samples-status"
            value={query.status ?? ''}
            onChange={(e) => update({ status: e.target.value })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <CodeFilters
          key={CODE_FILTERS.map(({ key }) => params.get(key) ?? '').join('|')}
          params={params}
          onApply={(values) => update(values)}
        />
        <div className="filter">
          <label htmlFor="samples-sort">Sort</label>
          <select
            id="samples-sort"
            value={query.sort ?? '-created_at'}
            onChange={(e) => update({ sort: e.target.value === '-created_at' ? null : e.target.value })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="filter checkbox">
          <input
            id="samples-deleted"
            type="checkbox"
            checked={query.include_deleted === true}
            onChange={(e) => update({ include_deleted: e.target.checked ? '1' : null })}
          />
          <label htmlFor="samples-deleted">Include deleted</label>
        </div>
      </search>
      <QueryState
        query={samples}
        isEmpty={(d) => d.items.length === 0}
        empty={page > 1 ? 'No samples on this page.' : 'No samples match these filters.'}
      >
        {(data) => (
          <>
            <SampleTable items={data.items} busy={samples.isPlaceholderData} />
            <nav className="pager" aria-label="Pages">
              <button
                type="button"
                className="secondary"
                disabled={page <= 1}
                onClick={() => update({ page: page > 2 ? String(page - 1) : null })}
              >
                Previous page
              </button>
              <output aria-label="Rows shown">
                Rows {(page - 1) * PAGE_SIZE + 1}–{(page - 1) * PAGE_SIZE + data.items.length}
              </output>
              <button
                type="button"
                className="secondary"
                disabled={data.next_offset === null}
                onClick={() => update({ page: String(page + 1) })}
              >
                Next page
              </button>
            </nav>
          </>
        )}
      </QueryState>
    </main>
  );
}

/** Project, batch and container codes apply together on Enter or Apply, once typed in full. */
function CodeFilters({
  params,
  onApply,
}: {
  params: URLSearchParams;
  onApply(values: Record<CodeFilter, string | null>): void;
}) {
  const initial = () =>
    Object.fromEntries(CODE_FILTERS.map(({ key }) => [key, params.get(key) ?? ''])) as Record<
      CodeFilter,
      string
    >;
  const [values, setValues] = useState(initial);
  const invalid = CODE_FILTERS.filter(({ key }) => values[key] !== '' && !CODE.test(values[key]));
  function submit(event: FormEvent) {
    event.preventDefault();
    if (invalid.length) return;
    onApply({
      project_id: values.project_id || null,
      batch_id: values.batch_id || null,
      container_id: values.container_id || null,
    });
  }
  return (
    <form className="code-filters" onSubmit={submit}>
      {CODE_FILTERS.map(({ key, label }) => {
        const bad = invalid.some((f) => f.key === key);
        return (
          <div className="filter" key={key}>
            <label htmlFor={`samples-${key}`}>{label}</label>
            <input
              id={`samples-${key}`}
              value={values[key]}
              maxLength={64}
              aria-invalid={bad || undefined}
              aria-describedby={bad ? `samples-${key}-error` : undefined}
              onChange={(e) => setValues({ ...values, [key]: e.target.value })}
            />
            {bad && (
              <p id={`samples-${key}-error`} className="field-error">
                Letters, digits and . _ : - only
              </p>
            )}
          </div>
        );
      })}
      <button type="submit" className="secondary">
        Apply
      </button>
    </form>
  );
}

function SampleTable({ items, busy }: { items: Sample[]; busy: boolean }) {
  return (
    <table className="samples-table" aria-label="Samples" aria-busy={busy}>
      <thead>
        <tr>
          <th scope="col">Sample ID</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Quantity</th>
          <th scope="col">Project</th>
          <th scope="col">Batch</th>
          <th scope="col">Container</th>
          <th scope="col">Lot</th>
          <th scope="col">Created (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.sample_id}>
            <td>
              <Link to={`/samples/${encodeURIComponent(s.sample_id)}`}>{s.sample_id}</Link>
            </td>
            <td>{s.name}</td>
            <td>
              <span className={`status status-${s.status}`}>{s.status}</span>
              {s.deleted_at && ' (deleted)'}
            </td>
            <td>{s.quantity === null ? '' : `${s.quantity} ${s.unit ?? ''}`}</td>
            <td>{s.project_id}</td>
            <td>{s.batch_id}</td>
            <td>{s.container_id}</td>
            <td>{s.lot_number}</td>
            <td>{s.created_at.slice(0, 19).replace('T', ' ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
