/** Commands that talk to a hypervisor: how to reach it, and how long to wait for it. */
import * as Flags from '@oclif/core/flags';
import { BACKEND_KINDS, connect, type BackendKind, type Connection } from '../src/host/factory.js';
import type { OperationContext } from '../src/ops/context.js';
import { installInterruptHandler } from '../src/util/interrupt.js';
import { BaseCommand } from './base-command.js';

const group = 'HOST';

export const hostFlags = {
  backend: Flags.option({
    options: BACKEND_KINDS,
    default: 'xen-livepatch' as BackendKind,
    env: 'XLP_BACKEND',
    summary: "How to reach the hypervisor: the real xen-livepatch tool, or xlp's simulated Xen host.",
    helpGroup: group,
  })(),
  host: Flags.string({ env: 'XLP_HOST', summary: 'Run on this dom0 over ssh: [user@]host[:port].', helpGroup: group }),
  'ssh-config': Flags.string({ env: 'XLP_SSH_CONFIG', summary: 'ssh client configuration file for --host.', helpGroup: group }),
  'xen-livepatch': Flags.string({ env: 'XLP_XEN_LIVEPATCH', summary: 'Path of the xen-livepatch binary.', helpGroup: group }),
  xl: Flags.string({ env: 'XLP_XL', summary: 'Path of the xl binary.', helpGroup: group }),
  'sim-state': Flags.string({ env: 'XLP_SIM_STATE', summary: 'State file of the simulated host (with --backend sim).', helpGroup: group }),
};

/** The audit journal; also taken by status and the audit commands. */
export const auditLogFlag = {
  'audit-log': Flags.string({ env: 'XLP_AUDIT_LOG', summary: 'Audit journal file (default: audit.jsonl in the state directory).', helpGroup: 'AUDIT' }),
};

/** How long to wait for another xlp: the host lock, and the journal's append lock. */
export const lockTimeoutFlag = {
  'lock-timeout': Flags.integer({
    min: 0,
    default: 60,
    env: 'XLP_LOCK_TIMEOUT',
    summary: 'Seconds to wait for another xlp changing the same host (the host lock) or appending to the journal.',
    helpGroup: 'AUDIT',
  }),
};

export const timeoutFlag = {
  timeout: Flags.integer({
    min: 0,
    default: 30,
    env: 'XLP_TIMEOUT',
    summary: 'Seconds to wait for a busy hypervisor or an unfinished action.',
    helpGroup: group,
  }),
  // Every changing command takes these too: it is journalled and holds the host lock.
  ...auditLogFlag,
  ...lockTimeoutFlag,
};

export abstract class HostCommand extends BaseCommand {
  private connection?: Connection;

  protected async connectHost(flags: {
    backend: BackendKind;
    host?: string;
    'ssh-config'?: string;
    'xen-livepatch'?: string;
    xl?: string;
    'sim-state'?: string;
  }): Promise<Connection> {
    this.connection = await connect({
      backend: flags.backend,
      host: flags.host,
      sshConfig: flags['ssh-config'],
      xenLivepatch: flags['xen-livepatch'],
      xl: flags.xl,
      simState: flags['sim-state'],
    });
    return this.connection;
  }

  protected async operationContext(
    flags: Parameters<HostCommand['connectHost']>[0] & { timeout: number; quiet: boolean; 'audit-log'?: string; 'lock-timeout': number },
  ): Promise<OperationContext> {
    // Before connecting: a journal xlp cannot use stops the run before anything else happens.
    const { createCliAuditSink } = await import('../src/audit/configure.js');
    const audit = createCliAuditSink({
      auditLog: flags['audit-log'],
      lockTimeoutSeconds: flags['lock-timeout'],
      xlpVersion: this.config.version,
      note: (message) => process.stderr.write(`xlp: ${message}\n`),
    });
    const { backend, runner } = await this.connectHost(flags);
    installInterruptHandler(() => process.stderr.write('xlp: interrupted: finishing the current step, then stopping (Ctrl-C again stops at once)\n'));
    return { backend, runner, timeoutMs: flags.timeout * 1000, audit, argv: process.argv.slice(2), progress: this.progress(flags) };
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    await this.connection?.runner.close();
    await super.finally(error);
  }
}
