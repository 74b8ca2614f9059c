/**
 * One journaled change inside a session: its stages run through the session's reporter; the intent
 * is on disk before the first stage that changes the host; a stage that changes the host is never
 * started after a stop request; what a change stage did is undone (in reverse) when a later stage
 * fails; the outcome records the result, the state after and how far a rollback got. xlp's per-host
 * record follows every change as it happens, so a run cut short leaves it right.
 */
import { ExitCode, XlpError } from '../errors.js';
import type { AuditEntry, AuditIntent } from '../audit/types.js';
import type { ChangeResult, OperationOutcome, ProbeRun, RollbackReport } from '../model/results.js';
import type { PayloadStatus, ToolOutput } from '../model/types.js';
import { DONE, listAfter, presenceIn, type Operation, type Presence } from '../model/vocabulary.js';
import { recordChange, type PayloadRecord } from '../verify/store.js';
import type { StageReport } from '../model/reporter.js';
import { commandLine } from '../model/text.js';
import type { Session } from './session.js';

/** How a change's body ended: its value for the caller, and the words the journal records. */
export interface StepEnd<T> {
  readonly value: T;
  readonly result: OperationOutcome;
  /** The payload's state after the change. */
  readonly state: Presence;
}

/** The facts of the intent record that only the stages learn (the verified payload, the checks). */
export type IntentFacts = Omit<AuditIntent, 'operation' | 'name' | 'host' | 'argv' | 'stateBefore'>;

/** A stage that changes the host. */
export interface ChangeStage<R> {
  readonly title: string;
  /** The operation this stage performs on the step's payload when it succeeds (e.g. 'upload'). */
  readonly effect: Operation;
  /** For an upload: the record of the bytes, written before the upload so a crash cannot orphan them. */
  readonly uploads?: PayloadRecord;
  /** The .modinfo strings an upload adds to the hypervisor's list. */
  readonly metadata?: readonly string[];
  run(report: StageReport): Promise<R>;
  /** Whether what `run` returned means the host changed (an action can find nothing to do); default yes. */
  readonly changedHost?: (value: R) => boolean;
  /** How to take this stage back if a later one fails: the undoing change (itself a stage). */
  readonly undo?: UndoStage;
  /**
   * For a dry run: what `run` would return, predicted from the host's list as the change would have
   * left it so far (refusing as the real run would), and the tool command it would run.
   */
  rehearse(listed: readonly PayloadStatus[], report: StageReport): Promise<Rehearsal<R>>;
}

export interface Rehearsal<R> {
  readonly value: R;
  readonly command: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an undo's value is never read
type UndoStage = Omit<ChangeStage<any>, 'undo'>;

export class Step {
  /** Everything the tool printed during this change, in order (journaled). */
  readonly outputs: ToolOutput[] = [];
  private facts: IntentFacts = {};
  private listed?: readonly PayloadStatus[];
  /** The host's list as this change has left it so far: derived from each confirmed stage, or listed. */
  private current?: { payloads: readonly PayloadStatus[]; derived: boolean };
  private entry?: AuditEntry;
  private readonly undo: UndoStage[] = [];
  private readonly started = Date.now();
  /** The effects of the change stages done so far (in a dry run: that would be done), in order. */
  readonly done: Operation[] = [];
  /** In a dry run: the tool commands the change stages would run, in order. */
  readonly wouldRun: (readonly string[])[] = [];
  /** The health probes run after the change, in order (journaled with its outcome). */
  private readonly probes: ProbeRun[] = [];

  constructor(
    readonly session: Session,
    readonly operation: Operation,
    readonly name: string,
  ) {}

  /** The host's list before the change (listed once): the journal's state before, and what the checks read. */
  async before(): Promise<readonly PayloadStatus[]> {
    this.listed ??= await this.session.backend.list();
    return this.listed;
  }

  /** Facts for the intent record (sha256, build-ids, signer, skipped checks), known once verified. */
  describe(facts: IntentFacts): void {
    this.facts = { ...this.facts, ...facts };
  }

  /** The hypervisor's list as seen by a stage (polling an action's end): the state after is then listed, not derived. */
  observe(payloads: readonly PayloadStatus[]): void {
    this.current = { payloads, derived: false };
  }

  /** Keeps a health probe's run with the change. */
  probed(run: ProbeRun): void {
    this.probes.push(run);
  }

  /** A stage that only reads the host or the payload. */
  check<T>(title: string, run: (report: StageReport) => Promise<T>): Promise<T> {
    return this.session.options.reporter.stage(title, run);
  }

  /** A stage that changes the host. */
  async change<R>(stage: ChangeStage<R>): Promise<R> {
    const signal = this.session.stopRequested;
    if (signal !== undefined) {
      throw new XlpError('interrupted', ExitCode.INTERRUPTED, `stopped by ${signal} before: ${stage.title.toLowerCase()}`, { hint: "run 'xlp status' to see where the host stands" });
    }
    if (this.session.dryRun) return this.rehearse(stage);
    await this.journalIntent();
    const value = await this.perform(stage);
    if (stage.changedHost?.(value) === false) return value;
    if (stage.undo !== undefined) this.undo.push(stage.undo);
    this.done.push(stage.effect);
    return value;
  }

  /** A change stage in a dry run: predicted and shown, never run; the host's list moves on in this step only. */
  private async rehearse<R>(stage: ChangeStage<R>): Promise<R> {
    const listed = this.current?.payloads ?? (await this.before());
    const { value, command } = await this.session.options.reporter.stage(`Would ${lowerFirst(stage.title)}`, async (report) => {
      const rehearsal = await stage.rehearse(listed, report);
      report.note(`would run: ${commandLine(rehearsal.command)}`);
      return rehearsal;
    });
    if (stage.changedHost?.(value) === false) return value;
    this.wouldRun.push(command);
    this.done.push(stage.effect);
    this.current = { payloads: listAfter(listed, stage.effect, this.name, stage.metadata), derived: true };
    return value;
  }

  private async perform<R>(stage: Omit<ChangeStage<R>, 'undo'>): Promise<R> {
    const { records, reporter } = this.session.options;
    if (stage.uploads !== undefined) await records.update((record) => recordChange(record, 'upload', this.name, stage.uploads));
    let value: R;
    try {
      value = await reporter.stage(stage.title, stage.run);
    } catch (error) {
      // The upload did not happen (or cannot be told): forget its record; reconciling would anyway.
      if (stage.uploads !== undefined) await records.update((record) => recordChange(record, 'unload', this.name)).catch(() => undefined);
      throw error;
    }
    if (stage.changedHost?.(value) === false) return value;
    const base = this.current?.payloads ?? (await this.before());
    if (this.current?.derived !== false) this.current = { payloads: listAfter(base, stage.effect, this.name, stage.metadata), derived: true };
    // A record that misses an update only makes later checks say "unknown": never fail a change made.
    if (stage.uploads === undefined) await records.update((record) => recordChange(record, stage.effect, this.name)).catch(() => undefined);
    return value;
  }

  /** The intent, once, before the first change: if it cannot be written, nothing is changed (exit 9). */
  private async journalIntent(): Promise<void> {
    if (this.entry !== undefined) return;
    const { backend, journal, argv } = this.session.options;
    this.entry = await journal.begin({ operation: this.operation, name: this.name, host: backend.host, argv, stateBefore: await this.before(), ...this.facts });
  }

  async succeed(end: StepEnd<unknown>): Promise<void> {
    await this.entry?.finish({
      result: end.result,
      state: end.state,
      ...this.interrupted(),
      ...(this.current === undefined ? { stateAfter: { payloads: await this.before(), derived: true } } : { stateAfter: this.current }),
      outputs: this.outputs,
      ...this.probeRuns(),
    });
  }

  /** Undoes what this change did, records the outcome, and returns the failure as the operator must hear it. */
  async fail(failure: XlpError): Promise<XlpError> {
    if (this.entry === undefined) return failure;
    const before = presenceIn(await this.before(), this.name);
    const rollback = this.undo.length === 0 ? undefined : await this.rollBack();
    const after = await this.session.backend.list().catch(() => undefined);
    const state = after === undefined ? 'unknown' : presenceIn(after, this.name);
    const report: RollbackReport | undefined = rollback && { ...rollback, state };
    const result: ChangeResult = report === undefined ? 'failed' : state === before ? 'rolled-back' : 'failed';
    const undone = [...this.undo].reverse().map((stage) => DONE[stage.effect]).join(' and ');
    const error = explain(failure, this.name, report, state === before, undone);
    await this.entry.finish({
      result,
      state,
      error: { code: error.code, message: error.message, exitCode: error.exitCode, ...(error.errno === undefined ? {} : { errno: error.errno }) },
      ...(report === undefined ? {} : { rollback: report }),
      ...this.interrupted(),
      ...(after === undefined ? {} : { stateAfter: { payloads: after, derived: false } }),
      outputs: this.outputs,
      ...this.probeRuns(),
    });
    return error;
  }

  private async rollBack(): Promise<Omit<RollbackReport, 'state'>> {
    const steps: string[] = [];
    try {
      for (const stage of [...this.undo].reverse()) {
        steps.push(`${stage.effect} ${this.name}`);
        await this.perform(stage);
      }
      return { steps, succeeded: true };
    } catch (error) {
      return { steps, succeeded: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private probeRuns(): { probes?: readonly ProbeRun[] } {
    return this.probes.length === 0 ? {} : { probes: this.probes };
  }

  private interrupted(): { interrupted?: string } {
    const signal = this.session.stopRequested;
    return signal === undefined ? {} : { interrupted: signal };
  }

  /** Milliseconds since the change began. */
  get elapsedMs(): number {
    return Date.now() - this.started;
  }
}

/** The failure, with what the rollback did to it: a clean rollback keeps the failure's code; a failed one left the host changed (exit 12). */
function explain(failure: XlpError, name: string, rollback: RollbackReport | undefined, clean: boolean, undoneWords: string): XlpError {
  if (rollback === undefined) return failure;
  const undone = rollback.steps.join(', then ');
  if (clean) return new XlpError(failure.code, failure.exitCode, `${failure.message}; rolled back: ${name} was ${undoneWords} again, nothing changed`, { hint: failure.hint, errno: failure.errno, detail: failure.detail, rollback });
  return new XlpError('rollback-failed', ExitCode.ROLLBACK_FAILED, `${failure.message}; rolling back (${undone}) failed too${rollback.error === undefined ? '' : ` (${rollback.error})`}: ${name} is left ${rollback.state}`, {
    hint: rollback.state === 'CHECKED' ? `run 'xlp unload ${name}' once the hypervisor is idle` : "run 'xlp status' and put the host right by hand",
    errno: failure.errno,
    detail: failure.detail,
    rollback,
  });
}

const lowerFirst = (title: string): string => title.charAt(0).toLowerCase() + title.slice(1);
