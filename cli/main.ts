/**
 * The CLI's entry point. `xlp list` may answer from its own small bundle (cli/fast-list.ts);
 * everything else goes to oclif, bundled with the commands (cli/oclif-main.ts).
 */
import { tolerateClosedOutput } from '../src/ui/closed-output.js';

tolerateClosedOutput();
const argv = process.argv.slice(2);
const answered = argv[0] === 'list' && (await (await import('./fast-list.js')).tryFastList(argv, process.env));
if (!answered) await import('./oclif-main.js');
