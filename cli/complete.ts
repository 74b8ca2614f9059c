/**
 * `xlp __complete WORD...`: the candidates for the last word of a command line (the words after
 * `xlp`, the last one being completed, empty after a space), one per line, for the bash and zsh
 * functions of cli/completion-scripts.ts. Answered without loading oclif, from the manifests oclif
 * writes at build time (xlp's own and its plugins'): command and topic names (each once), flags not
 * yet given, the fixed values of options flags and arguments (`--format=`, `sim fault KIND`), and
 * the payload names an action can take (apply: the CHECKED ones, revert: the APPLIED ones...).
 *
 * Payload names are read from the host the line names, only when that is cheap and safe: the
 * simulated host, or this machine's xen-livepatch, each within NAMES_TIMEOUT_MS. Never over ssh
 * (--host or XLP_HOST): a TAB must not open a connection, wait on the network, or leave an ssh
 * master behind when its time runs out. Nothing printed means: let the shell complete file names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_OPTIONS } from '../src/host/options.js';
import { ACTIONS, REQUIRES, type Action } from '../src/model/vocabulary.js';
import { openBackend, parseFastList, resolveHost } from './fast-list.js';

interface Flag {
  readonly type: 'boolean' | 'option';
  readonly char?: string;
  readonly options?: readonly string[];
  readonly multiple?: boolean;
  readonly hidden?: boolean;
}
interface Arg {
  readonly name: string;
  readonly options?: readonly string[];
}
interface Command {
  readonly id: string;
  readonly hidden?: boolean;
  readonly flags: Readonly<Record<string, Flag>>;
  readonly args: Readonly<Record<string, Arg>>;
}

/** Long enough for the simulator and a local xen-livepatch; short enough not to be felt. */
const NAMES_TIMEOUT_MS = 1500;

const root = new URL('../../', import.meta.url);
const readJson = <T>(path: string | URL): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The visible commands of xlp and of its plugins (help, autocomplete), by id (words joined by ':'). */
function loadCommands(): Map<string, Command> {
  const pjson = readJson<{ oclif: { plugins?: string[] } }>(new URL('package.json', root));
  const require = createRequire(new URL('package.json', root));
  // A plugin's directory, from its entry point (its package.json is not among its exports).
  const pluginDir = (name: string): string => {
    const entry = require.resolve(name);
    return entry.slice(0, entry.lastIndexOf(`${sep}node_modules${sep}${name}${sep}`) + `${sep}node_modules${sep}${name}`.length);
  };
  const manifests = [fileURLToPath(new URL('oclif.manifest.json', root)), ...(pjson.oclif.plugins ?? []).map((name) => join(pluginDir(name), 'oclif.manifest.json'))];
  const commands = new Map<string, Command>();
  for (const path of manifests) {
    for (const command of Object.values(readJson<{ commands: Record<string, Command> }>(path).commands)) if (!command.hidden) commands.set(command.id, command);
  }
  return commands;
}

const startsWith = (prefix: string) => (candidate: string) => candidate.startsWith(prefix);

/** The next words of command ids below `path` (each once: `audit` once for its five commands). */
function nextWords(commands: Map<string, Command>, path: readonly string[]): string[] {
  const below = [...commands.keys()].map((id) => id.split(':')).filter((id) => id.length > path.length && path.every((word, i) => id[i] === word));
  return [...new Set(below.map((id) => id[path.length] as string))].sort();
}

/** The id of the command the leading words of `path` name (the longest), if they name one. */
function longestCommand(commands: Map<string, Command>, path: readonly string[]): string | undefined {
  for (let end = path.length; end > 0; end--) {
    const id = path.slice(0, end).join(':');
    if (commands.has(id)) return id;
  }
  return undefined;
}

/** Splits the words after the command into flags given, positional arguments, and whether the word before the last is a flag awaiting its value. */
function parseRest(command: Command, rest: readonly string[]): { given: Set<string>; positional: number; awaiting?: Flag } {
  const given = new Set<string>();
  let positional = 0;
  let awaiting: Flag | undefined;
  for (const word of rest) {
    if (awaiting !== undefined) {
      awaiting = undefined;
      continue;
    }
    if (word.startsWith('-')) {
      const name = word.replace(/^--?/, '').split('=')[0] as string;
      const [key, flag] = (word.startsWith('--') ? [name, command.flags[name]] : Object.entries(command.flags).find(([, f]) => f.char === name)) ?? [];
      if (key !== undefined && flag !== undefined) given.add(key);
      if (flag?.type === 'option' && !word.includes('=')) awaiting = flag;
    } else {
      positional++;
    }
  }
  return { given, positional, ...(awaiting === undefined ? {} : { awaiting }) };
}

/**
 * The payloads `action` can take (by their state) on the host the line names: its host flags, else
 * the environment, as `xlp list` would take them; none over ssh.
 */
async function payloadNames(action: Action, words: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const hostArgs: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const spec = HOST_OPTIONS.find((option) => word === `--${option.flag}` || word.startsWith(`--${option.flag}=`));
    if (spec === undefined) continue;
    hostArgs.push(word);
    if (!word.includes('=') && i + 1 < words.length) hostArgs.push(words[++i] as string);
  }
  const request = parseFastList(['list', ...hostArgs], env);
  if (request === undefined) return [];
  const { host, places } = await resolveHost(request.flags, env);
  // A TAB creates nothing: `xlp list` would start a simulated host whose state file is missing.
  if (host.host !== undefined || (host.backend === 'sim' && !existsSync(places.simState ?? ''))) return [];
  const backend = await openBackend(host, places);
  try {
    return (await backend.list()).filter((payload) => payload.state === REQUIRES[action]).map((payload) => payload.name);
  } finally {
    await backend.close();
  }
}

export async function complete(words: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const commands = loadCommands();
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  // `xlp help` takes a command path after it, and completes nothing past a whole command.
  const help = before[0] === 'help';
  const path = help ? before.slice(1) : before;
  const id = longestCommand(commands, path);
  if (id === undefined) return nextWords(commands, path).filter(startsWith(current));
  const command = commands.get(id) as Command;
  if (help) return [];
  const rest = path.slice(id.split(':').length);
  const { given, positional, awaiting } = parseRest(command, rest);
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0) {
    const flag = command.flags[current.slice(2, eq)];
    return (flag?.options ?? []).map((value) => `${current.slice(0, eq + 1)}${value}`).filter(startsWith(current));
  }
  if (awaiting !== undefined) return (awaiting.options ?? []).filter(startsWith(current));
  if (current.startsWith('-')) {
    const unused = Object.entries(command.flags).filter(([name, flag]) => !flag.hidden && (flag.multiple === true || !given.has(name)));
    return [...unused.map(([name]) => `--${name}`), '--help'].sort().filter(startsWith(current));
  }
  const arg = Object.values(command.args)[positional];
  if (arg?.options !== undefined) return arg.options.filter(startsWith(current));
  if (arg !== undefined && PAYLOAD_NAME_ARGS.has(arg.name) && (ACTIONS as readonly string[]).includes(command.id)) {
    const names = await Promise.race([payloadNames(command.id as Action, words, env).catch(() => []), new Promise<string[]>((resolve) => setTimeout(() => resolve([]), NAMES_TIMEOUT_MS).unref())]);
    return names.filter(startsWith(current));
  }
  return [];
}

/** The arguments that take a loaded payload's name: `name`, and replace's `target` (a name, or a file the shell completes when no name matches). */
const PAYLOAD_NAME_ARGS: ReadonlySet<string> = new Set(['name', 'target']);

/** `xlp __complete WORD...`: prints the candidates and exits, whatever the host lookup left running. */
export async function printCompletions(words: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const candidates = await complete(words, env).catch(() => []);
  process.stdout.write(candidates.map((candidate) => `${candidate}\n`).join(''), () => process.exit(0));
}
