/**
 * oclif's entry point, bundled with the commands so both share one copy of oclif. An error that gets
 * here comes from a plugin's command (help, autocomplete: xlp's own commands catch theirs): it is
 * printed the way xlp prints every error, one line or the JSON error document, never oclif's help
 * dump or a stack trace.
 */
import { flush } from '@oclif/core/flush';
import { run } from '@oclif/core/run';
import { reportFailure } from '../src/ui/report-failure.js';
import { usageOrSelf, wantsJson } from './base-command.js';

const argv = process.argv.slice(2);
try {
  await run(argv, import.meta.url);
  await flush();
} catch (error) {
  const exit = error as Error & { code?: string; oclif?: { exit?: number } };
  // this.exit(n) in a command: the exit code is all there is to it.
  if (exit.code === 'EEXIT') process.exitCode = exit.oclif?.exit ?? 0;
  else reportFailure(usageOrSelf(exit), wantsJson(argv));
}
