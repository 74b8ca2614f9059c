/**
 * Text a payload carries that xlp refuses to upload, whatever Xen would say: names and .modinfo
 * strings reach the operator's terminal (xen-livepatch list prints .modinfo raw, status and inspect
 * show names), so a control character, an escape sequence, a direction override or bytes that are
 * not UTF-8 there could forge a line of output or rewrite the screen (src/model/text.ts).
 */
import { hasUnsafeText, printable } from '../model/text.js';
import type { PayloadElf } from './payload-elf.js';
import { SHT } from './elf.js';
import type { LivepatchFunc, PayloadDefect } from './types.js';

/** What the reader's lenient UTF-8 decoding puts where the bytes were not UTF-8. */
const NOT_UTF8 = '\ufffd';

const unsafe = (text: string): boolean => hasUnsafeText(text) || text.includes(NOT_UTF8);

export function textDefects(p: PayloadElf, funcs: readonly LivepatchFunc[], modinfo: readonly string[] | undefined): PayloadDefect[] {
  const found: PayloadDefect[] = [];
  const check = (what: string, text: string): void => {
    if (unsafe(text)) found.push({ code: 'unsafe-text', message: `${what} ${JSON.stringify(printable(text))} holds control characters, direction overrides or bytes that are not UTF-8` });
  };
  for (const entry of modinfo ?? []) check('the .modinfo entry', entry);
  for (const section of p.elf.sections) if (section.index > 0) check(`the name of section ${section.index}`, section.name);
  for (const [index, symbols] of p.symbols) {
    if (p.elf.sections[index]?.type !== SHT.SYMTAB) continue;
    for (const symbol of symbols) check(`the name of symbol ${symbol.index}`, symbol.name);
  }
  for (const [i, func] of funcs.entries()) check(`the name of function ${i}`, func.name);
  return found;
}
