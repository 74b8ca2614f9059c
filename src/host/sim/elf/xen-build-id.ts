/**
 * .livepatch.xen_depends against the running Xen's build-id (4.14+). Up to 4.19 Xen parses the
 * note in prepare_payload and compares it last (xen_build_id_dep); from 4.20 check_xen_buildid
 * does both right after reading the ELF headers, from the raw upload, and logs more. These are the
 * only upload refusals whose console lines the simulator reproduces: the recording shows them.
 */
import { Errno } from '../../../model/errno.js';
import { readBuildIdNote } from './build-id-note.js';
import { Refusal } from './refusal.js';
import { fromUpload } from './section-access.js';
import { sectionByName, type SectionTable } from './section-table.js';
import { ELF_LIVEPATCH_XEN_DEPENDS } from './special-sections.js';
import type { UploadBytes } from './upload-bytes.js';
import type { LoaderRules } from './xen-rules.js';

const NBSP = '\u00a0';

export interface RunningXen {
  /** Xen's build-id in lowercase hex; '' when Xen was built without one. */
  readonly buildId: string;
}

/** xen_build_id_dep (4.14-4.19): the parsed note against Xen's build-id. */
export function compareXenDepends(payloadName: string, xenDepends: string, xen: RunningXen): Refusal | undefined {
  if (xen.buildId === '') return new Refusal(Errno.ENODATA, 'xen_build_id_dep: Xen has no build-id');
  if (xenDepends === xen.buildId) return undefined;
  return new Refusal(Errno.EINVAL, 'xen_build_id_dep: not built for this Xen', `xen_build_id_dep: ${xenDepends}`, [
    `livepatch: ${payloadName}: check against hypervisor build-id failed`,
  ]);
}

/** check_xen_buildid (4.20+): the payload's xen_depends when it is Xen's build-id. */
export function checkXenBuildId(payloadName: string, table: SectionTable, raw: UploadBytes, xen: RunningXen, rules: LoaderRules): string | Refusal {
  const check = 'check_xen_buildid';
  const log = (text: string, ...more: string[]): string[] => [`livepatch: ${payloadName}: ${text}`, ...more];
  const section = sectionByName(table, ELF_LIVEPATCH_XEN_DEPENDS);
  if (!section) return new Refusal(Errno.EINVAL, `${check}: section missing`, check, log(`section ${ELF_LIVEPATCH_XEN_DEPENDS} is missing`));
  const note = readBuildIdNote(fromUpload(raw), section);
  if ('errno' in note) {
    return new Refusal(Errno.EINVAL, `${check}: not a build-id note`, `${check}: ${note.why}`, log(`failed to parse section ${ELF_LIVEPATCH_XEN_DEPENDS} as build-id: ${-note.errno}`));
  }
  if (xen.buildId === '') {
    const rc = rules.xenBuildIdRcIsZero ? 0 : -Errno.ENODATA;
    return new Refusal(Errno.ENODATA, `${check}: Xen has no build-id`, check, log(`unable to get running Xen build-id: ${rc}`));
  }
  if (note.id === xen.buildId) return note.id;
  // Xen's format string indents the two continuation lines with no-break spaces (U+00A0, bytes C2 A0)
  // and one space, at every release from 4.20 to 4.22 (seen byte for byte on Debian's 4.20.5-pre).
  return new Refusal(Errno.EINVAL, `${check}: not built for this Xen`, `${check}: ${note.id}`, log('build-id mismatch:', `${NBSP} livepatch: ${note.id}`, `${NBSP.repeat(7)} xen: ${xen.buildId}`));
}
