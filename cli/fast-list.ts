/**
 * `xlp list` is what monitoring and pipelines poll, often; it answers here without loading oclif
 * (docs/performance.md) when its command line has a plain form (cli/fast-host.ts; list also takes
 * --timeout). Anything else (help, an unknown, repeated or malformed flag, an empty environment
 * variable) goes to oclif untouched.
 * The host flags and their environment variables come from the same table as oclif's
 * (src/host/options.ts), and the config files are read and checked as every oclif command reads
 * them (src/config/), with the same settings below the flags. Output, errors and exit codes are the
 * ones the oclif command gives: both use listPayloads, renderList and reportFailure, and
 * test/e2e/fast-list.test.ts compares the two paths. XLP_FAST_PATH=0 turns this path off.
 */
import { MAX_WAIT_SECONDS } from '../src/config/settings.js';
import { hostLabel } from '../src/host/options.js';
import { openBackend, parsePlainLine, resolveHost } from './fast-host.js';

// Shell completion (cli/complete.ts) loads this bundle for these two.
export { openBackend, resolveHost };

interface FastList {
  /** The host flags the command line gave, by flag name, and --timeout as a number. */
  readonly flags: Readonly<Record<string, string | number>>;
  readonly json: boolean;
}

/** --timeout's value as oclif's integer flag takes it (min 0, max MAX_WAIT_SECONDS); undefined for anything else, which oclif then refuses in its words. */
const seconds = (value: string): number | undefined => (/^\d{1,9}$/.test(value) && Number(value) <= MAX_WAIT_SECONDS ? Number(value) : undefined);

/** The list request, or undefined when the command line is not one this path takes. */
export function parseFastList(argv: readonly string[], env: NodeJS.ProcessEnv): FastList | undefined {
  const parsed = parsePlainLine('list', argv, env, { '--timeout': 'timeout' });
  if (parsed === undefined) return undefined;
  const given = parsed.own.timeout;
  const timeout = given === undefined ? undefined : seconds(given);
  if (given !== undefined && timeout === undefined) return undefined;
  return { json: parsed.json, flags: { ...parsed.flags, ...(timeout === undefined ? {} : { timeout }) } };
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
  // The error document names the host as the oclif command does: once it is resolved, then as connected.
  let named: string | null = null;
  try {
    const { host, places, timeoutMs } = await resolveHost(request.flags, env);
    named = hostLabel(host);
    const backend = await openBackend(host, places);
    named = backend.host;
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
