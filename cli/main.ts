/**
 * The CLI's entry point. `xlp list` and `xlp check` may answer from their own small bundles
 * (cli/fast-list.ts, cli/fast-check.ts), shell
 * completion from another (cli/complete.ts), and the version from this one (cli/fast-version.ts);
 * everything else goes to oclif, bundled with the commands (cli/oclif-main.ts).
 */
import { tolerateClosedOutput } from '../src/ui/closed-output.js';
import { isVersionRequest, printVersion } from './fast-version.js';

tolerateClosedOutput();
const argv = process.argv.slice(2);
if (isVersionRequest(argv)) printVersion(argv, process.env);
else if (argv[0] === '__complete') await (await import('./complete.js')).printCompletions(argv.slice(1), process.env);
else if (!(await answeredFast(argv))) await import('./oclif-main.js');

/** Whether a fast path answered: each is imported only for its own command. */
async function answeredFast(argv: readonly string[]): Promise<boolean> {
  if (argv[0] === 'list') return (await import('./fast-list.js')).tryFastList(argv, process.env);
  if (argv[0] === 'check') return (await import('./fast-check.js')).tryFastCheck(argv, process.env);
  return false;
}
