/**
 * What every xlp command shares: --json, -q, one-line errors with stable exit codes, and no stack
 * traces for anything a user can cause; and the config files, read and checked before the command
 * does anything, so an invalid one is refused by every command alike (exit 2).
 */
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type { Input, ParserOutput } from '@oclif/core/interfaces';
import { loadConfigFiles } from '../src/config/load.js';
import { resolveSettings, type ConfigFile, type Settings } from '../src/config/resolve.js';
import { boundElsewhere } from '../src/config/settings.js';
import { ExitCode, XlpError, isXlpError } from '../src/errors.js';
import { escapeText } from '../src/model/text.js';
import { jsonDocument } from '../src/ui/json-document.js';
import { progressStyle, type ProgressStyle } from '../src/ui/progress-style.js';
import { reportFailure, reportUnknown } from '../src/ui/report-failure.js';

// oclif's own constraints on parsed flags and arguments (its interfaces module does not export them).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parsed = { [name: string]: any };

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    // oclif's own --json (enableJsonFlag), described as xlp prints it.
    json: Flags.boolean({ summary: 'Print one JSON document on stdout, errors too (schemaVersion 1); no progress.', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({ char: 'q', summary: 'Print no progress on stderr.', helpGroup: 'GLOBAL' }),
  };

  private configFiles: readonly ConfigFile[] = [];
  /** What a failure of this run is about, for the error document: filled in as the command learns it. */
  protected about: { host: string | null; payload: string | null } = { host: null, payload: null };
  /** The flags the command line itself gave (oclif fills the others in from their environment variables). */
  private given = new Set<string>();

  override async init(): Promise<void> {
    await super.init();
    this.configFiles = await loadConfigFiles();
  }

  protected override async parse<F extends Parsed, B extends Parsed, A extends Parsed>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    this.given = new Set(parsed.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])));
    // The payload the command is about: its name, else its file.
    const payload: unknown = parsed.flags.name ?? parsed.args.name ?? parsed.args.file;
    this.about.payload = typeof payload === 'string' ? payload : null;
    return parsed;
  }

  /**
   * The settings of this run: flag > environment > user config > system config > default. Only the
   * flags the command line gave count as flags here; the settings read the environment themselves,
   * so each value's source is known.
   */
  protected settings(flags: Readonly<Record<string, unknown>>): Settings {
    const definitions = (this.constructor as { flags?: Record<string, { env?: string }> }).flags ?? {};
    const given = Object.fromEntries(Object.entries(flags).filter(([name]) => this.given.has(name) && !boundElsewhere(name, definitions[name]?.env)));
    return resolveSettings({ files: this.configFiles, env: process.env, flags: given });
  }

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

  /** JSON for machines: a document with its schemaVersion, the characters JSON.stringify leaves raw escaped too. */
  override logJson(json: unknown): void {
    process.stdout.write(`${jsonDocument(json as object)}\n`);
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    // Read from the command line itself: a bad flag fails before the flags are parsed, and a
    // monitoring system must still get its UNKNOWN line.
    if (wantsFlag(this.argv, '--nagios')) reportUnknown(usageOrSelf(error));
    else reportFailure(usageOrSelf(error), this.jsonEnabled(), { ...this.about, operation: this.id?.replaceAll(':', ' ') ?? null });
  }
}

/** Whether `flag` is on a command line, before any `--`. */
const wantsFlag = (argv: readonly string[], flag: string): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes(flag);
};

/** Whether a command line asks for JSON: --json before any `--`, or XLP_CONTENT_TYPE=json (as oclif reads them). */
export function wantsJson(argv: readonly string[]): boolean {
  return wantsFlag(argv, '--json') || process.env.XLP_CONTENT_TYPE?.toLowerCase() === 'json';
}

/** oclif's own parse errors (unknown flag, missing argument, bad value) carry exit 2: usage errors. */
export function usageOrSelf(error: Error & { oclif?: { exit?: number } }): unknown {
  if (isXlpError(error)) return error;
  if (error.oclif?.exit === 2) return new XlpError('usage', ExitCode.USAGE, parseErrorText(error.message), { hint: "see 'xlp help' for usage" });
  if (error.oclif?.exit === 0) return new XlpError('exit', ExitCode.OK, error.message);
  return error;
}

/**
 * oclif's parse error as one line in xlp's form (lower case, like every other message): without its
 * "See more help" line and "The following error occurred" preamble, and with missing arguments named
 * the way the usage line names them (oclif adds their descriptions on lines of their own).
 */
function parseErrorText(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with/.test(line));
  const [first = '', ...rest] = lines;
  const text = /^Missing \d+ required args?:$/.test(first) ? `${first} ${rest.map((line) => (line.split(/\s{2,}/)[0] ?? '').toUpperCase()).join(', ')}` : lines.join(' ');
  return text
    .replace(/\s+/g, ' ')
    .replace(/^The following errors? occurred: /, '')
    .replace(/^Parsing (--[\w-]+) /, 'parsing $1: ')
    .replace(/(^|: )([A-Z])(?=[a-z])/g, (_, before: string, letter: string) => `${before}${letter.toLowerCase()}`);
}
