/**
 * The sections a payload must or may have (livepatch.c check_special_sections and, from 4.14,
 * check_patching_sections). Xen finds sections by name, the first of a name winning; so its
 * "seen more than once" checks can never fire and are not modelled.
 */
import { Errno } from '../../../model/errno.js';
import type { SimHookKind } from '../state.js';
import { Refusal } from './refusal.js';
import { sectionByName, type SectionTable } from './section-table.js';
import type { LoaderRules } from './xen-rules.js';

/** Xen's names for the sections it looks for (xen/include/xen/livepatch.h and livepatch.c). */
export const ELF_LIVEPATCH_FUNC = '.livepatch.funcs';
export const ELF_LIVEPATCH_DEPENDS = '.livepatch.depends';
export const ELF_LIVEPATCH_XEN_DEPENDS = '.livepatch.xen_depends';
export const ELF_BUILD_ID_NOTE = '.note.gnu.build-id';
export const MODINFO = '.modinfo';

/** The hooks in the order prepare_payload assigns them; before 4.14 only load and unload exist. */
export const HOOK_ORDER: readonly SimHookKind[] = ['load', 'unload', 'preapply', 'apply', 'postapply', 'prerevert', 'revert', 'postrevert'];

/** ELF_LIVEPATCH_*_HOOK(S): each hook lives in a section named after it. */
export const hookSection = (kind: SimHookKind): string => `.livepatch.hooks.${kind}`;

/** check_special_sections: present and not empty. */
export function checkSpecialSections(table: SectionTable, rules: LoaderRules): Refusal | undefined {
  const required: string[] = rules.v2
    ? [ELF_LIVEPATCH_DEPENDS, ...(rules.checksXenBuildIdFirst ? [] : [ELF_LIVEPATCH_XEN_DEPENDS]), ELF_BUILD_ID_NOTE]
    : [ELF_LIVEPATCH_FUNC, ELF_LIVEPATCH_DEPENDS, ELF_BUILD_ID_NOTE];
  for (const name of required) {
    const section = sectionByName(table, name);
    if (!section) return new Refusal(Errno.EINVAL, 'check_special_sections: section missing', `check_special_sections: no ${name}`);
    if (section.size === 0n) return new Refusal(Errno.EINVAL, 'check_special_sections: section empty', `check_special_sections: ${name} is empty`);
  }
  return undefined;
}

/** check_patching_sections (4.14+): .livepatch.funcs or a hook, and none of them empty. */
export function checkPatchingSections(table: SectionTable): Refusal | undefined {
  let found = false;
  for (const name of [ELF_LIVEPATCH_FUNC, ...HOOK_ORDER.map(hookSection)]) {
    const section = sectionByName(table, name);
    if (!section) continue;
    if (section.size === 0n) return new Refusal(Errno.EINVAL, 'check_patching_sections: section empty', `check_patching_sections: ${name} is empty`);
    found = true;
  }
  return found ? undefined : new Refusal(Errno.EINVAL, 'check_patching_sections: nothing to patch');
}
