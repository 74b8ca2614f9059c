/**
 * The payload names xlp accepts. Xen itself enforces only a length (the tool's "128 characters" is
 * off by one: libxc needs room for the terminating NUL, so 127 bytes is the real limit) and no
 * character set; the tool pads its list's name column to 40 *bytes*. xlp is stricter, so that every
 * name it allows is safe to print, passes as one argv word, and parses back byte for byte from every
 * generation's `list` table (src/host/xen-livepatch/parse-list.ts), whose columns are separated by
 * spaces and `|`: UTF-8 letters, digits and punctuation, without whitespace, '/', '|', control or
 * format characters (src/model/text.ts).
 */
import { basename } from 'node:path';
import { usageError } from '../errors.js';
import { hasUnsafeText, printable } from './text.js';

/** The longest name Xen accepts, in bytes of UTF-8. */
export const MAX_NAME_BYTES = 127;

export const NAME_RULE = `1 to ${MAX_NAME_BYTES} bytes of UTF-8, without whitespace, '/', '|', control or format characters`;

/** Why `name` is not an acceptable payload name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/\p{Cs}/u.test(name)) return 'it is not valid Unicode';
  if (hasUnsafeText(name) || /[\p{Cc}\p{Cf}]/u.test(name)) return 'it contains a control or format character';
  if (/\s/u.test(name)) return 'it contains whitespace';
  if (name.includes('/')) return "it contains '/'";
  if (name.includes('|')) return "it contains '|', the tool's column separator";
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `it is ${bytes} bytes long`;
  return undefined;
}

/** Returns the name when it is one Xen and the tool accept; throws a usage error naming the rule otherwise. */
export function validateName(name: string): string {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw usageError(`invalid payload name "${printable(name, 160)}": ${problem}`, `a payload name is ${NAME_RULE}`);
  }
  return name;
}

/** The name xen-livepatch's own `load` would give a file: its basename without the last extension. */
export function nameFromFile(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Why a payload file's name cannot be used for the private copy the tool is given (it echoes it back). */
export function fileNameProblem(path: string): string | undefined {
  const base = basename(path);
  if (base === '' || base === '.' || base === '..') return 'it has no file name';
  if (hasUnsafeText(base)) return 'its file name contains a control or format character';
  return undefined;
}
