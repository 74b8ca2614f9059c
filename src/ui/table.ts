/** Plain-text tables for people; machines get --json. Every cell is untrusted text, escaped (src/model/text.ts). */
import { escapeText } from '../model/text.js';

export function renderTable(headers: readonly string[], cellsOf: readonly (readonly string[])[]): string {
  const rows = cellsOf.map((row) => row.map(escapeText));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
