// Previous/next over a list the API pages with limit/offset and `next_offset` (null on the last page).
export function Pager({
  offset,
  limit,
  nextOffset,
  onChange,
  label,
}: {
  offset: number;
  limit: number;
  nextOffset: number | null;
  onChange(offset: number): void;
  label: string;
}) {
  if (offset === 0 && nextOffset === null) return null;
  return (
    <nav aria-label={`${label} pages`} className="pager">
      <button
        type="button"
        className="secondary"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - limit))}
      >
        Previous
      </button>
      <span className="muted">
        {offset + 1}–{nextOffset ?? 'end'}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={nextOffset === null}
        onClick={() => nextOffset !== null && onChange(nextOffset)}
      >
        Next
      </button>
    </nav>
  );
}
