/**
 * What the fast paths (cli/fast-list.ts, cli/fast-check.ts) share: reading a plain command line, and
 * the host it names with this run's places, as every oclif command resolves them (src/config/,
 * src/host/options.ts). Each fast path's bundle carries its own copy of this module (scripts/bundle.mjs),
 * so an error class thrown here is the one its reportFailure knows.
 */
import type { Backend } from '../src/host/backend.js';
import type { ConfigFile } from '../src/config/resolve.js';
import type { Places } from '../src/paths.js';
import { HOST_OPTIONS, isBackendKind, type HostOptions } from '../src/host/options.js';

const BY_FLAG = new Map<string, (typeof HOST_OPTIONS)[number]>(HOST_OPTIONS.map((spec) => [`--${spec.flag}`, spec]));

/** A plain command line of a fast path: its host flags and its own flags (by flag name), and whether it asks for JSON. */
export interface PlainLine {
  /** The host flags the command line gave, by flag name. */
  readonly flags: Readonly<Record<string, string>>;
  readonly json: boolean;
  readonly own: Readonly<Record<string, string>>;
}

/**
 * Reads `argv` as a plain form of `command`: each host flag, each of `own` (spelling -> flag name,
 * e.g. `-f` and `--manifest` -> manifest) and `--json`, `--quiet`, `-q` at most once, a value as the
 * next word or after `=` (`=` only for a long flag), never empty nor starting with `-`. Undefined for
 * anything else: it goes to oclif, which says what is wrong in its own words.
 */
export function parsePlainLine(command: string, argv: readonly string[], env: NodeJS.ProcessEnv, own: Readonly<Record<string, string>> = {}): PlainLine | undefined {
  if (argv[0] !== command) return undefined;
  const values = new Map<string, string>();
  const ownValues = new Map<string, string>();
  const booleans = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const word = eq < 0 ? arg : arg.slice(0, eq);
    const spec = BY_FLAG.get(word);
    const ownFlag = Object.hasOwn(own, word) ? own[word] : undefined;
    if (spec !== undefined || ownFlag !== undefined) {
      const name = spec?.flag ?? (ownFlag as string);
      const into = spec === undefined ? ownValues : values;
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-') || into.has(name)) return undefined;
      into.set(name, value);
    } else if ((arg === '--json' || arg === '--quiet' || arg === '-q') && !booleans.has(arg)) {
      booleans.add(arg);
    } else {
      return undefined;
    }
  }
  for (const spec of HOST_OPTIONS) {
    // oclif reads an empty variable its own way: leave such a command line to it.
    if (env[spec.env] === '') return undefined;
  }
  if (env.XLP_CONTENT_TYPE === '') return undefined;
  // oclif names a backend it does not know in its own words.
  const backend = values.get('backend') ?? env.XLP_BACKEND;
  if (backend !== undefined && !isBackendKind(backend)) return undefined;
  return { json: booleans.has('--json') || env.XLP_CONTENT_TYPE?.toLowerCase() === 'json', flags: Object.fromEntries(values), own: Object.fromEntries(ownValues) };
}

/** The config files, read and checked as every command reads them before it does anything else. */
export async function readConfigFiles(env: NodeJS.ProcessEnv): Promise<readonly ConfigFile[]> {
  const [{ loadConfigFiles }, { configDirs }] = await Promise.all([import('../src/config/load.js'), import('../src/paths.js')]);
  return loadConfigFiles(configDirs(env));
}

/** A resolved fast command line: the host, this run's places, and how long to wait for a busy hypervisor. */
export interface ResolvedHost {
  readonly host: HostOptions;
  readonly places: Places;
  readonly timeoutMs: number;
}

/** The host a fast command line names (its flags over the environment over the config files, as every command reads them) and this run's places. */
export async function resolveHost(flags: Readonly<Record<string, string | number>>, env: NodeJS.ProcessEnv, files?: readonly ConfigFile[]): Promise<ResolvedHost> {
  const [{ resolveSettings }, { hostOptionsOf }, { placesFor }] = await Promise.all([import('../src/config/resolve.js'), import('../src/config/host-options.js'), import('../src/paths.js')]);
  const settings = resolveSettings({ files: files ?? (await readConfigFiles(env)), env, flags });
  const simState = flags['sim-state'];
  // As cli/places.ts placesOf: the journal setting is checked even by commands that journal nothing.
  const places = placesFor({ sim: settings.get('host.backend').value === 'sim', simState: typeof simState === 'string' ? simState : undefined, auditLog: settings.get('audit.log')?.value }, env);
  return { host: hostOptionsOf(settings, places.simState), places, timeoutMs: settings.get('host.timeout').value * 1000 };
}

/** The backend of a resolved host, as `xlp list` has it. */
export async function openBackend(host: HostOptions, places: Places): Promise<Backend> {
  const { connect } = await import('../src/host/factory.js');
  return connect(host, places);
}

