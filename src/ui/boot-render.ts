/** xlp boot and its subcommands for people. Names come from the host's store: escaped like everything else. */
import type { BootResult } from '../model/results.js';
import { escapeText } from '../model/text.js';

export function renderBoot(result: BootResult): string {
  const lines = [`${result.outcome === 'held-back' ? 'HELD BACK' : result.outcome === 'reapplied' ? 'OK' : 'NOTHING APPLIED'}: ${escapeText(result.reason)}`];
  for (const step of result.steps) if (step.result === 'done') lines.push(`  ${step.action} ${escapeText(step.name)}`);
  for (const held of result.heldBack) lines.push(`  not applied: ${escapeText(held.name)}: ${escapeText(held.reason)}`);
  return lines.join('\n');
}
