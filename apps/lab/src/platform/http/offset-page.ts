/**
 * One page of an offset-paged list, from rows read with `LIMIT limit + 1 OFFSET offset`: the extra row
 * only says that another page follows (`next_offset`), and is not returned. The query stays in the
 * service; this is the part every list repeated.
 */
export function offsetPage<Row, View>(
  rows: readonly Row[],
  q: { limit: number; offset: number },
  toView: (row: Row) => View,
): { items: View[]; next_offset: number | null } {
  return {
    items: rows.slice(0, q.limit).map(toView),
    next_offset: rows.length > q.limit ? q.offset + q.limit : null,
  };
}
