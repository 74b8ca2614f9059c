/**
 * `xlp list` is what monitoring and pipelines poll, often; it answers here without loading oclif
 * (docs/performance.md) when its command line has one of the plain forms below. Anything else (help,
 * an unknown, repeated or malformed flag, an empty environment variable) goes to oclif untouched.
 * Output, errors and exit codes are the ones the oclif command gives: both use listPayloads,
 * renderList and reportFailure, and test/e2e/fast-list.test.ts compares the two paths.
 * XLP_FAST_PATH=0 turns this path off.
 */
import { BACKEND_KINDS, type BackendKind, type HostOptions } from '../src/host/factory.js';

const VALUE_FLAGS = {
  '--backend': 'XLP_BACKEND',
  '--host': 'XLP_HOST',
  '--ssh-config': 'XLP_SSH_CONFIG',
  '--xen-livepatch': 'XLP_XEN_LIVEPATCH',
  '--xl': 'XLP_XL',
  '--sim-state': 'XLP_SIM_STATE',
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

interface FastList {
  readonly host: HostOptions;
  readonly json: boolean;
}

/** The list request, or undefined when the command line is not one this path takes. */
export function parseFastList(argv: readonly string[], env: NodeJS.ProcessEnv): FastList | undefined {
  if (argv[0] !== 'list') return undefined;
  const values = new Map<ValueFlag, string>();
  const booleans = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg : arg.slice(0, eq)) as ValueFlag;
    if (name in VALUE_FLAGS) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-') || values.has(name)) return undefined;
      values.set(name, value);
    } else if ((arg === '--json' || arg === '--quiet' || arg === '-q') && !booleans.has(arg)) {
      booleans.add(arg);
    } else {
      return undefined;
    }
  }
  const setting = (flag: ValueFlag): string | undefined | null => {
    const fromEnv = env[VALUE_FLAGS[flag]];
    if (fromEnv === '') return null;
    return values.get(flag) ?? fromEnv;
  };
  const settings = Object.fromEntries((Object.keys(VALUE_FLAGS) as ValueFlag[]).map((flag) => [flag, setting(flag)]));
  if (Object.values(settings).includes(null) || env.XLP_CONTENT_TYPE === '') return undefined;
  const backend = (settings['--backend'] ?? 'xen-livepatch') as BackendKind;
  if (!BACKEND_KINDS.includes(backend)) return undefined;
  const given = (flag: ValueFlag): string | undefined => settings[flag] ?? undefined;
  return {
    json: booleans.has('--json') || env.XLP_CONTENT_TYPE?.toLowerCase() === 'json',
    host: {
      backend,
      host: given('--host'),
      sshConfig: given('--ssh-config'),
      xenLivepatch: given('--xen-livepatch'),
      xl: given('--xl'),
      simState: given('--sim-state'),
    },
  };
}

/** Answers `xlp list` and returns true, or returns false (having done nothing) for oclif to take it. */
export async function tryFastList(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const request = env.XLP_FAST_PATH === '0' ? undefined : parseFastList(argv, env);
  if (request === undefined) return false;
  const [{ connect }, { listPayloads }, { renderList }, { reportFailure }] = await Promise.all([
    import('../src/host/factory.js'),
    import('../src/ops/list.js'),
    import('../src/ui/render.js'),
    import('../src/ui/report-failure.js'),
  ]);
  try {
    const { backend, runner } = await connect(request.host);
    try {
      const result = await listPayloads(backend, runner.target);
      process.stdout.write(`${request.json ? JSON.stringify(result, null, 2) : renderList(result)}\n`);
    } finally {
      await runner.close();
    }
  } catch (error) {
    reportFailure(error, request.json);
  }
  return true;
}
