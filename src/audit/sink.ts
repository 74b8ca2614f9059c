/**
 * The AuditSink the CLI uses: a hash-chained journal, a host lock per change, recovery of changes
 * a killed run left unfinished, optional sealing and syslog forwarding.
 */
import { dirname } from 'node:path';
import { describe as describeHolder, type LockOwner } from '../util/lock-file.js';
import { isXlpError } from '../errors.js';
import { readHistory, unresolved } from './history.js';
import { auditError } from './journal-errors.js';
import { lockHost } from './host-lock.js';
import { preparePrivateDir } from './journal-file.js';
import { Journal } from './journal-writer.js';
import type { Actor, Resolution } from './record.js';
import { Sealer, type SealConfig } from './seal.js';
import { judge } from '../model/vocabulary.js';
import { syslogForwarder } from './syslog.js';
import type { AuditEntry, AuditIntent, AuditOutcome, AuditSink, BootEvent, HoldRequest, HostHold } from './types.js';

export interface JournalSinkOptions {
  readonly journalPath: string;
  /** Where host lock files live (the state directory's locks/). */
  readonly lockDir: string;
  /** How long to wait for the host lock (and for another writer's append). */
  readonly lockTimeoutMs: number;
  readonly actor: Actor;
  readonly seal?: SealConfig;
  /** facility.level for syslog forwarding; undefined = off. */
  readonly syslogPriority?: string;
  /** Messages for the operator (stderr): waiting, takeover, recovery. */
  readonly note: (message: string) => void;
}

export function createJournalSink(options: JournalSinkOptions): AuditSink {
  const journal = new Journal({
    path: options.journalPath,
    lockTimeoutMs: options.lockTimeoutMs,
    sealer: options.seal === undefined ? undefined : Sealer.from(options.journalPath, options.seal),
    forward: options.syslogPriority === undefined ? undefined : syslogForwarder({ priority: options.syslogPriority, warn: options.note }),
  });
  const now = (): string => new Date().toISOString();

  const begin = async (intent: AuditIntent): Promise<AuditEntry> => {
    const started = Date.now();
    const record = await journal.append({ type: 'intent', time: now(), ...options.actor, ...intent });
    return {
      finish: async (outcome: AuditOutcome) => {
        const { stateAfter, ...rest } = outcome;
        const appended = journal.append({
          type: 'outcome',
          time: now(),
          host: intent.host,
          intent: record.seq,
          pid: options.actor.pid,
          operation: intent.operation,
          name: intent.name,
          ...rest,
          durationMs: Date.now() - started,
          ...(stateAfter === undefined ? {} : { stateAfter: stateAfter.payloads, ...(stateAfter.derived ? { stateAfterDerived: true } : {}) }),
        });
        await appended.catch((error: unknown) => {
          // Unlike an intent, a lost outcome comes after the change: say what happened to the host.
          const why = isXlpError(error) ? error.message.replace(/; nothing was changed$/, '') : String(error);
          throw auditError('audit-outcome', `${why}: the ${intent.operation} of ${intent.name} ended '${outcome.result}' but that is not recorded`, "the journal shows it as interrupted; fix the journal, then check the host with 'xlp status'");
        });
      },
    };
  };

  const hold = async (request: HoldRequest): Promise<HostHold> => {
    // A journal that cannot be written stops the run now, before any check or change is begun.
    await preparePrivateDir(dirname(options.journalPath));
    const lock = await lockHost({ lockDir: options.lockDir, host: request.host, command: request.command, timeoutMs: options.lockTimeoutMs, note: options.note, ...(request.signal === undefined ? {} : { signal: request.signal }) });
    if (lock.takenOverFrom !== undefined) {
      options.note(`took over the host lock of ${request.host} from ${describeHolder(lock.takenOverFrom)}, which ended without releasing it`);
      // Not released when recovery fails: the lock file then still names a holder that will be gone
      // once this process exits (the kernel frees the lock), so the next run recovers again.
      await recover(request, lock.takenOverFrom);
    }
    return {
      release: async () => {
        await journal.close();
        await lock.release();
      },
    };
  };

  /** Judges every change of this host left without an outcome, from the live state, and records it. */
  const recover = async (request: HoldRequest, from: LockOwner): Promise<void> => {
    const { changes } = await readHistory(options.journalPath, request.host);
    const pending = unresolved(changes);
    const live = pending.length === 0 ? undefined : await request.liveState();
    const resolved: Resolution[] = pending.map((change) => {
      const judgement = judge(change.operation, change.name, change.before, live ?? []);
      options.note(`interrupted ${change.operation} of ${change.name} (journal record ${change.seq}, pid ${change.pid}): ${judgement.verdict}, ${judgement.explanation}`);
      return { intent: change.seq, operation: change.operation, name: change.name, pid: change.pid, ...judgement };
    });
    const removed = from.run === undefined || request.leftovers === undefined ? [] : await request.leftovers(from.run).catch((error: unknown) => {
      options.note(`could not remove what pid ${from.pid} left behind: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
    if (removed.length > 0) options.note(`removed what pid ${from.pid} left behind: ${removed.join(', ')}`);
    await journal.append({
      type: 'recovery',
      time: now(),
      host: request.host,
      ...options.actor,
      lockTakenOverFrom: from,
      resolved,
      ...(live === undefined ? {} : { stateNow: live }),
      ...(removed.length === 0 ? {} : { leftoversRemoved: removed }),
    });
  };

  const boot = async (event: BootEvent): Promise<void> => {
    await journal.append({ type: 'boot', time: now(), ...options.actor, ...event });
  };

  return { begin, hold, boot };
}
