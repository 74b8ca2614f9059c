/**
 * Whether a journal line is exactly the canonical form docs/audit.md documents (members sorted by
 * name at every level, no whitespace, ECMAScript number and string forms, `hash` last), and if not,
 * why: a duplicate member, members out of order, or other formatting. Each is a different hand edit,
 * and verify names the one it finds.
 */

/** undefined when `text` is the canonical form of `record` (as JSON.parse read it from `text`). */
export function formProblem(text: string, record: Record<string, unknown>): string | undefined {
  // JSON.parse keeps the members in the order of the text (records have no integer-like names), so
  // a line that serialises back to itself differs from its canonical form at most in that order.
  const sameBytes = JSON.stringify(record) === text;
  if (sameBytes && hashLast(record) && sorted(record)) return undefined;
  const duplicate = duplicateMember(text);
  if (duplicate !== undefined) return `not in canonical form: the member ${JSON.stringify(duplicate)} appears twice in one object`;
  if (sameBytes) return 'not in canonical form: members out of order';
  return 'not in canonical form: reformatted (whitespace, escapes or number forms differ)';
}

function hashLast(record: Record<string, unknown>): boolean {
  return Object.keys(record).at(-1) === 'hash';
}

/** Members in order by name (UTF-16 code units) in every object; the top level's `hash` stands last. Plain loops: this runs for every line read. */
function sorted(value: unknown, top = true): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!sorted(item, false)) return false;
    return true;
  }
  const keys = Object.keys(value);
  const ordered = top ? keys.length - 1 : keys.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && i < ordered && (keys[i - 1] as string) >= key) return false;
    if (!sorted((value as Record<string, unknown>)[key], false)) return false;
  }
  return true;
}

/** The first member name that appears twice in one object of a valid JSON text (JSON.parse keeps only the last). */
export function duplicateMember(text: string): string | undefined {
  // One set of names per open object; undefined for an open array.
  const open: Array<Set<string> | undefined> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open.at(-1);
      if (expectName && names !== undefined) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(undefined);
      expectName = false;
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      expectName = open.at(-1) !== undefined;
    }
  }
  return undefined;
}
