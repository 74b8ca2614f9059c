/**
 * Text from payloads, from the tools and from the journal is untrusted: a control character can
 * forge a line of output, an escape sequence can rewrite the operator's screen, a direction override
 * can make a name read backwards. This is the one rule of what may reach a terminal as it is; every
 * table, message and JSON document xlp prints goes through it, and a payload carrying such text is
 * refused before upload.
 */

/**
 * C0 and C1 controls, DEL, the Unicode format characters that change how text is shown (direction
 * marks, embeddings, overrides and isolates, zero-width characters, word joiners, the BOM), the line
 * and paragraph separators, and lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\p{Cs}/gu;

export const hasUnsafeText = (text: string): boolean => text.search(UNSAFE) >= 0;

const escapeOne = (c: string): string => {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** `text` with every unsafe character written as \xNN or \u{NNNN}; the rest as it is. Idempotent. */
export const escapeText = (text: string): string => text.replace(UNSAFE, escapeOne);

/** Untrusted text for a one-line message: escaped, and cut at `max` characters. */
export function printable(text: string, max = 64): string {
  const escaped = escapeText(text.slice(0, max + 1));
  return escaped.length > max ? `${escaped.slice(0, max - 3)}...` : escaped;
}

/**
 * JSON as xlp prints it: JSON.stringify escapes C0 controls but leaves C1 controls, direction
 * overrides and the line separators raw; they are written as \uNNNN here, which is still the same JSON.
 */
export const jsonText = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

/** What UNSAFE matches that JSON.stringify leaves raw inside strings (it escapes C0 itself; the other newlines are its layout). */
const RAW_IN_JSON = /[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
