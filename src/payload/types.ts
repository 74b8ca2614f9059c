/** The model of a livepatch payload as xlp reads it from the ELF file, before Xen sees it. */

export interface ElfSectionInfo {
  readonly index: number;
  readonly name: string;
  /** sh_type, e.g. 1 PROGBITS, 7 NOTE, 8 NOBITS. */
  readonly type: number;
  /** sh_flags as a number (only the low bits matter: 1 WRITE, 2 ALLOC, 4 EXECINSTR). */
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
}

export interface LivepatchFunc {
  /** The patched function's name, resolved through the relocation of the name pointer; '' if unresolvable. */
  readonly name: string;
  /** Raw fields as stored (addresses are 0 when resolved at load time). */
  readonly newAddr: bigint;
  readonly oldAddr: bigint;
  readonly newSize: number;
  readonly oldSize: number;
  readonly version: number;
}

/** Hook sections Xen knows; 'load'/'unload' are arrays, the others one pointer each (Xen 4.14+). */
export type HookKind =
  | 'load'
  | 'unload'
  | 'preapply'
  | 'postapply'
  | 'prerevert'
  | 'postrevert'
  | 'apply'
  | 'revert';

/** Something Xen would refuse at upload, with the errno Xen returns for it. */
export interface PayloadProblem {
  readonly code: string;
  readonly message: string;
  readonly errno: number;
}

export interface PayloadInfo {
  readonly size: number;
  readonly sha256: string;
  /** Lowercase hex of the GNU build-id note descriptors; undefined when the section is missing. */
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  readonly funcs: readonly LivepatchFunc[];
  readonly hooks: readonly HookKind[];
  /** .modinfo key=value strings in order; undefined when the payload has no .modinfo. */
  readonly modinfo?: readonly string[];
  readonly sections: readonly ElfSectionInfo[];
  /** Names of allocated writable sections other than .livepatch.funcs (Xen refuses re-apply after revert). */
  readonly writableSections: readonly string[];
  /** Everything a Xen 4.14+ hypervisor would reject at upload, in the order Xen checks. */
  readonly problems: readonly PayloadProblem[];
  /** What xlp refuses on its own account, whatever Xen would say (text unsafe to show: text-defects.ts). */
  readonly defects: readonly PayloadDefect[];
}

/** Something xlp refuses to upload on its own account. */
export interface PayloadDefect {
  readonly code: string;
  readonly message: string;
}
