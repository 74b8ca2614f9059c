/**
 * The CLI's entry point. `xlp list` may answer from its own small bundle (cli/fast-list.ts), shell
 * completion from another (cli/complete.ts), and the version from this one (cli/fast-version.ts);
 * everything else goes to oclif, bundled with the commands (cli/oclif-main.ts).
 */
import { tolerateClosedOutput } from '../src/ui/closed-output.js';
import { isVersionRequest, printVersion } from './fast-version.js';

tolerateClosedOutput();
const argv = process.argv.slice(2);
if (isVersionRequest(argv)) printVersion(argv, process.env);
else if (argv[0] === '__complete') await (await import('./complete.js')).printCompletions(argv.slice(1), process.env);
else if (!(argv[0] === 'list' && (await (await import('./fast-list.js')).tryFastList(argv, process.env)))) await import('./oclif-main.js');
