/** Commands that talk to a hypervisor: how to reach it, where this run keeps its files, and its session. */
import * as Flags from '@oclif/core/flags';
import type { Backend } from '../src/host/backend.js';
import { hostLockHolder } from '../src/audit/host-lock.js';
import { ExitCode } from '../src/errors.js';
import { connect } from '../src/host/factory.js';
import type { BackendKind } from '../src/host/options.js';
import type { RunHolder } from '../src/model/results.js';
import { silentReporter } from '../src/model/reporter.js';
import { Session } from '../src/ops/session.js';
import { processStopRequests } from '../src/ops/stop-requests.js';
import { placesFor, type Places } from '../src/paths.js';
import { ensurePrivateDir } from '../src/util/private-dir.js';
import { listrReporter } from '../src/ui/listr-reporter.js';
import { PayloadStore } from '../src/verify/store.js';
import { BaseCommand } from './base-command.js';
import { hostFlags, hostOptions } from './host-flags.js';

export { hostFlags };

/** The audit journal; also taken by status and the audit commands. */
export const auditLogFlag = {
  'audit-log': Flags.string({
    env: 'XLP_AUDIT_LOG',
    summary: 'Audit journal file (default: audit.jsonl in the state directory, or in the sim root with --backend sim).',
    helpGroup: 'AUDIT',
  }),
};

/** A day: longer waits are typing mistakes, and a timer cannot hold more than ~24.8 days anyway. */
const MAX_WAIT_SECONDS = 86_400;

/** How long to wait for another xlp: the host lock, and the journal's append lock. */
export const lockTimeoutFlag = {
  'lock-timeout': Flags.integer({
    min: 0,
    max: MAX_WAIT_SECONDS,
    default: 60,
    env: 'XLP_LOCK_TIMEOUT',
    summary: 'Seconds to wait for another xlp changing the same host (the host lock) or appending to the journal.',
    helpGroup: 'AUDIT',
  }),
};

export const timeoutFlag = {
  timeout: Flags.integer({
    min: 0,
    max: MAX_WAIT_SECONDS,
    default: 30,
    env: 'XLP_TIMEOUT',
    summary: 'Seconds to wait for a busy hypervisor or an unfinished action.',
    helpGroup: 'HOST',
  }),
};

/** Every changing command takes these: it is journaled and holds the host lock. */
export const changeFlags = {
  ...timeoutFlag,
  ...auditLogFlag,
  ...lockTimeoutFlag,
};

type HostFlags = { backend: BackendKind; 'sim-state'?: string; 'audit-log'?: string } & Record<string, unknown>;
type SessionFlags = HostFlags & { timeout: number; quiet: boolean; 'lock-timeout': number };

export abstract class HostCommand extends BaseCommand {
  private backend?: Backend;

  /** Every file and directory this run uses, checked before anything is done with them. */
  protected places(flags: HostFlags): Places {
    return placesFor({ sim: flags.backend === 'sim', simState: flags['sim-state'], auditLog: flags['audit-log'] });
  }

  protected async connectHost(flags: HostFlags, places = this.places(flags)): Promise<Backend> {
    this.backend = await connect({ ...hostOptions(flags), ...(places.simState === undefined ? {} : { simState: places.simState }) }, places.runtime);
    return this.backend;
  }

  /** The run changing the host right now, if one holds its lock (list and status show it). */
  protected runInProgress(places: Places, backend: Backend): Promise<RunHolder | undefined> {
    return hostLockHolder(places.locks, backend.host);
  }

  /**
   * Runs `body` in a session of this host: the host lock taken once, each change journaled, stop
   * requests (SIGINT, SIGTERM, SIGHUP) honoured between steps, progress on stderr.
   */
  protected async withSession<T>(flags: SessionFlags, body: (session: Session) => Promise<T>): Promise<T> {
    const places = this.places(flags);
    const notice = (message: string): void => this.notice(message);
    // Before connecting: a journal xlp cannot use stops the run before anything else happens.
    const { createCliAuditSink } = await import('../src/audit/configure.js');
    const journal = createCliAuditSink({ places, lockTimeoutSeconds: flags['lock-timeout'], xlpVersion: this.config.version, note: notice });
    // Where payload copies are staged and xlp's record of the host is kept: proven usable before
    // anything is journaled.
    await Promise.all([ensurePrivateDir(places.runtime), ensurePrivateDir(places.records)]);
    const backend = await this.connectHost(flags, places);
    const style = this.progressStyle(flags);
    const reporter = style === 'silent' ? silentReporter(notice) : listrReporter(style, notice);
    const stops = processStopRequests(() => process.exit(ExitCode.INTERRUPTED));
    try {
      const session = await Session.open({ backend, journal, records: new PayloadStore(backend.host, places.records), reporter, stops, timeoutMs: flags.timeout * 1000, argv: process.argv.slice(2) });
      try {
        return await body(session);
      } finally {
        await session.close();
      }
    } finally {
      stops.dispose();
    }
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    await this.backend?.close();
    await super.finally(error);
  }
}
