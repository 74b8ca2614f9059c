import type { ListResult, OperationResult, PruneResult, RunHolder } from '../model/results.js';
import { commandLine } from '../model/text.js';
import { DONE } from '../model/vocabulary.js';
import { renderTable } from './table.js';

/** "pid 123 (xlp load x.livepatch) on dom0 since 2026-12-01T10:00:00Z". */
export const describeHolder = (holder: RunHolder): string => `pid ${holder.pid} (${holder.command}) on ${holder.host} since ${holder.since}`;

export function renderList(result: ListResult): string {
  const running = result.inProgress === undefined ? [] : [`A change is in progress: ${describeHolder(result.inProgress)}.`];
  if (result.payloads.length === 0) return [...running, `No payloads loaded on ${result.host}.`].join('\n');
  const table = renderTable(
    ['NAME', 'STATE', 'LAST ERROR', 'METADATA'],
    result.payloads.map((p) => [p.name, p.state, p.error === undefined ? '-' : `${p.error.name} (${p.error.message})`, p.metadata.join(';') || '-']),
  );
  return [...running, table].join('\n');
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
