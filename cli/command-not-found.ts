/**
 * oclif's command_not_found hook: an unknown command is a usage error (exit 2), printed like every
 * other error (one line on stderr, or the JSON error document on stdout under --json), with the
 * nearest commands. Never a prompt: scripts would hang on it. `xlp help X` reports an unknown X the
 * same way (cli/help.ts).
 */
import type { Config } from '@oclif/core/interfaces';
import type { Hook } from '@oclif/core/hooks';
import { ExitCode, XlpError } from '../src/errors.js';
import { reportFailure } from '../src/ui/report-failure.js';
import { wantsJson } from './base-command.js';
import { suggest } from './suggest.js';

const quoted = (texts: readonly string[]): string => texts.map((text) => `"${text}"`).join(' or ');

/** Reports `words` (the command words typed, flags left out) as an unknown command, with the nearest ones. */
export function reportUnknownCommand(config: Config, words: readonly string[], json: boolean): void {
  const known = [...config.commands.filter((command) => !command.hidden).flatMap((command) => [command.id, ...command.aliases]), ...config.topics.filter((topic) => !topic.hidden).map((topic) => topic.name)].map((id) =>
    id.split(':'),
  );
  const { typed, nearest } = suggest(words, known);
  const hint = nearest.length > 0 ? `did you mean ${quoted(nearest)}?` : `see '${config.bin} help' for the commands`;
  reportFailure(new XlpError('usage', ExitCode.USAGE, `unknown command ${quoted([typed])}`, { hint }), json);
}

const hook: Hook.CommandNotFound = async function ({ config, id }) {
  const argv = process.argv.slice(2);
  const end = argv.indexOf('--');
  const words = (end < 0 ? argv : argv.slice(0, end)).filter((arg) => !arg.startsWith('-'));
  // `xlp --json` alone: the flag is what oclif took for a command.
  reportUnknownCommand(config, words.length > 0 ? words : [id], wantsJson(argv));
};

export default hook;
