// Parse CSV text returned by the API (tests only).
import { splitCsvLine } from '../transactions/read.ts';

export function readRowsFromText(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter(Boolean);
  const header = splitCsvLine(lines[0]!);
  return lines.slice(1).map((l) => {
    const cells = splitCsvLine(l);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}
