/**
 * .modinfo (4.14+): the payload's metadata, NUL-separated strings that must end with a NUL
 * (prepare_payload). Xen checks only the last byte, reading it through the section's address
 * even when the section is empty: then it reads the byte before.
 */
import { Errno } from '../../../model/errno.js';
import { Refusal } from './refusal.js';
import type { SectionAccess } from './section-access.js';
import { sectionByName, type SectionTable } from './section-table.js';
import { MODINFO } from './special-sections.js';

/** Xen hands the bytes to the tool, which prints them as they are: UTF-8 text survives as such. */
const utf8 = new TextDecoder('utf-8');

/** The metadata strings, as `xen-livepatch list` and the console show them; [] without .modinfo. */
export function checkModinfo(table: SectionTable, access: SectionAccess): string[] | Refusal {
  const section = sectionByName(table, MODINFO);
  if (!section) return [];
  if (access.u8(section, section.size - 1n) !== 0) return new Refusal(Errno.EINVAL, 'prepare_payload: metadata not NUL-terminated');
  if (section.size === 0n) return [];
  // Loaded sections are at most 2 MiB (an upload, or a NOBITS section Xen caps): this stays bounded.
  const text = utf8.decode(access.bytes(section, 0n, Number(section.size) - 1));
  return text.split('\0');
}
