/**
 * Builds the Runner and Backend a command talks to, from flags and environment. Each kind is
 * imported only when chosen, so a command pays start-up time only for what it uses.
 */
import { usageError } from '../errors.js';
import type { Backend } from './backend.js';
import type { Runner } from './runner.js';

export const BACKEND_KINDS = ['xen-livepatch', 'sim'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface HostOptions {
  readonly backend: BackendKind;
  /** An ssh destination `[user@]host[:port]`; absent for this machine. */
  readonly host?: string;
  readonly sshConfig?: string;
  /** Explicit tool paths; otherwise they are looked up (locally) or left to the remote PATH. */
  readonly xenLivepatch?: string;
  readonly xl?: string;
  readonly simState?: string;
}

export interface Connection {
  readonly backend: Backend;
  readonly runner: Runner;
}

export async function connect(options: HostOptions): Promise<Connection> {
  const { createXenLivepatchBackend } = await import('./xen-livepatch/backend.js');
  if (options.backend === 'sim') {
    if (options.host !== undefined) throw usageError('--backend sim cannot be combined with --host', 'drop one of them');
    const { createSimRunner } = await import('./sim/sim-runner.js');
    const runner = createSimRunner(options.simState);
    return { runner, backend: createXenLivepatchBackend(runner, { xenLivepatch: 'xen-livepatch', xl: 'xl' }) };
  }
  if (options.host !== undefined) {
    const { createSshRunner } = await import('./ssh/ssh-runner.js');
    const runner = createSshRunner(options.host, { configFile: options.sshConfig });
    const paths = { xenLivepatch: options.xenLivepatch ?? 'xen-livepatch', xl: options.xl ?? 'xl' };
    return { runner, backend: createXenLivepatchBackend(runner, paths) };
  }
  const [{ createLocalRunner }, { locateTools }] = await Promise.all([import('./local-runner.js'), import('./xen-livepatch/locate.js')]);
  const runner = createLocalRunner();
  return { runner, backend: createXenLivepatchBackend(runner, await locateTools(options)) };
}
