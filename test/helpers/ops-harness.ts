/**
 * The operations driven in-process, so a failure points at a function: the real xen-livepatch
 * backend over a scripted Runner (each tool run answered by the next reply scripted for it, in the
 * tool's own words), an in-memory journal and record, a reporter that records, and stop requests
 * raised by hand at any step.
 */
import type { AuditEntry, AuditIntent, AuditOutcome, AuditSink, BootEvent, HoldRequest } from '../../src/audit/types.js';
import { XlpError, ExitCode } from '../../src/errors.js';
import type { RunResult, Runner } from '../../src/host/runner.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import type { Reporter } from '../../src/model/reporter.js';
import type { PayloadStatus, ToolOutput } from '../../src/model/types.js';
import { Session } from '../../src/ops/session.js';
import { manualStopRequests, type StopSignal } from '../../src/ops/stop-requests.js';
import { emptyRecord, type HostRecord } from '../../src/verify/store.js';
import { memoryRecords } from './memory-records.js';
import { out } from './xen-outputs.js';

export const HOST = 'dom0.test';
export const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';

/** `xen-livepatch list` of Xen 4.14+ for these payloads. */
export function listOutput(payloads: readonly PayloadStatus[]): ToolOutput {
  if (payloads.length === 0) return out('Nothing to list\n');
  const header = ' ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n';
  const rows = payloads.map((p) => `${p.name.padEnd(40)}| ${p.state}${p.rc === 0 ? '' : ` (${p.rc}, x)`}    | ${p.metadata.join(';')}\n`);
  return out(header + rows.join(''));
}

export const xlInfo = (buildId = XEN): ToolOutput => out(`host                   : dom0\nbuild_id               : ${buildId}\n`);

/** The hypervisor console after `xl debug-keys x`: the livepatch dump with these payloads' build-ids. */
export function consoleDump(payloads: ReadonlyArray<{ name: string; state: string; buildId: string; depends: string }>): ToolOutput {
  const lines = ["(XEN) 'x' pressed - Dumping all livepatch patches", `(XEN) build-id: ${XEN}`];
  for (const p of payloads) {
    lines.push(`(XEN)  name=${p.name} state=${p.state}(${p.state === 'APPLIED' ? 2 : 1}) ffff82d040800000 (.data=ffff82d040801000, .rodata=ffff82d040802000) using 3 pages.`);
    lines.push(`(XEN) build-id=${p.buildId}`, `(XEN) depend-on=${p.depends}`);
  }
  return out(`${lines.join('\n')}\n`);
}

/** A reply, or a function of the tool's argv (without the program) that makes it. */
type Reply = ToolOutput | ((args: readonly string[]) => ToolOutput | Promise<ToolOutput>);

/** `xen-livepatch upload NAME FILE` succeeding: the tool echoes the path it was given. */
export const uploaded: Reply = (args) => out(`Uploading ${args[2]}... completed\n`);

export interface ScriptedRunner extends Runner {
  /** Queues replies for runs whose `tool args...` begin with `command` (e.g. 'xen-livepatch apply xsa'). */
  reply(command: string, ...replies: Reply[]): void;
  /** Every run, as `tool args...` with the staged file's path as STAGED. */
  readonly calls: string[];
}

export function scriptedRunner(): ScriptedRunner {
  const queue: Array<{ command: string; reply: Reply }> = [];
  const calls: string[] = [];
  let staged = 0;
  return {
    target: HOST,
    calls,
    reply(command, ...replies) {
      for (const reply of replies) queue.push({ command, reply });
    },
    async run(program: string, args: readonly string[]): Promise<RunResult> {
      const line = [program.slice(program.lastIndexOf('/') + 1), ...args].join(' ');
      calls.push(line.replace(/\/run\/stage-\d+\//, 'STAGED/'));
      const index = queue.findIndex((entry) => line === entry.command || line.startsWith(`${entry.command} `));
      if (index < 0) throw new Error(`no reply scripted for: ${line}`);
      const { reply } = queue.splice(index, 1)[0] as { reply: Reply };
      return typeof reply === 'function' ? reply(args) : reply;
    },
    stage: async (_bytes, basename) => {
      const path = `/run/stage-${++staged}/${basename}`;
      return { path, remove: async () => {} };
    },
    keepFile: async () => {},
    readKeptFile: async () => undefined,
    close: async () => {},
    removeLeftovers: async () => [],
  };
}

export interface MemoryJournal extends AuditSink {
  readonly records: Array<{ type: 'intent'; intent: AuditIntent } | { type: 'outcome'; outcome: AuditOutcome } | { type: 'boot'; boot: BootEvent }>;
  /** Makes the next begin() fail as a full journal would. */
  failNextIntent(): void;
  held: boolean;
}

export function memoryJournal(): MemoryJournal {
  let failIntent = false;
  const journal: MemoryJournal = {
    records: [],
    held: false,
    failNextIntent: () => {
      failIntent = true;
    },
    hold: async (_request: HoldRequest) => {
      journal.held = true;
      return { release: async () => void (journal.held = false) };
    },
    begin: async (intent: AuditIntent): Promise<AuditEntry> => {
      if (failIntent) {
        failIntent = false;
        throw new XlpError('audit-journal', ExitCode.AUDIT, 'cannot write to the audit journal: the disk is full; nothing was changed');
      }
      journal.records.push({ type: 'intent', intent });
      return { finish: async (outcome) => void journal.records.push({ type: 'outcome', outcome }) };
    },
    boot: async (boot: BootEvent) => void journal.records.push({ type: 'boot', boot }),
  };
  return journal;
}

export interface RecordingReporter extends Reporter {
  readonly stages: Array<{ title: string; ok: boolean; notes: string[] }>;
  readonly notices: string[];
}

export function recordingReporter(): RecordingReporter {
  const reporter: RecordingReporter = {
    stages: [],
    notices: [],
    notice: (message) => void reporter.notices.push(message),
    async stage(title, run) {
      const entry = { title, ok: false, notes: [] as string[] };
      reporter.stages.push(entry);
      const value = await run({ note: (message) => void entry.notes.push(message) });
      entry.ok = true;
      return value;
    },
  };
  return reporter;
}

export interface Harness {
  readonly runner: ScriptedRunner;
  readonly journal: MemoryJournal;
  readonly reporter: RecordingReporter;
  readonly records: ReturnType<typeof memoryRecords>;
  readonly stops: ReturnType<typeof manualStopRequests>;
  /** Opens a session; `dryRun` makes it a rehearsal. */
  open(options?: { dryRun?: boolean }): Promise<Session>;
  /** Raises a stop request the moment the next run of `command` starts (the step under way then ends normally). */
  stopDuring(command: string, reply: Reply, signal?: StopSignal): void;
}

export function harness(record: HostRecord = emptyRecord(HOST), timeoutMs = 2000): Harness {
  const runner = scriptedRunner();
  const journal = memoryJournal();
  const reporter = recordingReporter();
  const records = memoryRecords(HOST, record);
  const stops = manualStopRequests();
  const backend = createXenLivepatchBackend(runner, { xenLivepatch: '/usr/sbin/xen-livepatch', xl: '/usr/sbin/xl' });
  return {
    runner,
    journal,
    reporter,
    records,
    stops,
    open: (options = {}) => Session.open({ backend, journal, records, reporter, stops, timeoutMs, argv: ['test'], ...options }),
    stopDuring(command, reply, signal = 'SIGINT') {
      runner.reply(command, (args) => {
        stops.request(signal);
        return typeof reply === 'function' ? reply(args) : reply;
      });
    },
  };
}
