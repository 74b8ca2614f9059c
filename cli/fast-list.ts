/**
 * `xlp list` is what monitoring and pipelines poll, often; it answers here without loading oclif
 * (docs/performance.md) when its command line has one of the plain forms below. Anything else (help,
 * an unknown, repeated or malformed flag, an empty environment variable) goes to oclif untouched.
 * The host flags and their environment variables come from the same table as oclif's
 * (src/host/options.ts). Output, errors and exit codes are the ones the oclif command gives: both use
 * listPayloads, renderList and reportFailure, and test/e2e/fast-list.test.ts compares the two paths.
 * XLP_FAST_PATH=0 turns this path off.
 */
import { BACKEND_KINDS, HOST_OPTIONS, isBackendKind, type HostOptions } from '../src/host/options.js';

interface FastList {
  readonly host: HostOptions;
  readonly json: boolean;
}

const BY_FLAG = new Map<string, (typeof HOST_OPTIONS)[number]>(HOST_OPTIONS.map((spec) => [`--${spec.flag}`, spec]));

/** The list request, or undefined when the command line is not one this path takes. */
export function parseFastList(argv: readonly string[], env: NodeJS.ProcessEnv): FastList | undefined {
  if (argv[0] !== 'list') return undefined;
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const spec = BY_FLAG.get(eq < 0 ? arg : arg.slice(0, eq));
    if (spec !== undefined) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-') || values.has(spec.key)) return undefined;
      values.set(spec.key, value);
    } else if ((arg === '--json' || arg === '--quiet' || arg === '-q') && !booleans.has(arg)) {
      booleans.add(arg);
    } else {
      return undefined;
    }
  }
  const host: Record<string, string> = {};
  for (const spec of HOST_OPTIONS) {
    const fromEnv = env[spec.env];
    // oclif reads an empty variable its own way: leave such a command line to it.
    if (fromEnv === '') return undefined;
    const value = values.get(spec.key) ?? fromEnv;
    if (value !== undefined) host[spec.key] = value;
  }
  if (env.XLP_CONTENT_TYPE === '') return undefined;
  const backend = host.backend ?? BACKEND_KINDS[0];
  if (!isBackendKind(backend)) return undefined;
  return { json: booleans.has('--json') || env.XLP_CONTENT_TYPE?.toLowerCase() === 'json', host: { ...host, backend } };
}

/** Answers `xlp list` and returns true, or returns false (having done nothing) for oclif to take it. */
export async function tryFastList(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const request = env.XLP_FAST_PATH === '0' ? undefined : parseFastList(argv, env);
  if (request === undefined) return false;
  const [{ connect }, { listPayloads }, { renderList }, { reportFailure }, { placesFor }, { hostLockHolder }, { jsonText }] = await Promise.all([
    import('../src/host/factory.js'),
    import('../src/ops/list.js'),
    import('../src/ui/render.js'),
    import('../src/ui/report-failure.js'),
    import('../src/paths.js'),
    import('../src/audit/host-lock.js'),
    import('../src/model/text.js'),
  ]);
  try {
    const places = placesFor({ sim: request.host.backend === 'sim', simState: request.host.simState }, env);
    const backend = await connect({ ...request.host, ...(places.simState === undefined ? {} : { simState: places.simState }) }, places.runtime);
    try {
      const result = await listPayloads(backend, await hostLockHolder(places.locks, backend.host));
      process.stdout.write(`${request.json ? jsonText(result) : renderList(result)}\n`);
    } finally {
      await backend.close();
    }
  } catch (error) {
    reportFailure(error, request.json);
  }
  return true;
}
