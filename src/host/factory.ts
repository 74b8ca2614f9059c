/**
 * Builds the Runner and Backend a command talks to, from flags and environment. Each kind is
 * imported only when chosen, so a command pays start-up time only for what it uses.
 */
import { usageError } from '../errors.js';
import type { Backend } from './backend.js';
import type { HostOptions } from './options.js';

/** `runtimeDir`: where the run stages payload copies and keeps its ssh control socket (src/paths.ts). */
export async function connect(options: HostOptions, runtimeDir: string): Promise<Backend> {
  const { createXenLivepatchBackend } = await import('./xen-livepatch/backend.js');
  if (options.backend === 'sim') {
    if (options.host !== undefined) throw usageError('--backend sim cannot be combined with --host', 'drop one of them');
    const { createSimRunner } = await import('./sim/sim-runner.js');
    if (options.simState === undefined) throw usageError('the simulated host needs its state file', 'give --sim-state');
    return createXenLivepatchBackend(createSimRunner(options.simState, runtimeDir), { xenLivepatch: 'xen-livepatch', xl: 'xl' });
  }
  if (options.host !== undefined) {
    const { createSshRunner } = await import('./ssh/ssh-runner.js');
    const runner = createSshRunner(options.host, { configFile: options.sshConfig, controlDirBase: runtimeDir });
    const paths = { xenLivepatch: options.xenLivepatch ?? 'xen-livepatch', xl: options.xl ?? 'xl' };
    return createXenLivepatchBackend(runner, paths);
  }
  const [{ createLocalRunner }, { locateTools }] = await Promise.all([import('./local-runner.js'), import('./xen-livepatch/locate.js')]);
  return createXenLivepatchBackend(createLocalRunner(runtimeDir), await locateTools(options));
}
