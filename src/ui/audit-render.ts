/** Text for people from the audit results; --json prints the results themselves. */
import { commandLine, escapeText } from '../model/text.js';
import { advisoryWords, describeHolder, renderPatchLevel } from './render.js';
import { renderTable } from './table.js';
import type { Change } from '../audit/history.js';
import { describeActor } from '../audit/identity.js';
import type { JournalRecord } from '../audit/record.js';
import type { StatusResult } from '../audit/status.js';
import { describeTail } from '../audit/tail.js';
import type { VerifyResult } from '../audit/verify.js';

export function renderVerify(result: VerifyResult): string {
  const { journal } = result;
  const head = journal.head === null ? 'empty' : `head record ${journal.head.seq} ${journal.head.hash.slice(0, 16)}`;
  const chain = journal.problem === null ? `${journal.records} records, chain intact (${head})` : `BROKEN at line ${journal.problem.line}: ${journal.problem.message} (${journal.records} records before it are intact)`;
  return `audit journal ${journal.path}: ${chain}\nseal: ${result.seal.status}: ${result.seal.message}\ntail: ${result.tail.condition}: ${describeTail(result.tail)}\n${result.ok ? 'OK' : 'FAILED'}`;
}

const short = (hex?: string): string => (hex === undefined ? '-' : hex.slice(0, 12));

function resultText(change: Change): string {
  if (change.result !== 'interrupted') return change.errno === undefined ? change.result : `${change.result} (errno ${change.errno})`;
  return change.resolution === undefined ? 'interrupted' : `interrupted: ${change.resolution.verdict}`;
}

export function renderChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return 'No recorded changes match.';
  const table = renderTable(
    ['RECORD', 'TIME', 'HOST', 'USER', 'OPERATION', 'NAME', 'RESULT', 'MS', 'SHA256'],
    changes.map((c) => [String(c.seq), c.time, c.host, describeActor(c), c.operation, c.name, resultText(c), c.durationMs === undefined ? '-' : String(c.durationMs), short(c.sha256)]),
  );
  const probed = changes.filter((c) => (c.probes ?? []).length > 0);
  return probed.length === 0 ? table : [table, '', 'Health probes:', ...probed.flatMap(probeLines)].join('\n');
}

/** Each probe of a change with what it said: where a failed probe's hint sends the operator. */
function probeLines(change: Change): string[] {
  return (change.probes ?? []).flatMap((p) => {
    const verdict = p.timedOut ? 'timed out' : p.exitCode === null ? 'could not run' : `exit ${p.exitCode}`;
    const said = (stream: string, text: string): string[] => text.split('\n').filter((line) => line !== '').map((line) => `    ${stream}: ${escapeText(line)}`);
    return [`  record ${change.seq} ${change.operation} ${escapeText(change.name)}: ${commandLine(p.argv)}: ${verdict} in ${p.durationMs} ms`, ...said('stdout', p.stdout), ...said('stderr', p.stderr)];
  });
}

export function renderStatus(result: StatusResult): string {
  const journal = result.journal.exists ? `${result.journal.records} records` : 'none yet';
  const lines = [`Host ${result.host}; audit journal ${result.journal.path} (${journal})`];
  const running = result.inProgress;
  if (running !== null) {
    const what = running.change === null ? '' : `: ${running.change.operation} of ${running.change.name} (journal record ${running.change.record})`;
    lines.push(`A change is in progress: ${describeHolder(running)}${what}.`);
  }
  if (result.payloads.length === 0) lines.push('No payloads are loaded.');
  else {
    lines.push(
      renderTable(
        ['NAME', 'STATE', 'SOURCE', 'SHA256', 'BUILD-ID', 'UPLOADED', 'APPLIED', 'ADVISORIES'],
        result.payloads.map((p) => [
          p.name,
          p.rc === 0 ? p.state : `${p.state} (${p.error?.name ?? p.rc})`,
          p.source === 'xlp' && !p.verified ? 'xlp (unverified)' : p.source,
          short(p.sha256 ?? undefined),
          short(p.buildId ?? undefined),
          p.uploaded === null ? '-' : `${p.uploaded.at} by ${p.uploaded.by}`,
          p.applied === null ? '-' : `${p.applied.at} by ${p.applied.by}`,
          advisoryWords(p.advisories) || '-',
        ]),
      ),
      ...renderPatchLevel(result.patchLevel),
    );
  }
  lines.push(...bootLines(result));
  // Messages quote names and journal text: each is escaped whole, so none can start a line of its own.
  if (result.anomalies.length > 0) lines.push('', 'Does not add up:', ...result.anomalies.map((a) => `  - ${a.kind}: ${escapeText(a.message)}`));
  return lines.join('\n');
}

/** The journal's own changes, one line each: a tail moved aside, sealing started. */
export function renderJournalChanges(records: readonly JournalRecord[]): string {
  const what = (r: JournalRecord): string =>
    r.action === 'recover-tail'
      ? `moved ${r.movedAside.bytes} bytes from byte ${r.movedAside.offset} (sha256 ${short(r.movedAside.sha256)}) into ${r.movedAside.file}: ${r.movedAside.reason}`
      : `sealing (${r.method}) starts here, over ${r.seq - 1} records no seal covered`;
  return ['Changes of the journal itself:', ...records.map((r) => `  record ${r.seq} ${r.time} ${describeActor(r)}: ${r.action}: ${what(r)}`)].join('\n');
}

/** Boot's standing: CRITICAL first when the crash-loop guard holds a payload back. */
function bootLines(result: StatusResult): string[] {
  const boot = result.boot;
  const lines: string[] = [];
  if (boot?.guard.state === 'tripped') {
    lines.push('', `CRITICAL: the crash-loop guard holds back ${boot.guard.payloads.map(escapeText).join(', ')} since ${boot.guard.since ?? '?'}: ${escapeText(boot.guard.reason ?? '')}; after looking at why, run 'xlp boot clear'`);
  }
  const last = boot?.lastBoot ?? result.lastBoot;
  if (boot === undefined && last === undefined) return lines;
  lines.push('', 'Boot:');
  if (boot?.killSwitch !== undefined) lines.push(`  kill switch: ${boot.killSwitch === null ? 'off (boot re-applies what the last sync kept)' : `ON: ${escapeText(boot.killSwitch)}`}`);
  if (boot !== undefined) lines.push(`  crash-loop guard: ${boot.guard.state}${boot.guard.state === 'armed' ? ` (${boot.guard.payloads.map(escapeText).join(', ')} applied; judged at the next boot)` : ''}`);
  if (last !== undefined) lines.push(`  last boot: ${last.time} (journal record ${last.record}): ${last.outcome}: ${escapeText(last.reason)}`);
  return lines;
}
