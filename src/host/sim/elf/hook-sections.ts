/**
 * The hook sections as prepare_payload takes them (LIVEPATCH_ASSIGN_MULTI_HOOK and _SINGLE_HOOK):
 * load and unload are arrays of function pointers, a multiple of 8 bytes; the others (4.14+) hold
 * exactly one pointer. Xen later calls every load/unload entry, but a single hook only when its
 * pointer, once relocated, is not NULL (is_hook_enabled), so only those count as present.
 */
import { Errno } from '../../../model/errno.js';
import type { SimHookKind } from '../state.js';
import { Refusal } from './refusal.js';
import type { SectionAccess } from './section-access.js';
import { sectionByName, type SectionTable } from './section-table.js';
import { HOOK_ORDER, hookSection } from './special-sections.js';
import type { LoaderRules } from './xen-rules.js';

const POINTER_SIZE = 8n;
const ARRAYS: readonly SimHookKind[] = ['load', 'unload'];

export function checkHooks(table: SectionTable, access: SectionAccess, rules: LoaderRules): SimHookKind[] | Refusal {
  const present: SimHookKind[] = [];
  for (const kind of HOOK_ORDER) {
    const isArray = ARRAYS.includes(kind);
    if (!isArray && !rules.v2) continue;
    const name = hookSection(kind);
    const section = sectionByName(table, name);
    if (!section) continue;
    const wrongSize = section.size % POINTER_SIZE !== 0n || (!isArray && section.size !== POINTER_SIZE);
    if (wrongSize) return new Refusal(Errno.EINVAL, 'prepare_payload: hook section of the wrong size', `prepare_payload: ${name} is ${section.size} bytes`);
    // is_hook_enabled runs when the hook is due, not now: a pointer Xen cannot follow (a section
    // it did not load, before 4.20) just leaves the hook off.
    if (isArray ? section.size !== 0n : (access.peekU64(section, 0n) ?? 0n) !== 0n) present.push(kind);
  }
  return present;
}
