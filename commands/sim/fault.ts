import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { simStateFlag, simStatePath } from '../../cli/sim-flags.js';
import { addSimFault, clearSimFaults } from '../../src/host/sim/admin.js';
import { FAULT_KINDS, type SimFault } from '../../src/host/sim/state.js';

export default class SimFaultCommand extends BaseCommand {
  static override summary = 'Make the simulated hypervisor misbehave the way real ones do.';
  static override description = `Faults queue up and are used in order: incomplete (an action outlasts the tool's 60 ms wait), rendezvous-busy (the CPUs fail to meet: EBUSY), sync-errno (a hypercall returns --errno), no-handle (not a dom0 / not root), no-livepatch (Xen without CONFIG_LIVEPATCH), hook-veto (a pre-apply hook returns --errno).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> incomplete --action apply --duration-ms 2000',
    '<%= config.bin %> <%= command.id %> sync-errno --action upload --errno 12',
    '<%= config.bin %> <%= command.id %> --clear',
  ];
  static override args = { kind: Args.string({ options: [...FAULT_KINDS], description: 'What goes wrong.' }) };
  static override flags = {
    ...simStateFlag,
    name: Flags.string({ summary: 'Only for this payload.' }),
    action: Flags.string({ summary: 'Only for this hypercall or command: upload, apply, revert, unload, replace, list, get.' }),
    errno: Flags.integer({ summary: 'The errno returned (sync-errno, hook-veto).' }),
    'duration-ms': Flags.integer({ summary: 'How long the action stays in flight (incomplete).' }),
    count: Flags.integer({ summary: 'How many uses consume it (default 1).' }),
    persistent: Flags.boolean({ summary: 'Never consumed.' }),
    clear: Flags.boolean({ summary: 'Remove every queued fault instead.', exclusive: ['name', 'action', 'errno', 'duration-ms', 'count', 'persistent'] }),
  };

  async run(): Promise<{ faults: SimFault[] }> {
    const { args, flags } = await this.parse(SimFaultCommand);
    const path = simStatePath(flags);
    if (flags.clear) {
      await clearSimFaults(path);
      this.log('No faults queued.');
      return { faults: [] };
    }
    if (args.kind === undefined) this.error('name a fault kind, or pass --clear', { exit: 2 });
    const fault: SimFault = {
      kind: args.kind as SimFault['kind'],
      ...(flags.name === undefined ? {} : { name: flags.name }),
      ...(flags.action === undefined ? {} : { action: flags.action }),
      ...(flags.errno === undefined ? {} : { errno: flags.errno }),
      ...(flags['duration-ms'] === undefined ? {} : { durationMs: flags['duration-ms'] }),
      ...(flags.count === undefined ? {} : { count: flags.count }),
      ...(flags.persistent ? { persistent: true } : {}),
    };
    const state = await addSimFault(path, fault);
    this.log(`Queued: ${JSON.stringify(fault)} (${state.faults.length} in the queue).`);
    return { faults: state.faults };
  }
}
