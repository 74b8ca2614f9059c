/** The exit-code table rendered for help texts (80 columns) and for the Markdown documents. */
import { EXIT_CODES } from '../model/exit-codes.js';

/** The EXIT CODES section every command's help ends with. */
export function exitCodesHelp(): string {
  return ['EXIT CODES', ...EXIT_CODES.map((spec) => `  ${String(spec.code).padEnd(5)}${spec.help}`)].join('\n');
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** The Markdown table of docs/exit-codes.md (and the README's short one with `short`). */
export function exitCodesMarkdown(short = false): string {
  if (short) {
    return ['| code | meaning |', '|---:|---|', ...EXIT_CODES.map((spec) => `| ${spec.code} | ${escapeCell(spec.help)} |`)].join('\n');
  }
  const codes = (spec: (typeof EXIT_CODES)[number]): string => (spec.errorCodes.length === 0 ? '–' : spec.errorCodes.map((c) => `\`${c}\``).join(', '));
  return [
    '| code | name | `error.code` under `--json` | meaning |',
    '|---:|---|---|---|',
    ...EXIT_CODES.map((spec) => `| ${spec.code} | \`${spec.key}\` | ${codes(spec)} | ${escapeCell(spec.meaning)} |`),
  ].join('\n');
}

/** Replaces what lies between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `text`. */
export function replaceGenerated(text: string, name: string, content: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} ... ${end} markers`);
  return `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`;
}
