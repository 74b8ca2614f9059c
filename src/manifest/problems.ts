/**
 * What is wrong with a manifest: each problem names the file, the 1-based line and column, and
 * what to write instead. All problems are collected (up to MAX_PROBLEMS), sorted by position, and
 * thrown as one ManifestError (exit 16): its message is the first problem and the count, its
 * `problems` the list, which --json prints as `error.problems`.
 */
import { ExitCode, XlpError } from '../errors.js';
import type { SourcePosition } from '../model/desired.js';
import { escapeText } from '../model/text.js';

export interface ManifestProblem extends SourcePosition {
  /** One line: what is wrong, and what to write instead. */
  readonly message: string;
}

/** Problems kept beyond this are counted, not listed: a wrong file fed as a manifest can have thousands. */
export const MAX_PROBLEMS = 50;

/** `site.yaml:7:9: unknown key "sha265" in payload xsa-466; did you mean "sha256"?` */
export const formatProblem = (p: ManifestProblem): string => `${escapeText(p.file)}:${p.line}:${p.column}: ${p.message}`;

export class ManifestError extends XlpError {
  /** The problems, sorted by position, at most MAX_PROBLEMS of them. */
  readonly problems: readonly ManifestProblem[];
  /** How many problems there were in all (more than problems.length when the list was cut). */
  readonly total: number;

  constructor(problems: readonly ManifestProblem[]) {
    const sorted = sortProblems(problems);
    const first = sorted[0];
    if (first === undefined) throw new Error('a ManifestError needs a problem');
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more ${sorted.length === 2 ? 'problem' : 'problems'})` : '';
    super('manifest-invalid', ExitCode.MANIFEST_INVALID, `${formatProblem(first)}${more}`, {
      hint: sorted.length > 1 ? 'fix the manifest (--json lists every problem); nothing was changed' : 'fix the manifest; nothing was changed',
    });
    this.problems = sorted.slice(0, MAX_PROBLEMS);
    this.total = sorted.length;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems, ...(this.total > this.problems.length ? { unlisted: this.total - this.problems.length } : {}) };
  }
}

/** By line, then column; problems at the same place keep their order; exact repeats are dropped. */
export function sortProblems(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.map((p, i) => [p, i] as const).sort(([a, i], [b, j]) => a.line - b.line || a.column - b.column || i - j).map(([p]) => p);
}
