/** plan, sync and check for people. Names come from manifests and hosts: escaped like everything else. */
import type { Difference } from '../model/desired.js';
import type { CheckResult, PlanResult, SyncResult } from '../model/results.js';
import { commandLine, escapeText } from '../model/text.js';

const where = (host: string): string => (host === 'localhost' ? 'this host' : host);

export function renderDifferences(differences: readonly Difference[]): string[] {
  return differences.map((d) => `  ${escapeText(d.name)}: ${d.kind}: want ${escapeText(d.want ?? 'nothing')}, have ${escapeText(d.have ?? 'nothing')}`);
}

const unmanagedLine = (unmanaged: readonly string[]): string[] => (unmanaged.length === 0 ? [] : [`Not in the manifest (left alone): ${unmanaged.map(escapeText).join(', ')}`]);

export function renderPlan(result: PlanResult): string {
  const lines: string[] = [];
  if (result.blocked !== null) lines.push(`No plan can reach the manifest now: ${escapeText(result.blocked)}`);
  else if (result.steps.length === 0) lines.push(`${where(result.host)} matches ${escapeText(result.manifest)}: nothing to do.`);
  else {
    lines.push(`${result.steps.length} step${result.steps.length === 1 ? '' : 's'} take ${where(result.host)} to ${escapeText(result.manifest)}:`);
    result.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.action} ${escapeText(s.name)}: ${escapeText(s.why)}`, `       ${commandLine(s.command)}`));
  }
  if (result.differences.length > 0) lines.push('Differences:', ...renderDifferences(result.differences));
  lines.push(...unmanagedLine(result.unmanaged));
  if (result.savedTo !== null) lines.push(`Saved to ${escapeText(result.savedTo)}: run it with xlp sync --plan.`);
  return lines.join('\n');
}

export function renderCheck(result: CheckResult): string {
  const head = result.inSync ? `OK: ${where(result.host)} carries what ${escapeText(result.manifest)} says.` : `DRIFT: ${where(result.host)} differs from ${escapeText(result.manifest)}:`;
  return [head, ...renderDifferences(result.differences), ...unmanagedLine(result.unmanaged), ...(result.blocked === null ? [] : [`A sync could not fix it now: ${escapeText(result.blocked)}`])].join('\n');
}

export function renderSync(result: SyncResult): string {
  if (result.steps.length === 0) return [`${where(result.host)} already matches ${escapeText(result.manifest)}: nothing changed.`, ...unmanagedLine(result.unmanaged)].join('\n');
  if (result.dryRun) {
    const steps = result.steps.map((s, i) => `  ${i + 1}. ${s.action} ${escapeText(s.name)}: ${escapeText(s.why)}${s.wouldRun === null ? '' : `\n       ${commandLine(s.wouldRun)}`}`);
    return [`Dry run, nothing was changed. A sync would take ${result.steps.length} step${result.steps.length === 1 ? '' : 's'}:`, ...steps, ...unmanagedLine(result.unmanaged)].join('\n');
  }
  const done = result.steps.filter((s) => s.result === 'done').map((s) => `${s.action} ${escapeText(s.name)}`);
  return [`${where(result.host)} now matches ${escapeText(result.manifest)} (${done.join(', ') || 'nothing needed doing'}).`, ...unmanagedLine(result.unmanaged)].join('\n');
}
