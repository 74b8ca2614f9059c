/**
 * `xlp list` is what monitoring and pipelines poll, often; it answers here without loading oclif
 * (docs/performance.md) when its command line has a plain form (cli/fast-host.ts). Anything else (help,
 * an unknown, repeated or malformed flag, an empty environment variable) goes to oclif untouched.
 * The host flags and their environment variables come from the same table as oclif's
 * (src/host/options.ts), and the config files are read and checked as every oclif command reads
 * them (src/config/), with the same settings below the flags. Output, errors and exit codes are the
 * ones the oclif command gives: both use listPayloads, renderList and reportFailure, and
 * test/e2e/fast-list.test.ts compares the two paths. XLP_FAST_PATH=0 turns this path off.
 */
import { openBackend, parsePlainLine, resolveHost } from './fast-host.js';

// Shell completion (cli/complete.ts) loads this bundle for these two.
export { openBackend, resolveHost };

interface FastList {
  /** The host flags the command line gave, by flag name. */
  readonly flags: Readonly<Record<string, string>>;
  readonly json: boolean;
}

/** The list request, or undefined when the command line is not one this path takes. */
export function parseFastList(argv: readonly string[], env: NodeJS.ProcessEnv): FastList | undefined {
  const parsed = parsePlainLine('list', argv, env);
  return parsed === undefined ? undefined : { json: parsed.json, flags: parsed.flags };
}

/** Answers `xlp list` and returns true, or returns false (having done nothing) for oclif to take it. */
export async function tryFastList(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const request = env.XLP_FAST_PATH === '0' ? undefined : parseFastList(argv, env);
  if (request === undefined) return false;
  const [{ listPayloads }, { renderList }, { reportFailure }, { hostLockHolder }, { jsonDocument }] = await Promise.all([
    import('../src/ops/list.js'),
    import('../src/ui/render.js'),
    import('../src/ui/report-failure.js'),
    import('../src/audit/host-lock.js'),
    import('../src/ui/json-document.js'),
  ]);
  try {
    const { host, places } = await resolveHost(request.flags, env);
    const backend = await openBackend(host, places);
    try {
      const result = await listPayloads(backend, await hostLockHolder(places.locks, backend.host));
      process.stdout.write(`${request.json ? jsonDocument(result) : renderList(result)}\n`);
    } finally {
      await backend.close();
    }
  } catch (error) {
    reportFailure(error, request.json);
  }
  return true;
}
