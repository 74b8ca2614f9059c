import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { simStateFlag, simStatePath } from '../../cli/sim-flags.js';
import { initSimState } from '../../src/host/sim/admin.js';
import { simulatedBoot } from '../../src/ops/boot/facts.js';
import { CONTROL, placesFor } from '../../src/paths.js';
import { usageError } from '../../src/errors.js';
import { writePrivateFile } from '../../src/util/private-file.js';

export default class SimReset extends BaseCommand {
  static override summary = 'Start the simulated host afresh: no payloads, no faults, an empty console (a reboot).';
  static override description = 'The simulated hypervisor gets the build-id and Xen version given, or a random build-id and the default version. Build payloads for it with the build-id `xlp sim show` (or `bin/sim/xl info`) prints. Each reset is a new boot of the simulated host: its proc files (proc/cmdline with --cmdline, proc/stat with the boot time now) are written in the sim root, for xlp boot; what xlp keeps in the sim root (the payload store, the crash-loop guard, the journal) stays, as a real host\'s disk does.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --build-id 151b373fd64b321593bf987fd923cd10dabadac4 --xen-version 4.17.7',
  ];
  static override flags = {
    ...simStateFlag,
    'build-id': Flags.string({ summary: "The simulated hypervisor's build-id (hex); random when omitted." }),
    'xen-version': Flags.string({ summary: 'The simulated Xen version, e.g. 4.19.1, 4.17.7 or 4.13.5 (it decides the tool output format).' }),
    cmdline: Flags.string({ summary: "The simulated dom0's kernel command line for this boot (proc/cmdline), e.g. xlp.enable=0.", default: '' }),
  };

  async run(): Promise<{ statePath: string; xenBuildId: string; xenVersion?: string }> {
    const { flags } = await this.parse(SimReset);
    const statePath = simStatePath(flags);
    if (CONTROL.test(flags.cmdline)) throw usageError('--cmdline has control characters', 'give the kernel command line as one line');
    const state = await initSimState(statePath, { buildId: flags['build-id'], xenVersion: flags['xen-version'] });
    const boot = simulatedBoot(flags.cmdline);
    const { proc } = placesFor({ sim: true, simState: statePath });
    await writePrivateFile(proc, 'cmdline', boot.cmdline);
    await writePrivateFile(proc, 'stat', boot.stat);
    this.log(`Simulated host reset in ${statePath}: build-id ${state.xenBuildId || '(none)'}.`);
    return { statePath, xenBuildId: state.xenBuildId, ...(state.xenVersion === undefined ? {} : { xenVersion: state.xenVersion }) };
  }
}
