/**
 * A config file's text as a value, with positions: jsonc-parser (Microsoft's, VS Code's) in strict
 * mode (no comments, no trailing commas, no empty file) gives the syntax tree with offsets, so a
 * syntax error and a schema error can both be named FILE:LINE:COLUMN. The value itself comes from
 * JSON.parse, the reference parser: a key like "__proto__" stays an ordinary (unknown) key.
 * Duplicate keys are refused: JSON.parse would silently keep the last, and in a file that can
 * require signatures, `"requireSignature": true, …, "requireSignature": false` must not pass.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { XlpError } from '../errors.js';
import { configProblem, positionOf } from './problem.js';

export interface ParsedConfig {
  readonly text: string;
  readonly value: unknown;
  readonly tree: Node;
}

export function parseConfigText(path: string, bytes: Uint8Array): ParsedConfig {
  const text = utf8(path, bytes);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || tree === undefined) throw syntaxProblem(path, text, first);
  refuseDuplicateKeys(path, text, tree);
  return { text, value: JSON.parse(text) as unknown, tree };
}

/** The node a JSON pointer's segments lead to (the deepest that exists), for positions. */
export function nodeAt(tree: Node, segments: readonly string[]): Node {
  for (let depth = segments.length; depth > 0; depth--) {
    const node = findNodeAtLocation(tree, segments.slice(0, depth));
    if (node !== undefined) return node;
  }
  return tree;
}

/** The key of the member `key` in the object at `segments` (where an unknown key is reported). */
export function keyNodeAt(tree: Node, segments: readonly string[], key: string): Node {
  const object = nodeAt(tree, segments);
  const member = object.children?.find((property) => property.children?.[0]?.value === key);
  return member?.children?.[0] ?? object;
}

function utf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The lossy decoding marks the first bad byte with U+FFFD: that is where to look.
    const lossy = new TextDecoder('utf-8').decode(bytes);
    throw configProblem(path, positionOf(lossy, Math.max(0, lossy.indexOf('\ufffd'))), 'the file is not UTF-8 text', 'save it as UTF-8');
  }
}

/** What each syntax error means, and what to write instead. */
const SYNTAX: Record<string, readonly [string, string]> = {
  InvalidSymbol: ['not JSON', 'write strings in double quotes, numbers, true, false, null, objects and arrays'],
  InvalidNumberFormat: ['a malformed number', 'write a number such as 30'],
  PropertyNameExpected: ['a key in double quotes was expected', 'write "key": value'],
  ValueExpected: ['a value was expected', 'write a string in double quotes, a number, true, false, an object or an array'],
  ColonExpected: ['":" was expected after the key', 'write "key": value'],
  CommaExpected: ['"," was expected between two members', 'separate members with a comma'],
  CloseBraceExpected: ['"}" was expected: the object is not closed', 'close every { with }'],
  CloseBracketExpected: ['"]" was expected: the array is not closed', 'close every [ with ]'],
  EndOfFileExpected: ['text after the end of the configuration', 'keep one JSON object in the file'],
  InvalidCommentToken: ['a comment, which JSON does not allow', 'remove the comment'],
  UnexpectedEndOfComment: ['a comment, which JSON does not allow', 'remove the comment'],
  UnexpectedEndOfString: ['a string that is not closed', 'end it with "'],
  UnexpectedEndOfNumber: ['a number that ends too early', 'write a number such as 30'],
  InvalidUnicode: ['a malformed \\u escape', 'write \\u followed by four hex digits'],
  InvalidEscapeCharacter: ['an escape JSON does not know', 'write \\\\ for a backslash, \\" for a quote'],
  InvalidCharacter: ['a control character inside a string', 'write it as an escape such as \\t'],
};

function syntaxProblem(path: string, text: string, error: ParseError | undefined): XlpError {
  if (error === undefined || text.trim() === '') return configProblem(path, positionOf(text, 0), 'the file is empty', 'write {} or the settings you need, e.g. {"verify": {"requireSignature": true}}');
  const code = printParseErrorCode(error.error);
  const trailing = /,\s*$/.test(text.slice(0, error.offset)) && /^[}\]]/.test(text.slice(error.offset));
  if (trailing) return configProblem(path, positionOf(text, text.slice(0, error.offset).lastIndexOf(',')), 'a trailing comma, which JSON does not allow', 'remove the comma');
  const [said, instead] = SYNTAX[code] ?? [`not JSON (${code})`, 'write valid JSON'];
  const what = code === 'InvalidSymbol' ? `${JSON.stringify(text.slice(error.offset, error.offset + Math.min(error.length, 20)))} is not JSON` : said;
  // A bad character inside a string is reported at the string's start: point at the character itself.
  const offset = code === 'InvalidCharacter' ? firstControl(text, error.offset, error.length) : error.offset;
  return configProblem(path, positionOf(text, offset), what, instead);
}

function firstControl(text: string, from: number, length: number): number {
  // eslint-disable-next-line no-control-regex
  const at = text.slice(from, from + length).search(/[\x00-\x1f]/);
  return at < 0 ? from : from + at;
}

function refuseDuplicateKeys(path: string, text: string, node: Node): void {
  if (node.type === 'object') {
    const seen = new Map<string, Node>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0];
      if (key === undefined) continue;
      const name = String(key.value);
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        const line = positionOf(text, earlier.offset).line;
        throw configProblem(path, positionOf(text, key.offset), `"${name}" is given twice (also on line ${line})`, 'keep one of them');
      }
      seen.set(name, key);
    }
  }
  for (const child of node.children ?? []) refuseDuplicateKeys(path, text, child);
}
