import type { ListResult, OperationResult, PruneResult, RunHolder } from '../model/results.js';
import type { Advisories, PatchLevel } from '../model/patch-level.js';
import { commandLine, escapeText } from '../model/text.js';
import { DONE } from '../model/vocabulary.js';
import { renderTable } from './table.js';

/** "pid 123 (xlp load x.livepatch) on dom0 since 2026-12-01T10:00:00Z". */
export const describeHolder = (holder: RunHolder): string => `pid ${holder.pid} (${holder.command}) on ${holder.host} since ${holder.since}`;

export function renderList(result: ListResult): string {
  const running = result.inProgress === null ? [] : [`A change is in progress: ${describeHolder(result.inProgress)}.`];
  if (result.payloads.length === 0) return [...running, `No payloads loaded on ${result.host}.`].join('\n');
  const table = renderTable(
    ['NAME', 'STATE', 'LAST ERROR', 'BUILD-ID', 'METADATA'],
    result.payloads.map((p) => [p.name, p.state, p.error === undefined ? '-' : `${p.error.name} (${p.error.message})`, p.buildId?.slice(0, 12) ?? '-', p.metadata.join(';') || '-']),
  );
  return [...running, table, ...renderPatchLevel(result.patchLevel)].join('\n');
}

/** "XSA-466 CVE-2026-1": the advisories as people write them. */
export const advisoryWords = (advisories: Advisories): string => [...advisories.xsa.map((x) => `XSA-${x.replace(/^xsa-?/i, '')}`), ...advisories.cve].join(' ');

/** The patch level at a glance, under list's and status's tables. Names and advisories come from payloads: escaped. */
export function renderPatchLevel(level: PatchLevel): string[] {
  if (level.order.length === 0 && level.unplaced.length === 0) return ['Nothing is applied.'];
  const order = level.order.map((name) => (name === level.top ? `${escapeText(name)} (top)` : escapeText(name)));
  return [
    ...(order.length === 0 ? [] : [`Applied by xlp, bottom first: ${order.join(', ')}`]),
    ...(level.unplaced.length === 0 ? [] : [`Applied outside xlp, place in the stack unknown: ${level.unplaced.map((name) => (name === level.top ? `${escapeText(name)} (top)` : escapeText(name))).join(', ')}`]),
    `Advisories applied: ${escapeText(advisoryWords(level.advisories)) || 'none named in .modinfo'}`,
  ];
}

export function renderOperation(result: OperationResult): string {
  const where = result.host === 'localhost' ? '' : ` on ${result.host}`;
  if (result.dryRun) return renderRehearsal(result, where);
  if (result.result === 'unchanged') return `${result.name}: already ${result.state}${where}, nothing to do.`;
  const state = result.state === 'absent' ? '' : ` (now ${result.state})`;
  // A load of a payload an earlier run uploaded only applies it.
  const done = result.operation === 'load' && !result.steps.includes('upload') ? 'applied (it was already uploaded)' : DONE[result.operation];
  return `${result.name}: ${done}${where}${state}.`;
}

/** A dry run: what the real run would do, and the commands it would run. */
function renderRehearsal(result: OperationResult, where: string): string {
  const head = `Dry run, nothing was changed${where}.`;
  if (result.result === 'unchanged') return `${head} ${result.name} is already ${result.state}: ${result.operation} would do nothing.`;
  const commands = (result.wouldRun ?? []).map((argv) => `  ${commandLine(argv)}`);
  return [`${head} ${result.operation} would leave ${result.name} ${result.state}, running:`, ...commands].join('\n');
}

export function renderPrune(result: PruneResult): string {
  const where = result.host === 'localhost' ? '' : ` on ${result.host}`;
  const verb = result.dryRun ? 'would unload' : 'unloaded';
  const unloaded = result.unloaded.map((r) => r.name);
  const head = unloaded.length === 0 ? `Nothing to prune${where}.` : `${result.dryRun ? 'Dry run, nothing was changed: w' : 'U'}${verb.slice(1)} ${unloaded.join(', ')}${where}.`;
  const kept = result.kept.map((k) => `  kept ${k.name}: ${k.why}`);
  return [head, ...kept].join('\n');
}
