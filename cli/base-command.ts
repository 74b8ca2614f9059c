/**
 * What every xlp command shares: --json, one-line errors with stable exit codes, and no stack
 * traces for anything a user can cause.
 */
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type { Interfaces } from '@oclif/core';
import { ExitCode, XlpError, isXlpError } from '../src/errors.js';
import { progressMode, type ProgressMode } from '../src/ui/progress.js';
import { reportFailure } from '../src/ui/report-failure.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', summary: 'Print no progress on stderr.', helpGroup: 'GLOBAL' }),
  };

  protected progress(flags: { quiet: boolean }): ProgressMode {
    return progressMode({ quiet: flags.quiet || this.jsonEnabled() });
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    reportFailure(usageOrSelf(error), this.jsonEnabled());
  }
}

/** oclif's own parse errors (unknown flag, missing argument) are usage errors (exit 2). */
function usageOrSelf(error: Error & { oclif?: { exit?: number } }): unknown {
  if (isXlpError(error)) return error;
  const message = error.message
    .split('\n')
    .filter((line) => !/^See more help with/.test(line.trim()))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (error.oclif?.exit === 2 || /Nonexistent flag|Unexpected argument|Missing .*required|Expected .* to be one of/.test(error.message)) {
    return new XlpError('usage', ExitCode.USAGE, message, { hint: "see 'xlp help' for usage" });
  }
  if (error.oclif?.exit === 0) return new XlpError('exit', ExitCode.OK, message);
  return error;
}
