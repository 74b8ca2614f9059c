/**
 * The optional x86 sections prepare_payload knows, after the build-ids: .bug_frames.0 to 3,
 * .altinstructions, .alt_call_sites (4.21+) and .ex_table. x86 Xen supports all of them, so only
 * section_ok's size check can refuse one here. What Xen then checks in their entries (that an
 * alternative patches inside the payload, and Xen's CPU feature numbers) is not modelled: no
 * payload the simulator's users build carries these sections.
 */
import { Errno } from '../../../model/errno.js';
import { Refusal } from './refusal.js';
import { sectionByName, type SectionTable } from './section-table.js';
import type { LoaderRules } from './xen-rules.js';

/** BUGFRAME_NR on x86. */
const BUG_FRAME_KINDS = 4;
/** sizeof(struct bug_frame), sizeof(struct exception_table_entry), sizeof(struct alt_call). */
const BUG_FRAME_SIZE = 8n;
const EX_TABLE_ENTRY_SIZE = 8n;
const ALT_CALL_SIZE = 4n;

export function checkArchSections(table: SectionTable, rules: LoaderRules): Refusal | undefined {
  const entries: Array<[string, bigint]> = [
    ...Array.from({ length: BUG_FRAME_KINDS }, (_, i): [string, bigint] => [`.bug_frames.${i}`, BUG_FRAME_SIZE]),
    ['.altinstructions', BigInt(rules.altInstrSize)],
    ...(rules.knowsAltCallSites ? [['.alt_call_sites', ALT_CALL_SIZE] as [string, bigint]] : []),
    ['.ex_table', EX_TABLE_ENTRY_SIZE],
  ];
  for (const [name, size] of entries) {
    const section = sectionByName(table, name);
    if (section && section.size % size !== 0n) {
      return new Refusal(Errno.EINVAL, 'section_ok: size not a multiple of the entry', `section_ok: ${name} is ${section.size} bytes, entries ${size}`);
    }
  }
  return undefined;
}
