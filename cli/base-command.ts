/**
 * What every xlp command shares: --json, -q, one-line errors with stable exit codes, and no stack
 * traces for anything a user can cause.
 */
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { ExitCode, XlpError, isXlpError } from '../src/errors.js';
import { escapeText, jsonText } from '../src/model/text.js';
import { progressStyle, type ProgressStyle } from '../src/ui/progress-style.js';
import { reportFailure } from '../src/ui/report-failure.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', summary: 'Print no progress on stderr.', helpGroup: 'GLOBAL' }),
  };

  protected progressStyle(flags: { quiet: boolean }): ProgressStyle {
    return progressStyle({ quiet: flags.quiet || this.jsonEnabled() });
  }

  /** A message for the operator on stderr, whatever the output mode (an interrupt acknowledged, a lock waited for). */
  protected notice(message: string): void {
    process.stderr.write(`xlp: ${escapeText(message)}\n`);
  }

  /**
   * Text for people: each line escaped (src/model/text.ts). The renderings escape every untrusted
   * field already; this is the second line of defence, so nothing can reach a terminal raw.
   */
  override log(message = '', ...args: unknown[]): void {
    super.log(message.split('\n').map(escapeText).join('\n'), ...args);
  }

  /** JSON for machines, with the characters JSON.stringify leaves raw escaped too. */
  override logJson(json: unknown): void {
    process.stdout.write(`${jsonText(json)}\n`);
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    reportFailure(usageOrSelf(error), this.jsonEnabled());
  }
}

/** oclif's own parse errors (unknown flag, missing argument, bad value) carry exit 2: usage errors. */
function usageOrSelf(error: Error & { oclif?: { exit?: number } }): unknown {
  if (isXlpError(error)) return error;
  const message = error.message
    .split('\n')
    .filter((line) => !/^See more help with/.test(line.trim()))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (error.oclif?.exit === 2) return new XlpError('usage', ExitCode.USAGE, message, { hint: "see 'xlp help' for usage" });
  if (error.oclif?.exit === 0) return new XlpError('exit', ExitCode.OK, message);
  return error;
}
