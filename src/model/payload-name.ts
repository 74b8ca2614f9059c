/**
 * The payload names xlp accepts. Xen itself enforces only a length (the tool's "128 characters" is
 * off by one: libxc needs room for the terminating NUL, so 127 bytes is the real limit) and no
 * character set; xlp is stricter so a name is always safe to print, to pass as one argv word and to
 * echo back from the tool's `list` table, whose columns are separated by spaces and `|`.
 */
import { basename } from 'node:path';
import { usageError } from '../errors.js';

/** The longest name Xen accepts, in bytes of UTF-8. */
export const MAX_NAME_BYTES = 127;

export const NAME_RULE = `1 to ${MAX_NAME_BYTES} bytes of UTF-8, without '/', whitespace or control characters`;

/** Why `name` is not an acceptable payload name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/\p{Cs}/u.test(name)) return 'it is not valid Unicode';
  if (/\p{Cc}/u.test(name)) return 'it contains a control character';
  if (/\s/u.test(name)) return 'it contains whitespace';
  if (name.includes('/')) return "it contains '/'";
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `it is ${bytes} bytes long`;
  return undefined;
}

/** Returns the name when it is one Xen and the tool accept; throws a usage error naming the rule otherwise. */
export function validateName(name: string): string {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    // JSON quoting keeps control characters out of the terminal and the message on one line.
    throw usageError(`invalid payload name ${JSON.stringify(name)}: ${problem}`, `a payload name is ${NAME_RULE}`);
  }
  return name;
}

/** The name xen-livepatch's own `load` would give a file: its basename without the last extension. */
export function nameFromFile(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
