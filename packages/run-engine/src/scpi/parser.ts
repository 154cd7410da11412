/**
 * The SCPI program-message parser (IEEE 488.2 section 7, SCPI-99 volume 1 section 6): a line holds
 * program units separated by `;`, each a header (a `*` common command or `:`-separated mnemonics, a
 * `?` for a query) and comma-separated parameters. Every unit is absolute from the root (a leading `:`
 * is allowed and ignored), which is simpler than the tree-relative rule and what clients send anyway.
 */
import { ScpiError } from './errors.ts';

export interface ProgramUnit {
  /** Upper-cased mnemonics, `*IDN` as one mnemonic. */
  mnemonics: string[];
  query: boolean;
  /** Raw parameter texts, trimmed; a quoted string keeps its quotes. */
  params: string[];
}

/** Splits `text` on `separator` outside double-quoted strings ("" inside a string is a quote). */
export function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new ScpiError('SYNTAX_ERROR', 'unterminated string');
  parts.push(current);
  return parts;
}

const HEADER = /^(\*[A-Za-z]+|[A-Za-z][A-Za-z0-9_]*(?::[A-Za-z][A-Za-z0-9_]*)*)(\?)?$/;

/** Parses one unit's text; throws ScpiError for a malformed one. */
export function parseUnit(text: string): ProgramUnit {
  const trimmed = text.trim().replace(/^:/, '');
  const space = trimmed.search(/\s/);
  const header = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? '' : trimmed.slice(space + 1).trim();
  const match = HEADER.exec(header);
  if (!match?.[1]) throw new ScpiError(header ? 'COMMAND_ERROR' : 'SYNTAX_ERROR', 'malformed header');
  const params = rest === '' ? [] : splitOutsideQuotes(rest, ',').map((p) => p.trim());
  if (params.some((p) => p === '')) throw new ScpiError('SYNTAX_ERROR', 'empty parameter');
  return { mnemonics: match[1].toUpperCase().split(':'), query: match[2] === '?', params };
}

/**
 * Splits a line into unit texts. Each text is parsed on its own (parseUnit) so that one bad unit
 * queues its error and the others still run, as the client's trailing `;:SYST:ERR?` relies on.
 */
export function splitProgramMessage(line: string): string[] {
  const stripped = line.replace(/\r$/, '');
  if (stripped.trim() === '') return [];
  return splitOutsideQuotes(stripped, ';');
}

interface PatternNode {
  short: string;
  long: string;
  optional: boolean;
}

/** A header pattern in SCPI notation: `[SYSTem:]INTerlock`, upper case the short form, `[...]` optional. */
export class HeaderPattern {
  private readonly nodes: PatternNode[];
  constructor(readonly notation: string) {
    this.nodes = notation
      .replace(/\[:?([^\]]+?):?\]/g, (_m, inner: string) => `:[${inner}]:`)
      .split(':')
      .filter((n) => n !== '')
      .map((n) => {
        const optional = n.startsWith('[');
        const word = n.replace(/[[\]]/g, '');
        const short = word.startsWith('*') ? word : word.replace(/[a-z0-9]+$/, '');
        return { short: short.toUpperCase(), long: word.toUpperCase(), optional };
      });
  }

  /** True when the (upper-cased) mnemonics name this header, in short or long form. */
  matches(mnemonics: readonly string[]): boolean {
    const go = (n: number, m: number): boolean => {
      if (n === this.nodes.length) return m === mnemonics.length;
      const node = this.nodes[n];
      if (!node) return false;
      const word = mnemonics[m];
      if (word !== undefined && (word === node.short || word === node.long) && go(n + 1, m + 1)) return true;
      return node.optional && go(n + 1, m);
    };
    return go(0, 0);
  }
}
