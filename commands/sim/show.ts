import { BaseCommand } from '../../cli/base-command.js';
import { simStateFlag, simStatePath } from '../../cli/sim-flags.js';
import { readSimState } from '../../src/host/sim/admin.js';
import type { SimState } from '../../src/host/sim/state.js';

export default class SimShow extends BaseCommand {
  static override summary = "Show the simulated host's hidden state: build-ids, the applied stack, faults.";
  static override description = 'What a real hypervisor keeps to itself (build-ids, apply order, pending work) is visible here, for trying xlp and for tests.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { ...simStateFlag };

  async run(): Promise<SimState> {
    const { flags } = await this.parse(SimShow);
    const state = await readSimState(simStatePath(flags));
    this.log(`build-id     ${state.xenBuildId || '(none)'}`);
    this.log(`xen version  ${state.xenVersion ?? '(default)'}`);
    for (const p of state.payloads) this.log(`payload      ${p.name} ${p.state === 2 ? 'APPLIED' : 'CHECKED'} build-id ${p.buildId} depends ${p.depends}`);
    this.log(`applied      ${state.applied.join(' < ') || '(none)'}`);
    if (state.pending !== undefined) this.log(`pending      ${state.pending.action} of ${state.pending.name}`);
    for (const f of state.faults) this.log(`fault        ${JSON.stringify(f)}`);
    return state;
  }
}
