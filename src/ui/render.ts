import type { ListResult } from '../ops/list.js';
import type { OperationResult } from '../ops/result.js';
import { renderTable } from './table.js';

export function renderList(result: ListResult): string {
  if (result.payloads.length === 0) return `No payloads loaded on ${result.host}.`;
  return renderTable(
    ['NAME', 'STATE', 'LAST ERROR', 'METADATA'],
    result.payloads.map((p) => [p.name, p.state, p.error === undefined ? '-' : `${p.error.name} (${p.error.message})`, p.metadata.join(';') || '-']),
  );
}

const DONE: Record<OperationResult['operation'], string> = {
  upload: 'uploaded',
  load: 'uploaded and applied',
  apply: 'applied',
  revert: 'reverted',
  unload: 'unloaded',
  replace: 'applied, replacing all others',
};

export function renderOperation(result: OperationResult): string {
  const where = result.host === 'localhost' ? '' : ` on ${result.host}`;
  if (result.outcome === 'unchanged') return `${result.name}: already ${result.state}${where}, nothing to do.`;
  const state = result.state === 'absent' ? '' : ` (now ${result.state})`;
  return `${result.name}: ${DONE[result.operation]}${where}${state}.`;
}
