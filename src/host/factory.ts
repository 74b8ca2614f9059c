/**
 * Builds the Runner and Backend a command talks to, from flags and environment. Each kind is
 * imported only when chosen, so a command pays start-up time only for what it uses.
 */
import { usageError } from '../errors.js';
import type { Backend } from './backend.js';
import type { HostOptions } from './options.js';

export interface LocalPlaces {
  /** Where the run stages payload copies and keeps its ssh control socket (src/paths.ts). */
  readonly runtime: string;
  /** xlp's own directory on this machine, for the files it keeps on the host (a remote host has its own). */
  readonly kept: string;
}

export async function connect(options: HostOptions, places: LocalPlaces): Promise<Backend> {
  const runtimeDir = places.runtime;
  const { createXenLivepatchBackend } = await import('./xen-livepatch/backend.js');
  if (options.backend === 'sim') {
    if (options.host !== undefined) throw usageError('--backend sim cannot be combined with --host', 'drop one of them');
    const { createSimRunner } = await import('./sim/sim-runner.js');
    if (options.simState === undefined) throw usageError('the simulated host needs its state file', 'give --sim-state');
    return createXenLivepatchBackend(createSimRunner(options.simState, runtimeDir, places.kept), { xenLivepatch: 'xen-livepatch', xl: 'xl' });
  }
  if (options.host !== undefined) {
    const { createSshRunner } = await import('./ssh/ssh-runner.js');
    const runner = createSshRunner(options.host, { configFile: options.sshConfig, controlDirBase: runtimeDir });
    const paths = { xenLivepatch: options.xenLivepatch ?? 'xen-livepatch', xl: options.xl ?? 'xl' };
    return createXenLivepatchBackend(runner, paths);
  }
  const [{ createLocalRunner }, { locateTools }] = await Promise.all([import('./local-runner.js'), import('./xen-livepatch/locate.js')]);
  return createXenLivepatchBackend(createLocalRunner(runtimeDir, places.kept), await locateTools(options));
}
