/**
 * `xlp check -f MANIFEST` is what monitoring polls every minute; like `xlp list` (cli/fast-list.ts)
 * it answers here without loading oclif (docs/performance.md) when its command line has a plain
 * form: `-f FILE` or `--manifest FILE` (or `--manifest=FILE`), `--unmanaged keep|remove`, the host
 * flags, `--json`, `-q`, each at most once. Anything else goes to oclif untouched. The steps are the
 * oclif command's, in its order (config files, manifest, places, host) through the same functions
 * (loadManifest, standing, checkResult, renderCheck, reportFailure), and test/e2e/fast-check.test.ts
 * compares the two paths. XLP_FAST_PATH=0 turns this path off.
 */
import { UNMANAGED_POLICIES, type UnmanagedPolicy } from '../src/model/desired.js';
import { hostLabel } from '../src/host/options.js';
import { openBackend, parsePlainLine, readConfigFiles, resolveHost } from './fast-host.js';

interface FastCheck {
  readonly flags: Readonly<Record<string, string>>;
  readonly json: boolean;
  readonly manifest: string;
  readonly unmanaged?: UnmanagedPolicy;
}

const OWN_FLAGS = { '-f': 'manifest', '--manifest': 'manifest', '--unmanaged': 'unmanaged' };

const isPolicy = (value: string): value is UnmanagedPolicy => (UNMANAGED_POLICIES as readonly string[]).includes(value);

/** The check request, or undefined when the command line is not one this path takes. */
export function parseFastCheck(argv: readonly string[], env: NodeJS.ProcessEnv): FastCheck | undefined {
  const line = parsePlainLine('check', argv, env, OWN_FLAGS);
  const { manifest, unmanaged } = line?.own ?? {};
  // No manifest, or a policy oclif would refuse: oclif says so in its own words.
  if (line === undefined || manifest === undefined || (unmanaged !== undefined && !isPolicy(unmanaged))) return undefined;
  return { flags: line.flags, json: line.json, manifest, ...(unmanaged === undefined ? {} : { unmanaged }) };
}

/** Answers `xlp check` and returns true, or returns false (having done nothing) for oclif to take it. */
export async function tryFastCheck(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const request = env.XLP_FAST_PATH === '0' ? undefined : parseFastCheck(argv, env);
  if (request === undefined) return false;
  const [{ loadManifest }, { checkResult, standing }, { renderCheck }, { reportFailure }, { jsonDocument }, { PayloadStore }, { escapeText }, { ExitCode }] = await Promise.all([
    import('../src/manifest/index.js'),
    import('../src/ops/desired/check.js'),
    import('../src/ui/desired-render.js'),
    import('../src/ui/report-failure.js'),
    import('../src/ui/json-document.js'),
    import('../src/verify/store.js'),
    import('../src/model/text.js'),
    import('../src/errors.js'),
  ]);
  // The error document names the host as the oclif command does: once it is resolved, then as connected.
  let named: string | null = null;
  try {
    const files = await readConfigFiles(env);
    const { manifest } = await loadManifest(request.manifest, { keepBytes: 'none' });
    const { host, places } = await resolveHost(request.flags, env, files);
    named = hostLabel(host);
    const backend = await openBackend(host, places);
    named = backend.host;
    try {
      const result = checkResult(backend.host, manifest, await standing(backend, new PayloadStore(backend.host, places.records), manifest, request.unmanaged));
      // As the oclif command prints: JSON as a document, text escaped line by line (cli/base-command.ts log).
      process.stdout.write(`${request.json ? jsonDocument(result) : renderCheck(result).split('\n').map(escapeText).join('\n')}\n`);
      if (!result.inSync) process.exitCode = ExitCode.DRIFT;
    } finally {
      await backend.close();
    }
  } catch (error) {
    reportFailure(error, request.json, { host: named, operation: 'check', payload: null });
  }
  return true;
}
