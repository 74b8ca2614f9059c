/**
 * The simulated Xen's answer to XEN_SYSCTL_LIVEPATCH_UPLOAD once the name is known to be new:
 * livepatch.c load_payload_data, step by step in Xen's order, written from Xen's source and not
 * from xlp's own payload checks, so that the simulator can judge xlp (docs/simulator.md, "The
 * simulator as an independent oracle"). It never throws and never hangs on hostile bytes, and
 * the memory it uses follows the upload's size.
 *
 * Where Xen itself would follow a bad pointer (and crash the host), the simulator answers EINVAL,
 * the errno Xen gives malformed payloads; the refusal's check says so.
 */
import { createHash } from 'node:crypto';

import { Errno } from '../../../model/errno.js';
import type { SimFunc, SimHookKind } from '../state.js';
import type { XenVersion } from '../xen-version.js';
import { checkArchSections } from './arch-sections.js';
import { readBuildIdNote } from './build-id-note.js';
import { checkElfHeader } from './elf-header.js';
import { checkHooks } from './hook-sections.js';
import { layOut } from './load-layout.js';
import { checkModinfo } from './modinfo.js';
import { checkPatchFuncs } from './patch-funcs.js';
import { PayloadMemory } from './payload-memory.js';
import { Refusal, isRefusal } from './refusal.js';
import { performRelocations } from './relocate.js';
import { resolveSymbols } from './resolve-symbols.js';
import { fromLoadAddress, type SectionAccess } from './section-access.js';
import { readSectionTable, sectionByName, type SectionTable } from './section-table.js';
import {
  ELF_BUILD_ID_NOTE,
  ELF_LIVEPATCH_DEPENDS,
  ELF_LIVEPATCH_XEN_DEPENDS,
  checkPatchingSections,
  checkSpecialSections,
} from './special-sections.js';
import { readSymbols } from './symbol-table.js';
import { UploadBytes } from './upload-bytes.js';
import { checkXenBuildId, compareXenDepends, type RunningXen } from './xen-build-id.js';
import { XenFault } from './xen-fault.js';
import { loaderRules, type LoaderRules } from './xen-rules.js';

export { Refusal } from './refusal.js';

export interface UploadHost extends RunningXen {
  /** Whether a loaded payload has this build-id (lowercase hex). */
  readonly hasBuildId: (id: string) => boolean;
}

/** What the hypervisor keeps of a payload it accepted. */
export interface LoadedPayload {
  readonly buildId: string;
  readonly depends: string;
  /** '' before 4.14, where Xen does not read it. */
  readonly xenDepends: string;
  /** .modinfo strings; [] before 4.14 or without .modinfo. */
  readonly metadata: readonly string[];
  /** Xen's safe_to_reapply: false when a reverted payload must be unloaded before it is applied again. */
  readonly safeToReapply: boolean;
  readonly hooks: readonly SimHookKind[];
  readonly funcs: readonly SimFunc[];
  readonly size: number;
  readonly sha256: string;
}

export type LoadOutcome = { readonly payload: LoadedPayload } | { readonly refusal: Refusal };

/** parse_buildid / the inline checks before 4.20: the id, or Xen's errno (always EINVAL before 4.20). */
function buildIdOf(table: SectionTable, access: SectionAccess, name: string, rules: LoaderRules): string | Refusal {
  const section = sectionByName(table, name);
  // check_special_sections made sure it exists; Xen's own code would skip a missing one.
  if (!section) return '';
  const note = readBuildIdNote(access, section);
  if ('id' in note) return note.id;
  const errno = rules.checksXenBuildIdFirst ? note.errno : Errno.EINVAL;
  return new Refusal(errno, 'prepare_payload: bad build-id note', `prepare_payload: ${name}: ${note.why}`);
}

function load(payloadName: string, bytes: Uint8Array, rules: LoaderRules, host: UploadHost): LoadedPayload | Refusal {
  const raw = new UploadBytes(bytes);
  const header = checkElfHeader(raw);
  if (isRefusal(header)) return header;
  const table = readSectionTable(raw, header, rules);
  if (isRefusal(table)) return table;
  const symbols = readSymbols(raw, table);
  if (isRefusal(symbols)) return symbols;
  let xenDepends = '';
  if (rules.checksXenBuildIdFirst) {
    const id = checkXenBuildId(payloadName, table, raw, host, rules);
    if (isRefusal(id)) return id;
    xenDepends = id;
  }
  const layout = layOut(table, rules, raw.length);
  if (isRefusal(layout)) return layout;
  const resolved = resolveSymbols(symbols, table, layout, rules);
  if (isRefusal(resolved)) return resolved;
  const memory = new PayloadMemory(bytes, layout);
  const unrelocatable = performRelocations(table, { raw, symbols, resolved, memory, layout });
  if (unrelocatable) return unrelocatable;
  const missing = checkSpecialSections(table, rules) ?? (rules.v2 ? checkPatchingSections(table) : undefined);
  if (missing) return missing;

  // prepare_payload
  const access = fromLoadAddress(memory, raw, rules.checksXenBuildIdFirst);
  const funcs = checkPatchFuncs(table, access, memory, rules);
  if (isRefusal(funcs)) return funcs;
  const hooks = checkHooks(table, access, rules);
  if (isRefusal(hooks)) return hooks;
  const buildId = buildIdOf(table, access, ELF_BUILD_ID_NOTE, rules);
  if (isRefusal(buildId)) return buildId;
  if (host.hasBuildId(buildId)) return new Refusal(Errno.EEXIST, 'prepare_payload: build-id already loaded', `prepare_payload: ${buildId}`);
  const depends = buildIdOf(table, access, ELF_LIVEPATCH_DEPENDS, rules);
  if (isRefusal(depends)) return depends;
  if (rules.v2 && !rules.checksXenBuildIdFirst) {
    const id = buildIdOf(table, access, ELF_LIVEPATCH_XEN_DEPENDS, rules);
    if (isRefusal(id)) return id;
    xenDepends = id;
  }
  const arch = checkArchSections(table, rules);
  if (arch) return arch;
  const metadata = rules.v2 ? checkModinfo(table, access) : [];
  if (isRefusal(metadata)) return metadata;

  if (rules.v2 && !rules.checksXenBuildIdFirst) {
    const mismatch = compareXenDepends(payloadName, xenDepends, host);
    if (mismatch) return mismatch;
  }
  return {
    buildId,
    depends,
    xenDepends,
    metadata,
    safeToReapply: layout.safeToReapply,
    hooks,
    funcs,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** load_payload_data for the payload `payloadName` (Xen's elf->name, used in its console lines). */
export function loadPayload(payloadName: string, bytes: Uint8Array, version: XenVersion, host: UploadHost): LoadOutcome {
  try {
    const result = load(payloadName, bytes, loaderRules(version), host);
    return isRefusal(result) ? { refusal: result } : { payload: result };
  } catch (error) {
    if (!(error instanceof XenFault)) throw error;
    return { refusal: new Refusal(Errno.EINVAL, 'Xen would fault (a host crash)', error.message) };
  }
}
