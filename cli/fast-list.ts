/**
 * `xlp list` is what monitoring and pipelines poll, often; it answers here without loading oclif
 * (docs/performance.md) when its command line has one of the plain forms below (host flags,
 * --timeout, --json, -q). Anything else (help,
 * an unknown, repeated or malformed flag, an empty environment variable) goes to oclif untouched.
 * The host flags and their environment variables come from the same table as oclif's
 * (src/host/options.ts), and the config files are read and checked as every oclif command reads
 * them (src/config/), with the same settings below the flags. Output, errors and exit codes are the
 * ones the oclif command gives: both use listPayloads, renderList and reportFailure, and
 * test/e2e/fast-list.test.ts compares the two paths. XLP_FAST_PATH=0 turns this path off.
 */
import type { Backend } from '../src/host/backend.js';
import type { Places } from '../src/paths.js';
import { MAX_WAIT_SECONDS } from '../src/config/settings.js';
import { HOST_OPTIONS, hostLabel, isBackendKind, type HostOptions } from '../src/host/options.js';

interface FastList {
  /** The host flags the command line gave, by flag name, and --timeout as a number. */
  readonly flags: Readonly<Record<string, string | number>>;
  readonly json: boolean;
}

/** --timeout's value as oclif's integer flag takes it (min 0, max MAX_WAIT_SECONDS); undefined for anything else, which oclif then refuses in its words. */
const seconds = (value: string): number | undefined => (/^\d{1,9}$/.test(value) && Number(value) <= MAX_WAIT_SECONDS ? Number(value) : undefined);

const BY_FLAG = new Map<string, (typeof HOST_OPTIONS)[number]>(HOST_OPTIONS.map((spec) => [`--${spec.flag}`, spec]));

/** The list request, or undefined when the command line is not one this path takes. */
export function parseFastList(argv: readonly string[], env: NodeJS.ProcessEnv): FastList | undefined {
  if (argv[0] !== 'list') return undefined;
  const values = new Map<string, string | number>();
  const booleans = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const spec = BY_FLAG.get(eq < 0 ? arg : arg.slice(0, eq));
    const name = spec?.flag ?? ((eq < 0 ? arg : arg.slice(0, eq)) === '--timeout' ? 'timeout' : undefined);
    if (name !== undefined) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-') || values.has(name)) return undefined;
      const parsed = name === 'timeout' ? seconds(value) : value;
      if (parsed === undefined) return undefined;
      values.set(name, parsed);
    } else if ((arg === '--json' || arg === '--quiet' || arg === '-q') && !booleans.has(arg)) {
      booleans.add(arg);
    } else {
      return undefined;
    }
  }
  for (const variable of [...HOST_OPTIONS.map((spec) => spec.env), 'XLP_TIMEOUT']) {
    // oclif reads an empty variable its own way: leave such a command line to it.
    if (env[variable] === '') return undefined;
  }
  // oclif refuses a bad XLP_TIMEOUT in its own words too.
  if (env.XLP_TIMEOUT !== undefined && seconds(env.XLP_TIMEOUT) === undefined) return undefined;
  if (env.XLP_CONTENT_TYPE === '') return undefined;
  // oclif names a backend it does not know in its own words.
  const backend = (values.get('backend') as string | undefined) ?? env.XLP_BACKEND;
  if (backend !== undefined && !isBackendKind(backend)) return undefined;
  return { json: booleans.has('--json') || env.XLP_CONTENT_TYPE?.toLowerCase() === 'json', flags: Object.fromEntries(values) };
}

/** The host a fast command line names (its flags over the environment over the config files, as every command reads them), this run's places and how long to wait for a busy hypervisor. */
export async function resolveHost(flags: Readonly<Record<string, string | number>>, env: NodeJS.ProcessEnv): Promise<{ host: HostOptions; places: Places; timeoutMs: number }> {
  const [{ loadConfigFiles }, { resolveSettings }, { hostOptionsOf }, { configDirs, placesFor }] = await Promise.all([
    import('../src/config/load.js'),
    import('../src/config/resolve.js'),
    import('../src/config/host-options.js'),
    import('../src/paths.js'),
  ]);
  const settings = resolveSettings({ files: await loadConfigFiles(configDirs(env)), env, flags });
  const simState = flags['sim-state'];
  const places = placesFor({ sim: settings.get('host.backend').value === 'sim', simState: typeof simState === 'string' ? simState : undefined }, env);
  return { host: hostOptionsOf(settings, places.simState), places, timeoutMs: settings.get('host.timeout').value * 1000 };
}

/** The backend of a resolved host, as `xlp list` has it. */
export async function openBackend(host: HostOptions, places: Places): Promise<Backend> {
  const { connect } = await import('../src/host/factory.js');
  return connect(host, places);
}

/** Answers `xlp list` and returns true, or returns false (having done nothing) for oclif to take it. */
export async function tryFastList(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const request = env.XLP_FAST_PATH === '0' ? undefined : parseFastList(argv, env);
  if (request === undefined) return false;
  const [{ listPayloads }, { renderList }, { reportFailure }, { hostLockHolder }, { jsonDocument }, { PayloadStore }] = await Promise.all([
    import('../src/ops/list.js'),
    import('../src/ui/render.js'),
    import('../src/ui/report-failure.js'),
    import('../src/audit/host-lock.js'),
    import('../src/ui/json-document.js'),
    import('../src/verify/store.js'),
  ]);
  // The error document names the host as the oclif command would: once it is resolved.
  let named: string | null = null;
  try {
    const { host, places, timeoutMs } = await resolveHost(request.flags, env);
    named = hostLabel(host);
    const backend = await openBackend(host, places);
    try {
      const result = await listPayloads(backend, { records: new PayloadStore(backend.host, places.records), inProgress: await hostLockHolder(places.locks, backend.host), timeoutMs });
      process.stdout.write(`${request.json ? jsonDocument(result) : renderList(result)}\n`);
    } finally {
      await backend.close();
    }
  } catch (error) {
    reportFailure(error, request.json, { host: named, operation: 'list', payload: null });
  }
  return true;
}
