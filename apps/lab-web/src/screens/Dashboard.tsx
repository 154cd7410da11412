// Real numbers from the API, one card per question; each card has its own loading, empty and error state.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, failure } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';
import { type QueryLike, QueryState } from '../components/QueryState.tsx';

const EXPIRING_DAYS = 30;
const RECENT_EVENTS = 10;

/** Runs that are running now; the first page of 100 is enough to say "100 or more". */
async function runsInProgress() {
  const { data, error, response } = await api.GET('/api/runs', {
    params: { query: { status: 'running', limit: 100, offset: 0 } },
  });
  if (!data) throw failure(error, response);
  return { count: data.items.length, more: data.next_offset !== null };
}

async function overdueCalibrations() {
  const { data, error, response } = await api.GET('/api/calibration/overdue');
  if (!data) throw failure(error, response);
  return data.items;
}

async function lowStock() {
  const { data, error, response } = await api.GET('/api/inventory/alerts/low-stock');
  if (!data) throw failure(error, response);
  return data.items;
}

async function expiringLots() {
  const { data, error, response } = await api.GET('/api/inventory/alerts/expiring', {
    params: { query: { days: EXPIRING_DAYS } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

// The latest events of the whole trail, newest first (the audit list's `order=desc`).
async function recentActivity() {
  const { data, error, response } = await api.GET('/api/compliance/audit', {
    params: { query: { limit: RECENT_EVENTS, order: 'desc' } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

async function chainStatus() {
  const { data, error, response } = await api.GET('/api/compliance/audit/verify');
  if (!data) throw failure(error, response);
  return data;
}

interface CardProps<T> {
  id: string;
  title: string;
  query: QueryLike<T>;
  /** Shown instead of the data when `isEmpty(data)` holds. */
  empty?: string;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

function Card<T>({ id, title, query, empty, isEmpty, children }: CardProps<T>) {
  return (
    <section className="card" aria-labelledby={id} aria-busy={query.isPending}>
      <h2 id={id}>{title}</h2>
      <QueryState query={query} {...(empty !== undefined ? { empty } : {})} {...(isEmpty ? { isEmpty } : {})}>
        {children}
      </QueryState>
    </section>
  );
}

function Count({ value, label }: { value: number | string; label: string }) {
  return (
    <p className="count">
      <output aria-label={label}>{value}</output>
    </p>
  );
}

// Each card asks only if the user's roles may read its data; a card they may not read is not shown.
export function Dashboard() {
  const { user, can } = useSession();
  const readsRuns = can('runs:read');
  const readsCalibration = can('calibration:read');
  const readsInventory = can('inventory:read');
  const readsAudit = can('audit:read');
  const verifiesAudit = can('audit:verify');
  const runs = useQuery({ queryKey: ['runs', 'running'], queryFn: runsInProgress, enabled: readsRuns });
  const overdue = useQuery({
    queryKey: ['calibration', 'overdue'],
    queryFn: overdueCalibrations,
    enabled: readsCalibration,
  });
  const low = useQuery({ queryKey: ['inventory', 'low-stock'], queryFn: lowStock, enabled: readsInventory });
  const expiring = useQuery({
    queryKey: ['inventory', 'expiring', EXPIRING_DAYS],
    queryFn: expiringLots,
    enabled: readsInventory,
  });
  const activity = useQuery({ queryKey: ['audit', 'recent'], queryFn: recentActivity, enabled: readsAudit });
  const chain = useQuery({ queryKey: ['audit', 'verify'], queryFn: chainStatus, enabled: verifiesAudit });
  return (
    <main>
      <h1>Dashboard</h1>
      <p className="muted">Signed in as {user?.name}</p>
      <div className="cards">
        {readsRuns && (
          <Card id="runs-title" title="Runs in progress" query={runs}>
            {(d) => <Count label="Runs in progress" value={d.more ? `${d.count}+` : d.count} />}
          </Card>
        )}
        {readsCalibration && (
          <Card id="overdue-title" title="Overdue calibrations" query={overdue}>
            {(items) => <Count label="Overdue calibrations" value={items.length} />}
          </Card>
        )}
        {readsInventory && (
          <Card id="low-title" title="Low-stock items" query={low}>
            {(items) => <Count label="Low-stock items" value={items.length} />}
          </Card>
        )}
        {readsInventory && (
          <Card id="expiring-title" title={`Lots expiring in ${EXPIRING_DAYS} days`} query={expiring}>
            {(items) => <Count label="Expiring lots" value={items.length} />}
          </Card>
        )}
        {verifiesAudit && (
          <Card id="chain-title" title="Audit chain" query={chain}>
            {(d) => (
              <p className={d.valid ? 'ok' : 'bad'}>
                <output aria-label="Audit chain status">{d.valid ? 'Intact' : 'Broken'}</output>
                {` · ${d.checked} events checked`}
                {d.reason ? ` · ${d.reason}` : ''}
              </p>
            )}
          </Card>
        )}
      </div>
      {readsAudit && (
        <Card
          id="activity-title"
          title="Recent activity (newest first)"
          query={activity}
          empty="No audit events yet."
          isEmpty={(items) => items.length === 0}
        >
          {(items) => (
            <table aria-labelledby="activity-title">
              <thead>
                <tr>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Record</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.seq}>
                    <td>{e.ts}</td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>
                      {e.entity_type}
                      {e.entity_id ? ` ${e.entity_id}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      )}
    </main>
  );
}
