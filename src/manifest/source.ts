/**
 * The manifest's text as a YAML document whose every node keeps its place in the file (JSON is
 * YAML, so a .json manifest is read the same way). YAML 1.2 with the core schema: `on`, `yes` and
 * `no` are strings, duplicate keys are an error, and tags (`!!binary`, `!custom`) and aliases
 * (`*name`) are refused: a manifest is plain data, and an error inside an alias would have no place
 * of its own.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';

import type { SourcePosition } from '../model/desired.js';
import { printable } from '../model/text.js';
import type { ManifestProblem } from './problems.js';

export type PathSegment = string | number;

export class ManifestSource {
  private readonly lines = new LineCounter();
  readonly document: Document;
  /** Syntax errors and what the manifest may not use (aliases, unknown tags, keys that are not words). */
  readonly problems: ManifestProblem[] = [];

  constructor(
    readonly text: string,
    /** The manifest's path as the operator wrote it: every position names it. */
    readonly file: string,
  ) {
    this.document = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
      version: '1.2',
      schema: 'core',
      merge: false,
      // 'silent' would drop the error for a second document too.
      logLevel: 'error',
    });
    // One error at each place: yaml often reports a second error, a consequence of the first, there.
    const placed = new Set<number>();
    for (const error of this.document.errors) {
      if (placed.has(error.pos[0])) continue;
      placed.add(error.pos[0]);
      const message = error.code === 'DUPLICATE_KEY' ? this.duplicateKeyMessage(error.pos[0]) : syntaxMessage(error.code, error.message, /^\s*[[{]/.test(text));
      this.problems.push(this.problem(error.pos[0], message));
    }
    // Tags are refused below, known or not; any other warning is a problem too.
    for (const warning of this.document.warnings) if (warning.code !== 'TAG_RESOLVE_FAILED') this.problems.push(this.problem(warning.pos[0], `YAML: ${warning.message}`));
    if (this.document.errors.length === 0) this.refuseNonData();
  }

  /** The manifest as plain data, for the schema; undefined when the text had problems. */
  data(): unknown {
    if (this.problems.length > 0) return undefined;
    return this.document.toJS({ maxAliasCount: 0 });
  }

  position(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, column: col };
  }

  problem(offset: number, message: string): ManifestProblem {
    return { ...this.position(offset), message };
  }

  /** The node at `path` (numbers index lists, strings name keys), and the pair holding it in a map. */
  find(path: readonly PathSegment[]): { node: Node | null | undefined; pair?: Pair<unknown, unknown> } {
    let node: unknown = this.document.contents;
    let pair: Pair<unknown, unknown> | undefined;
    for (const segment of path) {
      pair = undefined;
      if (isSeq(node)) node = node.items[Number(segment)];
      else if (isMap(node)) {
        pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment)) as Pair<unknown, unknown> | undefined;
        node = pair?.value;
      } else return { node: undefined };
    }
    return { node: node as Node | null | undefined, ...(pair === undefined ? {} : { pair }) };
  }

  /**
   * Where the value at `path` is written. A key with no value (`sha256:`) is placed at its key; a
   * path that is not there, at the nearest enclosing node that is.
   */
  positionOf(path: readonly PathSegment[]): SourcePosition {
    for (let n = path.length; n >= 0; n--) {
      const { node, pair } = this.find(path.slice(0, n));
      const empty = isScalar(node) && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
      if (pair !== undefined && (node === null || node === undefined || empty)) return this.offsetOf(pair.key);
      if (node !== null && node !== undefined) return this.offsetOf(node);
    }
    return this.position(0);
  }

  /** Where the key `key` of the map at `path` is written. */
  keyPosition(path: readonly PathSegment[], key: string): SourcePosition {
    const { pair } = this.find([...path, key]);
    return pair === undefined ? this.positionOf(path) : this.offsetOf(pair.key);
  }

  private offsetOf(node: unknown): SourcePosition {
    const range = (node as { range?: [number, number, number] | null }).range;
    return this.position(range?.[0] ?? 0);
  }

  /** The duplicate key at `offset`, and where the key was first written. */
  private duplicateKeyMessage(offset: number): string {
    let message = 'duplicate key: a key may appear once in each mapping; remove or merge the second one';
    visit(this.document, {
      Map: (_key, map) => {
        const second = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
        if (second === undefined || !isScalar(second.key)) return undefined;
        const key = String(second.key.value);
        const first = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        const line = isScalar(first?.key) && first.key.range ? this.position(first.key.range[0]).line : undefined;
        message = `duplicate key "${printable(key, 40)}"${line === undefined ? '' : ` (first at line ${line})`}: a key may appear once in each mapping; remove or merge the second one`;
        return visit.BREAK;
      },
    });
    return message;
  }

  private refuseNonData(): void {
    visit(this.document, {
      Alias: (_key, node) => {
        this.problems.push(this.problem(node.range?.[0] ?? 0, `alias *${printable(node.source, 40)} is not allowed in a manifest; write the value out in full`));
      },
      Node: (_key, node) => {
        if (!isScalar(node) && !isMap(node) && !isSeq(node)) return;
        if (node.tag === undefined) return;
        // The tag is written before the value, on its line: point at it.
        const start = node.range?.[0] ?? 0;
        const lineStart = this.text.lastIndexOf('\n', start - 1) + 1;
        const written = /(![^\s,[\]{}]*)\s*$/.exec(this.text.slice(lineStart, start));
        const offset = written === null ? start : lineStart + written.index;
        this.problems.push(this.problem(offset, `tag ${printable(written?.[1] ?? node.tag, 40)} is not allowed in a manifest: it is plain data; remove the tag (quote a value to make it a string)`));
      },
      Pair: (_key, pair) => {
        if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
          this.problems.push(this.problem((pair.key as Node).range?.[0] ?? 0, 'a key must be a plain word, not a list or a mapping; write key: value'));
        }
      },
    });
  }
}

/** yaml's message, with what to do for the mistakes people make. */
function syntaxMessage(code: string, message: string, json: boolean): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'a second YAML document (after ---): a manifest is one document; remove the --- line and what follows, or merge it';
    case 'TAB_AS_INDENT':
      return 'a tab used to indent: YAML indents with spaces only; replace the tab with spaces';
    default:
      return `YAML syntax error: ${message.replace(/ at line \d+, column \d+.*$/s, '')}${json ? '; in JSON, look for a missing comma, quote or bracket here or just before' : ''}`;
  }
}
