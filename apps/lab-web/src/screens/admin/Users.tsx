// Users: the list, paged by email, with their state at a glance; each opens its detail page.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, failure } from '../../api/client.ts';
import { QueryState } from '../../components/QueryState.tsx';

const PAGE = 50;
const FILTERS = ['all', 'active', 'inactive'] as const;
type Filter = (typeof FILTERS)[number];

async function usersPage(filter: Filter, cursor: string | undefined) {
  const active = filter === 'all' ? undefined : filter === 'active';
  const { data, error, response } = await api.GET('/api/users', {
    params: {
      query: {
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
        ...(active === undefined ? {} : { active }),
      },
    },
  });
  if (!data) throw failure(error, response);
  return data;
}

export default function Users() {
  const [filter, setFilter] = useState<Filter>('all');
  const query = useInfiniteQuery({
    queryKey: ['users', filter],
    queryFn: ({ pageParam }) => usersPage(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const users = query.data?.pages.flatMap((page) => page.items);
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <p>
        <Link to="/admin/users/new">New user</Link>
      </p>
      <label htmlFor="users-filter">Show</label>{' '}
      <select
        id="users-filter"
        value={filter}
        onChange={(e) => setFilter(FILTERS.find((f) => f === e.target.value) ?? 'all')}
      >
        <option value="all">all users</option>
        <option value="active">active users</option>
        <option value="inactive">deactivated users</option>
      </select>
      <QueryState
        query={{ isPending: query.isPending, error: query.error, data: users }}
        empty="No users match."
        isEmpty={(items) => items.length === 0}
      >
        {(items) => (
          <table>
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">State</th>
                <th scope="col">Last sign-in</th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <tr key={user.email}>
                  <td>
                    <Link to={`/admin/users/${encodeURIComponent(user.email)}`}>{user.name}</Link>
                  </td>
                  <td>{user.email}</td>
                  <td>{user.roles.join(', ') || '—'}</td>
                  <td>
                    <UserState user={user} />
                  </td>
                  <td>{user.last_login_at ? new Date(user.last_login_at).toLocaleString() : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          More users
        </button>
      )}
    </section>
  );
}

export function UserState({
  user,
}: {
  user: { is_active: boolean; locked: boolean; mfa_enabled: boolean; password_change_required: boolean };
}) {
  return (
    <>
      {!user.is_active && <span className="badge warn">deactivated</span>}
      {user.locked && <span className="badge warn">locked</span>}
      {user.mfa_enabled && <span className="badge">MFA</span>}
      {user.password_change_required && <span className="badge">must change password</span>}
      {user.is_active && !user.locked && !user.mfa_enabled && !user.password_change_required && 'active'}
    </>
  );
}
