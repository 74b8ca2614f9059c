/**
 * What the payload loader of each Xen release does differently, from xen/common/livepatch*.c and
 * xen/arch/x86/livepatch.c at the RELEASE-4.<minor>.0 tags. The simulator keys on the minor
 * version only: fixes that later stable releases back-ported (4.14.x-4.16.x got the 4.17 changes,
 * 4.18.x and 4.19.x the 4.20 ones) are played from the release that introduced them.
 */
import { hasXenDepends, type XenVersion } from '../xen-version.js';

export interface LoaderRules {
  /** 4.10 (c3f951417f): sh_addralign must be a power of two and sh_addr aligned to it. */
  readonly checksAlignment: boolean;
  /** 4.10 (66d3f83db6): a payload without any writable section may be applied again after a revert. */
  readonly reappliesReadOnly: boolean;
  /**
   * 4.11: struct alt_instr grew pad_len and priv (12 to 14 bytes).
   */
  readonly altInstrSize: number;
  /**
   * 4.14: payload version 2 (struct livepatch_func of 104 bytes, was version 1 of 64), optional
   * .livepatch.funcs, the pre/post/action hooks, .modinfo and the mandatory .livepatch.xen_depends.
   */
  readonly v2: boolean;
  /** 4.17 (0dc1f929e8): empty allocated sections are loaded; before, they were skipped like unallocated ones. */
  readonly loadsEmptySections: boolean;
  /** 4.17 (9120b5737f): a relocation against a symbol of a section Xen did not load is refused. */
  readonly refusesUnloadedSymbols: boolean;
  /** 4.17 (5142dc5c25): the old function is looked up before the architecture checks (after, before). */
  readonly resolvesOldAddressFirst: boolean;
  /** 4.17 (6974c75180): a jump needs 4 more bytes when the old function starts with ENDBR64. */
  readonly allowsForEndbr: boolean;
  /** 4.19 (82182ad7b4): Xen allocates its per-function state next to the descriptors. */
  readonly allocatesFuncState: boolean;
  /**
   * 4.20 (fa49f4be41, 86d09d16dd, 8c81423038): .livepatch.xen_depends is checked right after the
   * ELF headers; a bad build-id note returns xen_build_id_check's own errno (ENODATA for a wrong
   * type or owner) instead of EINVAL; a section that is not loaded is read from the raw upload
   * (before, through its NULL load address).
   */
  readonly checksXenBuildIdFirst: boolean;
  /** 4.21 (a8dc4ec942): the "unable to get running Xen build-id" line prints rc 0 instead of -ENODATA. */
  readonly xenBuildIdRcIsZero: boolean;
  /** 4.21 (d2fd5f0fcd): .alt_call_sites is a special section, checked like .altinstructions. */
  readonly knowsAltCallSites: boolean;
}

export function loaderRules(version: XenVersion): LoaderRules {
  const from = (minor: number): boolean => version.minor >= minor;
  return {
    checksAlignment: from(10),
    reappliesReadOnly: from(10),
    altInstrSize: from(11) ? 14 : 12,
    v2: hasXenDepends(version),
    loadsEmptySections: from(17),
    refusesUnloadedSymbols: from(17),
    resolvesOldAddressFirst: from(17),
    allowsForEndbr: from(17),
    allocatesFuncState: from(19),
    checksXenBuildIdFirst: from(20),
    xenBuildIdRcIsZero: from(21),
    knowsAltCallSites: from(21),
  };
}
