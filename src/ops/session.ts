/**
 * A session is one run of xlp against one host: the one object that holds the host lock (from the
 * first look at the host to the last record), journals each change's intent and outcome, owns the
 * stop requests (SIGINT, SIGTERM, SIGHUP) and the progress reporter. It is opened once per run, so a
 * run of many changes (sync) holds the lock once and journals each change; operations never touch
 * the lock or the journal themselves.
 */
import { ExitCode, XlpError, asXlpError } from '../errors.js';
import type { AuditSink, HostHold } from '../audit/types.js';
import type { Backend } from '../host/backend.js';
import type { Operation } from '../model/vocabulary.js';
import type { PayloadRecords } from '../verify/store.js';
import type { Reporter } from '../model/reporter.js';
import type { ApplyGuard } from './boot/guard.js';
import { Step, type StepEnd } from './step.js';
import type { StopRequests, StopSignal } from './stop-requests.js';

export interface SessionOptions {
  readonly backend: Backend;
  readonly journal: AuditSink;
  /** xlp's record of what it uploaded to this host and the order it applied it in. */
  readonly records: PayloadRecords;
  readonly reporter: Reporter;
  readonly stops: StopRequests;
  /** How long to follow a busy hypervisor or an unfinished action. */
  readonly timeoutMs: number;
  /** The command line, for the journal and for anyone waiting on the lock. */
  readonly argv: readonly string[];
  /**
   * A rehearsal: every check runs against the host as it is, each change stage only says what it
   * would run; no lock is taken, nothing is journaled or recorded, the hypervisor is only read.
   */
  readonly dryRun?: boolean;
  /** The crash-loop guard, armed before every apply and replace (src/ops/boot/guard.ts); none in tests that do not need it. */
  readonly guard?: ApplyGuard;
}

/** A dry run holds nothing: it changes nothing, so it never waits for a run that does. */
const NOTHING_HELD: HostHold = { release: () => Promise.resolve() };

export class Session {
  private constructor(
    readonly options: SessionOptions,
    private readonly hold: HostHold,
    private readonly unsubscribe: () => void,
  ) {}

  /**
   * Starts listening for stop requests (each acknowledged at once), then takes the host lock
   * (resolving what a killed run left open) unless this is a dry run. A stop request while waiting for the lock ends the wait:
   * nothing was changed.
   */
  static async open(options: SessionOptions): Promise<Session> {
    const waiting = new AbortController();
    const acknowledge = (signal: StopSignal): void => {
      options.reporter.notice(acknowledgement(signal));
      waiting.abort();
    };
    const unsubscribe = options.stops.subscribe(acknowledge);
    if (options.stops.requested !== undefined) acknowledge(options.stops.requested);
    try {
      if (options.dryRun === true) return new Session(options, NOTHING_HELD, unsubscribe);
      const hold = await options.journal.hold({
        host: options.backend.host,
        command: ['xlp', ...options.argv].join(' '),
        liveState: () => options.backend.list(),
        leftovers: (run) => options.backend.removeLeftovers(run),
        signal: waiting.signal,
      });
      return new Session(options, hold, unsubscribe);
    } catch (error) {
      unsubscribe();
      throw error;
    }
  }

  get backend(): Backend {
    return this.options.backend;
  }

  get dryRun(): boolean {
    return this.options.dryRun === true;
  }

  /** The signal that asked this run to stop, if one did. */
  get stopRequested(): StopSignal | undefined {
    return this.options.stops.requested;
  }

  /**
   * Runs one journaled change of `name`. `body` composes the change's stages through the Step; when
   * it fails (or a stop request keeps its next step from starting), what it changed is undone, the
   * outcome records how far the rollback got, and the failure is rethrown with that said. A change
   * that completes while a stop was requested still completes, then the run stops (exit 130).
   */
  async change<T>(operation: Operation, name: string, body: (step: Step) => Promise<StepEnd<T>>): Promise<T> {
    const step = new Step(this, operation, name);
    let end: StepEnd<T>;
    try {
      end = await body(step);
    } catch (error) {
      throw await step.fail(asXlpError(error));
    }
    await step.succeed(end);
    const signal = this.stopRequested;
    if (signal !== undefined) throw stoppedAfter(signal, operation, name, end);
    return end.value;
  }

  /** Arms the crash-loop guard before an apply or replace of `name` starts (not in a rehearsal). */
  async armGuard(name: string): Promise<void> {
    if (!this.dryRun) await this.options.guard?.arm(name);
  }

  /** Releases the host lock. The session's changes are all recorded by then. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.hold.release();
  }
}

const acknowledgement = (signal: StopSignal): string =>
  `${signal} received: stopping after the current step${signal === 'SIGINT' ? ' (Ctrl-C again stops at once)' : ''}`;

function stoppedAfter(signal: StopSignal, operation: Operation, name: string, end: StepEnd<unknown>): XlpError {
  const what = end.result === 'unchanged' ? `nothing needed doing (${name} is ${end.state})` : `the ${operation} of ${name} had finished (${name} is ${end.state})`;
  return new XlpError('interrupted', ExitCode.INTERRUPTED, `stopped by ${signal}: ${what}; no further step was started`, {
    hint: "run 'xlp status' to see where the host stands",
  });
}
