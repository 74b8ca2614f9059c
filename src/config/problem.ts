/**
 * How a config file is refused: one line, "FILE:LINE:COLUMN: what is wrong; what to write instead",
 * the form compilers and editors use, so the operator (or an editor's problem matcher) lands on it.
 * A bad configuration is a usage error (exit 2), refused by every command alike.
 */
import { ExitCode, XlpError } from '../errors.js';

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
}

export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

export const SCHEMA_HINT = 'the settings are described in docs/verification.md (Configuration) and docs/schema/config.schema.json';

export function configProblem(path: string, at: Position, what: string, instead: string): XlpError {
  return new XlpError('config-invalid', ExitCode.USAGE, `${path}:${at.line}:${at.column}: ${what}; ${instead}`, { hint: SCHEMA_HINT });
}

/** A config file refused as a whole (who may write it, what it is), before its text is read. */
export function configFileRefused(path: string, fault: string, fix: string): XlpError {
  return new XlpError('config-invalid', ExitCode.USAGE, `config file ${path} ${fault}`, { hint: fix });
}
