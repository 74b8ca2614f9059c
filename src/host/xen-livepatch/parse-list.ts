/**
 * Parses `xen-livepatch list`. Every generation prints one row per payload in upload order: the name
 * left-justified in 40 columns (never truncated: a longer name pushes the rest right), `| `, the
 * state, and ` (<errno>, <strerror>)` when the last action left an rc. Xen 4.14+ adds a metadata
 * column (`    | ` then the `.modinfo` strings joined with `;`, a trailing space when empty) and prints
 * `Nothing to list` when empty; 4.7-4.13 print a two-column table, just the header when empty.
 */
import type { PayloadStatus } from '../../model/types.js';
import type { PayloadState } from '../../model/vocabulary.js';

export type ListLayout = 'two-column' | 'three-column';

export type ListParse =
  | { readonly ok: true; readonly layout: ListLayout | 'empty'; readonly payloads: PayloadStatus[] }
  | { readonly ok: false; readonly line: string };

const HEADERS: Record<ListLayout, readonly string[]> = {
  'two-column': [' ID                                     | status', '----------------------------------------+------------'],
  'three-column': [
    ' ID                                     | status     | metadata',
    '----------------------------------------+------------+---------------',
  ],
};

// The tool pads the name to 40 *bytes* (printf's %-40s), so rows are matched on their bytes, one
// latin1 character each: the name is lazy and at least 40 bytes (its padding included), so the first
// `| STATE` at or after byte 40 ends it; names xlp accepts contain no whitespace or '|', so trailing
// blanks are padding. The name and metadata are decoded back from their bytes as UTF-8.
const STATE_AND_RC = String.raw`\| (CHECKED|APPLIED|unknown)(?: \((-?\d+), (.*?)\))?`;
const ROW: Record<ListLayout, RegExp> = {
  'two-column': new RegExp(String.raw`^([^]{40,}?)${STATE_AND_RC}$`),
  // Lenient about the trailing space after the last bar, which some transports strip.
  'three-column': new RegExp(String.raw`^([^]{40,}?)${STATE_AND_RC}    \|(?: ([^]*))?$`),
};

const asBytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const fromBytes = (bytes: string): string => Buffer.from(bytes, 'latin1').toString('utf8');

function parseRow(layout: ListLayout, line: string): PayloadStatus | undefined {
  const match = ROW[layout].exec(asBytes(line));
  if (match === null) return undefined;
  const [, paddedName = '', state, rc, , metadataBytes = ''] = match;
  const name = fromBytes(paddedName.replace(/ +$/, ''));
  const metadata = fromBytes(metadataBytes);
  if (name === '') return undefined;
  return {
    name,
    state: state as PayloadState,
    rc: rc === undefined ? 0 : Number(rc),
    metadata: metadata === '' ? [] : metadata.split(';'),
  };
}

/** Parses the stdout of a successful `list`; any line it does not understand makes it fail. */
export function parseList(stdout: string): ListParse {
  if (stdout === 'Nothing to list\n') return { ok: true, layout: 'empty', payloads: [] };
  if (!stdout.endsWith('\n')) return { ok: false, line: stdout.slice(stdout.lastIndexOf('\n') + 1) };
  const lines = stdout.slice(0, -1).split('\n');
  const layout = (Object.keys(HEADERS) as ListLayout[]).find((l) => HEADERS[l].every((header, i) => lines[i] === header));
  if (layout === undefined) return { ok: false, line: lines[0] ?? '' };
  const payloads: PayloadStatus[] = [];
  for (const line of lines.slice(2)) {
    const row = parseRow(layout, line);
    if (row === undefined) return { ok: false, line };
    payloads.push(row);
  }
  return { ok: true, layout, payloads };
}
