/**
 * oclif's command_not_found hook: an unknown command is a usage error (exit 2), printed like every
 * other error (one line on stderr, or the JSON error document on stdout under --json), with the
 * nearest commands. Never a prompt: scripts would hang on it.
 */
import type { Hook } from '@oclif/core/hooks';
import { ExitCode, XlpError } from '../src/errors.js';
import { reportFailure } from '../src/ui/report-failure.js';
import { suggest } from './suggest.js';

const quoted = (texts: readonly string[]): string => texts.map((text) => `"${text}"`).join(' or ');

const hook: Hook.CommandNotFound = async function (options) {
  const { config } = options;
  const argv = process.argv.slice(2);
  const end = argv.indexOf('--');
  const line = end < 0 ? argv : argv.slice(0, end);
  const typedWords = line.filter((arg) => !arg.startsWith('-'));
  // `xlp --json` alone: the flag is what oclif took for a command.
  const words = typedWords.length > 0 ? typedWords : [options.id];
  const json = line.includes('--json') || process.env.XLP_CONTENT_TYPE?.toLowerCase() === 'json';
  const known = [...config.commands.filter((command) => !command.hidden).flatMap((command) => [command.id, ...command.aliases]), ...config.topics.filter((topic) => !topic.hidden).map((topic) => topic.name)].map((id) =>
    id.split(':'),
  );
  const { typed, nearest } = suggest(words, known);
  const hint = nearest.length > 0 ? `did you mean ${quoted(nearest)}?` : `see '${config.bin} help' for the commands`;
  reportFailure(new XlpError('usage', ExitCode.USAGE, `unknown command ${quoted([typed])}`, { hint }), json);
};

export default hook;
