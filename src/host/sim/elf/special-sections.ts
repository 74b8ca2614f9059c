/**
 * The sections a payload must or may have (livepatch.c check_special_sections and, from 4.14,
 * check_patching_sections). Xen finds sections by name, the first of a name winning; so its
 * "seen more than once" checks can never fire and are not modelled.
 */
import { Errno } from '../../errno.js';
import { Refusal } from './refusal.js';
import { sectionByName, type SectionTable } from './section-table.js';
import type { LoaderRules } from './xen-rules.js';

export const SECTION = {
  funcs: '.livepatch.funcs',
  depends: '.livepatch.depends',
  xenDepends: '.livepatch.xen_depends',
  buildId: '.note.gnu.build-id',
  modinfo: '.modinfo',
} as const;

/** Hook sections in the order prepare_payload assigns them. Before 4.14 only load and unload exist. */
export const HOOK_SECTIONS = [
  ['load', '.livepatch.hooks.load'],
  ['unload', '.livepatch.hooks.unload'],
  ['preapply', '.livepatch.hooks.preapply'],
  ['apply', '.livepatch.hooks.apply'],
  ['postapply', '.livepatch.hooks.postapply'],
  ['prerevert', '.livepatch.hooks.prerevert'],
  ['revert', '.livepatch.hooks.revert'],
  ['postrevert', '.livepatch.hooks.postrevert'],
] as const;

/** check_special_sections: present and not empty. */
export function checkSpecialSections(table: SectionTable, rules: LoaderRules): Refusal | undefined {
  const required: string[] = rules.v2
    ? [SECTION.depends, ...(rules.checksXenBuildIdFirst ? [] : [SECTION.xenDepends]), SECTION.buildId]
    : [SECTION.funcs, SECTION.depends, SECTION.buildId];
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
  for (const name of [SECTION.funcs, ...HOOK_SECTIONS.map(([, n]) => n)]) {
    const section = sectionByName(table, name);
    if (!section) continue;
    if (section.size === 0n) return new Refusal(Errno.EINVAL, 'check_patching_sections: section empty', `check_patching_sections: ${name} is empty`);
    found = true;
  }
  return found ? undefined : new Refusal(Errno.EINVAL, 'check_patching_sections: nothing to patch');
}
