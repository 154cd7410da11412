// Every list and card shows the same three states besides its data: loading, error, and empty.
import type { ReactNode } from 'react';

export interface QueryLike<T> {
  isPending: boolean;
  error: Error | null;
  data: T | undefined;
}

interface QueryStateProps<T> {
  query: QueryLike<T>;
  /** Shown instead of children when `isEmpty(data)` holds. */
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

export function QueryState<T>({ query, empty, isEmpty, children }: QueryStateProps<T>) {
  if (query.error) {
    return (
      <p role="alert" className="alert">
        Could not load: {query.error.message}
      </p>
    );
  }
  if (query.isPending || query.data === undefined) return <p className="muted">Loading…</p>;
  if (empty !== undefined && isEmpty?.(query.data)) return <p className="muted">{empty}</p>;
  return children(query.data);
}
