// The audit-trail browser: filters kept in the URL (so a link can open a filtered view), server paging
// by cursor, and each event's before and after values and reason on demand; export downloads the trail.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, failure, ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { ExportButtons } from './ExportButtons.tsx';

const PAGE_SIZE = 25;
const TEXT_FILTERS = [
  { name: 'actor', label: 'Actor (email or system)' },
  { name: 'action', label: 'Action (e.g. sample.created)' },
  { name: 'entity_type', label: 'Record type' },
  { name: 'entity_id', label: 'Record id' },
] as const;
const TIME_FILTERS = [
  { name: 'from', label: 'From (UTC)' },
  { name: 'to', label: 'Before (UTC)' },
] as const;
const FILTER_NAMES = [...TEXT_FILTERS, ...TIME_FILTERS].map((f) => f.name);
const FIELDS = FILTER_NAMES.map((name) => `querystring.${name}`);
type FilterName = (typeof FILTER_NAMES)[number];
type Filters = Partial<Record<FilterName, string>>;
type Order = 'asc' | 'desc';

/** A datetime-local value read as UTC, as every time on these screens is shown. */
function utc(value: string): string {
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

function readFilters(params: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

async function auditPage(filters: Filters, order: Order, cursor: number | undefined) {
  const { from, to, ...text } = filters;
  const { data, error, response } = await api.GET('/api/compliance/audit', {
    params: {
      query: {
        ...text,
        ...(from ? { from: utc(from) } : {}),
        ...(to ? { to: utc(to) } : {}),
        order,
        limit: PAGE_SIZE,
        ...(cursor !== undefined ? { cursor } : {}),
      },
    },
  });
  if (!data) throw failure(error, response);
  return data;
}

export default function AuditTrail() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const order: Order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const start = params.get('cursor');
  function apply(next: Filters, nextOrder: Order) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(next)) if (value) search.set(name, value);
    search.set('order', nextOrder);
    setParams(search);
  }
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <ExportButtons />
      <Results
        key={params.toString()}
        filters={filters}
        order={order}
        start={start === null ? undefined : Number(start)}
        onApply={apply}
      />
    </section>
  );
}

interface ResultsProps {
  filters: Filters;
  order: Order;
  start: number | undefined;
  onApply(filters: Filters, order: Order): void;
}

/** Keyed on the filters: a new filter starts again at the first page. */
function Results({ filters, order, start, onApply }: ResultsProps) {
  // The cursors of the pages before this one, to go back; the last entry is the current page's.
  const [cursors, setCursors] = useState<(number | undefined)[]>([start]);
  const cursor = cursors[cursors.length - 1];
  const query = useQuery({
    queryKey: ['audit', 'browse', filters, order, cursor],
    queryFn: () => auditPage(filters, order, cursor),
  });
  const problem = query.error instanceof ProblemError ? query.error : null;
  const next = query.data?.next_cursor ?? null;
  return (
    <>
      <FilterForm filters={filters} order={order} problem={problem} onApply={onApply} />
      <QueryState
        query={query}
        empty="No audit events match these filters."
        isEmpty={(d) => d.items.length === 0}
      >
        {(page) => <EventTable events={page.items} />}
      </QueryState>
      <div className="pager">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button
          type="button"
          disabled={next === null}
          onClick={() => setCursors([...cursors, next ?? undefined])}
        >
          Next page
        </button>
      </div>
    </>
  );
}

interface FilterFormProps {
  filters: Filters;
  order: Order;
  problem: ProblemError | null;
  onApply(filters: Filters, order: Order): void;
}

function FilterForm({ filters, order, problem, onApply }: FilterFormProps) {
  const [draft, setDraft] = useState<Filters>(filters);
  const [draftOrder, setDraftOrder] = useState<Order>(order);
  const set = (name: FilterName) => (value: string) => setDraft({ ...draft, [name]: value });
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft, draftOrder);
  }
  return (
    <form className="filters" onSubmit={submit} aria-label="Audit trail filters" noValidate>
      <ProblemAlert problem={problem} fields={FIELDS} />
      {TIME_FILTERS.map((f) => (
        <div key={f.name} className="filter">
          <TextField
            id={`audit-${f.name}`}
            label={f.label}
            type="datetime-local"
            value={draft[f.name] ?? ''}
            onChange={set(f.name)}
            error={fieldError(problem, `querystring.${f.name}`)}
          />
        </div>
      ))}
      {TEXT_FILTERS.map((f) => (
        <div key={f.name} className="filter">
          <TextField
            id={`audit-${f.name}`}
            label={f.label}
            value={draft[f.name] ?? ''}
            onChange={set(f.name)}
            error={fieldError(problem, `querystring.${f.name}`)}
          />
        </div>
      ))}
      <div className="filter">
        <label htmlFor="audit-order">Order</label>
        <select
          id="audit-order"
          value={draftOrder}
          onChange={(e) => setDraftOrder(e.target.value === 'asc' ? 'asc' : 'desc')}
        >
          <option value="desc">Newest first</option>
          <option value="asc">Oldest first</option>
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={() => onApply({}, 'desc')}>
          Clear
        </button>
      </div>
    </form>
  );
}

type AuditEvent = Awaited<ReturnType<typeof auditPage>>['items'][number];

function EventTable({ events }: { events: AuditEvent[] }) {
  return (
    <table aria-label="Audit events">
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Record</th>
          <th scope="col">Reason</th>
          <th scope="col">Values</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <EventRow key={e.seq} event={e} />
        ))}
      </tbody>
    </table>
  );
}

function EventRow({ event: e }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const detailId = `audit-event-${e.seq}`;
  return (
    <>
      <tr>
        <td>{e.seq}</td>
        <td>{e.ts}</td>
        <td>{e.actor}</td>
        <td>{e.action}</td>
        <td>
          {e.entity_type}
          {e.entity_id ? ` ${e.entity_id}` : ''}
        </td>
        <td>{e.reason ?? <span className="muted">none</span>}</td>
        <td>
          <button
            type="button"
            className="link"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide' : 'Show'} values<span className="visually-hidden"> of event {e.seq}</span>
          </button>
        </td>
      </tr>
      {open && (
        <tr id={detailId} className="event-detail">
          <td colSpan={7}>
            <EventValues event={e} />
          </td>
        </tr>
      )}
    </>
  );
}

function EventValues({ event: e }: { event: AuditEvent }) {
  const json = (value: unknown) =>
    value === null || value === undefined ? 'none' : JSON.stringify(value, null, 2);
  return (
    <dl className="event-values" aria-label={`Event ${e.seq}`}>
      <div>
        <dt>Before</dt>
        <dd>
          <pre id={`event-${e.seq}-before`}>{json(e.before)}</pre>
        </dd>
      </div>
      <div>
        <dt>After</dt>
        <dd>
          <pre id={`event-${e.seq}-after`}>{json(e.after)}</pre>
        </dd>
      </div>
      <div>
        <dt>Reason</dt>
        <dd>{e.reason ?? 'none'}</dd>
      </div>
      <div>
        <dt>Request</dt>
        <dd>
          {e.request_id ?? 'none'}
          {e.ip ? ` from ${e.ip}` : ''}
        </dd>
      </div>
      <div>
        <dt>Hash</dt>
        <dd className="hash">{e.hash}</dd>
      </div>
    </dl>
  );
}
