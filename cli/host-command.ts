/** Commands that talk to a hypervisor: how to reach it, where this run keeps its files, and its session. */
import * as Flags from '@oclif/core/flags';
import type { Backend } from '../src/host/backend.js';
import { hostLockHolder } from '../src/audit/host-lock.js';
import { ExitCode } from '../src/errors.js';
import { connect } from '../src/host/factory.js';
import { hostOptionsOf } from '../src/config/host-options.js';
import { MAX_WAIT_SECONDS } from '../src/config/settings.js';
import { hostLabel, type BackendKind } from '../src/host/options.js';
import type { RunHolder } from '../src/model/results.js';
import { silentReporter, type Reporter } from '../src/model/reporter.js';
import { applyGuard } from '../src/ops/boot/guard.js';
import { Session } from '../src/ops/session.js';
import type { AuditSink } from '../src/audit/types.js';
import { processStopRequests } from '../src/ops/stop-requests.js';
import type { Places } from '../src/paths.js';
import { ensurePrivateDir } from '../src/util/private-dir.js';
import { listrReporter } from '../src/ui/listr-reporter.js';
import { signaturePolicy, type SignaturePolicy } from '../src/verify/policy.js';
import { PayloadStore } from '../src/verify/store.js';
import { BaseCommand } from './base-command.js';
import { hostFlags } from './host-flags.js';
import { placesOf } from './places.js';

export { hostFlags };

/** The audit journal; also taken by status and the audit commands. */
export const auditLogFlag = {
  'audit-log': Flags.string({
    env: 'XLP_AUDIT_LOG',
    summary: 'Audit journal file (default: audit.jsonl in the state directory, or in the sim root with --backend sim).',
    helpGroup: 'AUDIT',
  }),
};

// The waits have no static default, and no `env:` for oclif to read: src/config/ reads
// XLP_TIMEOUT and XLP_LOCK_TIMEOUT itself, between the flag and the config files, and names a bad
// value as the variable it came from (oclif would call it "--timeout").

/** How long to wait for another xlp: the host lock, and the journal's append lock. */
export const lockTimeoutFlag = {
  'lock-timeout': Flags.integer({
    min: 0,
    max: MAX_WAIT_SECONDS,
    summary: 'Seconds to wait for another xlp changing the same host (the host lock) or appending to the journal (default: XLP_LOCK_TIMEOUT, the config, 60).',
    helpGroup: 'AUDIT',
  }),
};

export const timeoutFlag = {
  timeout: Flags.integer({
    min: 0,
    max: MAX_WAIT_SECONDS,
    summary: 'Seconds to wait for a busy hypervisor or an unfinished action (default: XLP_TIMEOUT, the config, 30).',
    helpGroup: 'HOST',
  }),
};

/** Every changing command takes these: it is journaled and holds the host lock. */
export const changeFlags = {
  ...timeoutFlag,
  ...auditLogFlag,
  ...lockTimeoutFlag,
  'dry-run': Flags.boolean({
    summary: 'Run every check against the host and show the tool commands a real run would run; change nothing, journal nothing.',
    description: 'A refusal exits with the code the real run would give. No host lock is taken.',
  }),
};

type HostFlags = { backend?: BackendKind; 'sim-state'?: string } & Record<string, unknown>;
interface RunSettings {
  readonly reporter: Reporter;
  readonly dryRun: boolean;
}

type SessionFlags = HostFlags & { quiet: boolean; 'dry-run': boolean };

export abstract class HostCommand extends BaseCommand {
  /**
   * The host flags, which every host command takes. Also what keeps --json and -q in the help of
   * apply, revert, unload and replace: oclif's manifest collects inherited statics by walking up the
   * classes and stops at the first class without static fields of its own (mergePrototype in
   * @oclif/core's cache-command.js), which would end the walk here, before BaseCommand.
   */
  static override flags = hostFlags;

  private backend?: Backend;

  /** Every file and directory this run uses, checked before anything is done with them. */
  protected places(flags: HostFlags): Places {
    return placesOf(this.settings(flags), flags);
  }

  protected async connectHost(flags: HostFlags, places = this.places(flags)): Promise<Backend> {
    const options = hostOptionsOf(this.settings(flags), places.simState);
    // Named before connecting, so that a host out of reach is named in the error too.
    this.about.host = hostLabel(options);
    this.backend = await connect(options, places);
    this.about.host = this.backend.host;
    return this.backend;
  }

  /** The signature policy of a command that brings code into the hypervisor; settings it overruled are said on stderr, never silently. */
  protected signaturePolicy(flags: HostFlags): SignaturePolicy {
    const policy = signaturePolicy(this.settings(flags));
    for (const sentence of policy.overruled) this.notice(sentence);
    return policy;
  }

  /** The run changing the host right now, if one holds its lock (list and status show it). */
  protected runInProgress(places: Places, backend: Backend): Promise<RunHolder | undefined> {
    return hostLockHolder(places.locks, backend.host);
  }

  /**
   * Runs `body` in a session of this host: the host lock taken once, each change journaled, stop
   * requests (SIGINT, SIGTERM, SIGHUP) honoured between steps, progress on stderr. With --dry-run,
   * a rehearsal: checks only, no lock, nothing journaled.
   */
  protected withSession<T>(flags: SessionFlags, body: (session: Session) => Promise<T>): Promise<T> {
    const style = this.progressStyle(flags);
    const notice = (message: string): void => this.notice(message);
    const reporter = style === 'silent' ? silentReporter(notice) : listrReporter(style, notice);
    return this.inSession(flags, { reporter, dryRun: flags['dry-run'] }, body);
  }

  /** A dry-run session with no progress shown: what a command that only looks (inspect) asks of the operations. */
  protected rehearse<T>(flags: HostFlags, body: (session: Session) => Promise<T>): Promise<T> {
    const notice = (message: string): void => this.notice(message);
    return this.inSession(flags, { reporter: silentReporter(notice), dryRun: true }, body);
  }

  /** The audit journal of this run, as every changing command writes it. */
  protected async journal(flags: HostFlags, places = this.places(flags)): Promise<AuditSink> {
    const { createCliAuditSink } = await import('../src/audit/configure.js');
    const settings = this.settings(flags);
    return createCliAuditSink({ places, settings, lockTimeoutSeconds: settings.get('host.lockTimeout').value, xlpVersion: this.config.version, note: (message) => this.notice(message) });
  }

  private async inSession<T>(flags: HostFlags, run: RunSettings, body: (session: Session) => Promise<T>): Promise<T> {
    const places = this.places(flags);
    // Before connecting: a journal xlp cannot use stops the run before anything else happens.
    const journal = await this.journal(flags, places);
    const settings = this.settings(flags);
    // Where payload copies are staged and xlp's record of the host is kept: proven usable before
    // anything is journaled.
    await Promise.all([ensurePrivateDir(places.runtime), ensurePrivateDir(places.records)]);
    const backend = await this.connectHost(flags, places);
    const stops = processStopRequests(() => process.exit(ExitCode.INTERRUPTED));
    try {
      const records = new PayloadStore(backend.host, places.records);
      const session = await Session.open({ backend, journal, records, reporter: run.reporter, stops, timeoutMs: settings.get('host.timeout').value * 1000, argv: process.argv.slice(2), dryRun: run.dryRun, guard: applyGuard(backend) });
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
