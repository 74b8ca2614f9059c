/**
 * What an x86-64 Xen 4.14+ hypervisor refuses at upload, checked in Xen's own order
 * (xen/common/livepatch.c load_payload_data, livepatch_elf.c, arch/x86/livepatch.c). Xen stops at
 * the first failure; here every step runs and reports its first failure, so problems[0] is what
 * Xen answers and the rest is what it would answer once that is fixed. Checks that need the running
 * hypervisor (its build-id, its symbol table, other loaded payloads) belong to the callers.
 */
import { Errno } from '../model/errno.js';
import { hex } from './elf-bytes.js';
import { printable } from '../model/text.js';
import { SHF, SHT, describeSection, sectionBytes, sectionByName, type ElfIdentity, type ElfSection } from './elf.js';
import { SHN, noteName, type ElfNote } from './elf-tables.js';
import { FUNC_V2_SIZE, readFuncs } from './funcs.js';
import { R_X86_64, type PayloadElf } from './payload-elf.js';
import type { HookKind, PayloadProblem } from './types.js';

export const MAX_PAYLOAD_SIZE = 2 * 1024 * 1024;
export const SECTION_NAME = {
  funcs: '.livepatch.funcs',
  depends: '.livepatch.depends',
  xenDepends: '.livepatch.xen_depends',
  buildId: '.note.gnu.build-id',
  modinfo: '.modinfo',
} as const;
/** In Xen's order (check_patching_sections, prepare_payload). */
export const HOOK_SECTIONS: ReadonlyArray<readonly [HookKind, string]> = [
  ['load', '.livepatch.hooks.load'],
  ['unload', '.livepatch.hooks.unload'],
  ['preapply', '.livepatch.hooks.preapply'],
  ['apply', '.livepatch.hooks.apply'],
  ['postapply', '.livepatch.hooks.postapply'],
  ['prerevert', '.livepatch.hooks.prerevert'],
  ['revert', '.livepatch.hooks.revert'],
  ['postrevert', '.livepatch.hooks.postrevert'],
];
const ARRAY_HOOKS: readonly HookKind[] = ['load', 'unload'];
/** x86 writes a 5-byte relative jump over the old function (ARCH_PATCH_INSN_SIZE). */
const PATCH_INSN_SIZE = 5;
/** x86 keeps at most this many NOP bytes in a descriptor's opaque area. */
const MAX_NOP_SIZE = 31;
const EM_X86_64 = 62;
const ET_REL = 1;
const NT_GNU_BUILD_ID = 3;
const POINTER_SIZE = 8;

type Step = (p: PayloadElf, size: number) => PayloadProblem | undefined;

const problem = (code: string, errno: number, message: string): PayloadProblem => ({ code, errno, message });
const named = (s: ElfSection): string => describeSection(s);

const sizeStep: Step = (_p, size) =>
  size > MAX_PAYLOAD_SIZE
    ? problem('too-big', Errno.EINVAL, `the payload is ${size} bytes; Xen accepts at most ${MAX_PAYLOAD_SIZE} (2 MiB)`)
    : undefined;

function headerDefect(h: ElfIdentity): PayloadProblem | undefined {
  const refuse = (what: string): PayloadProblem => problem('elf-header', Errno.EOPNOTSUPP, `${what}; Xen refuses it`);
  if (h.version !== 1 || h.identVersion !== 1) return refuse(`the ELF version is ${h.version}/${h.identVersion}, not 1`);
  if (h.abiVersion !== 0 || (h.osabi !== 0 && h.osabi !== 9)) return refuse(`the ELF OS ABI is ${h.osabi} version ${h.abiVersion}`);
  if (h.type !== ET_REL) return refuse(`the ELF type is ${h.type}, not 1 (a relocatable object, as made by ld -r)`);
  if (h.phnum !== 0) return refuse(`the file has ${h.phnum} program headers; a relocatable object has none`);
  return undefined;
}

const machineDefect = (h: ElfIdentity): PayloadProblem | undefined =>
  h.machine === EM_X86_64 ? undefined : problem('wrong-machine', Errno.EOPNOTSUPP, `the payload is built for ELF machine ${h.machine}, not x86-64 (62)`);

const headerStep: Step = ({ elf }) => headerDefect(elf.header);
const machineStep: Step = ({ elf }) => machineDefect(elf.header);

/** What Xen refuses in the ELF header before it reads any section (livepatch_header_check). */
export const identityProblem = (h: ElfIdentity): PayloadProblem | undefined => headerDefect(h) ?? machineDefect(h);

const symtabsOf = (p: PayloadElf): ElfSection[] => p.elf.sections.filter((s) => s.index > 0 && s.type === SHT.SYMTAB);

const symtabStep: Step = (p) => {
  const symtabs = symtabsOf(p);
  if (symtabs.length === 0) return problem('no-symbol-table', Errno.EINVAL, 'the payload has no symbol table');
  if (symtabs.length > 1) {
    return problem('multiple-symbol-tables', Errno.EOPNOTSUPP, `the payload has ${symtabs.length} symbol tables; Xen takes one`);
  }
  return undefined;
};

/** Xen loads allocated, non-empty sections and refuses ones both writable and executable. */
const loadable = (s: ElfSection): boolean => s.index > 0 && (s.flags & SHF.ALLOC) !== 0 && s.size > 0;

const layoutStep: Step = (p) => {
  const wx = p.elf.sections.find((s) => loadable(s) && (s.flags & SHF.WRITE) !== 0 && (s.flags & SHF.EXECINSTR) !== 0);
  return wx && problem('writable-executable-section', Errno.EOPNOTSUPP, `${named(wx)} is both writable and executable`);
};

const symbolStep: Step = (p) => {
  const symtab = symtabsOf(p)[0];
  const symbols = symtab ? (p.symbols.get(symtab.index) ?? []) : [];
  for (const sym of symbols.slice(1)) {
    const which = (): string => `symbol ${sym.index} (${printable(sym.name)})`;
    if (sym.shndx === SHN.COMMON) return problem('common-symbol', Errno.EINVAL, `${which()} is a common symbol; build with -fno-common`);
    if (sym.shndx === SHN.UNDEF || sym.shndx === SHN.ABS) continue;
    if (sym.shndx >= SHN.LORESERVE) {
      return problem('symbol-section', Errno.EOPNOTSUPP, `${which()} is in reserved section index ${sym.shndx}`);
    }
    if (sym.shndx >= p.elf.sections.length) {
      return problem('symbol-section', Errno.EINVAL, `${which()} is in section ${sym.shndx}, which does not exist`);
    }
  }
  return undefined;
};

const relocationStep: Step = (p) => {
  const symtab = symtabsOf(p)[0];
  const symbolCount = symtab ? (p.symbols.get(symtab.index)?.length ?? 0) : 0;
  for (const r of p.elf.sections) {
    if (r.type !== SHT.RELA && r.type !== SHT.REL) continue;
    const base = p.elf.sections[r.info];
    if (r.index === 0 || !base || (base.flags & SHF.ALLOC) === 0) continue;
    if (r.link !== symtab?.index) {
      const expected = symtab ? `the symbol table is section ${symtab.index}` : 'the payload has no symbol table';
      return problem('relocation-symbol-table', Errno.EINVAL, `${named(r)} links to section ${r.link} but ${expected}`);
    }
    if (r.type === SHT.REL) return problem('rel-relocations', Errno.EOPNOTSUPP, `${named(r)} holds REL relocations; x86 Xen needs RELA`);
    for (const [i, rela] of (p.relas.get(r.index) ?? []).entries()) {
      const which = (): string => `relocation ${i} of ${named(r)}`;
      if (rela.symbol === 0) return problem('relocation-symbol', Errno.EOPNOTSUPP, `${which()} has no symbol`);
      if (rela.symbol >= symbolCount) {
        return problem('relocation-symbol', Errno.EINVAL, `${which()} uses symbol ${rela.symbol}, past the ${symbolCount} symbols`);
      }
      const width = rela.type === R_X86_64.R64 ? 8 : rela.type === R_X86_64.PC32 || rela.type === R_X86_64.PLT32 ? 4 : 0;
      if (rela.type === R_X86_64.NONE) continue;
      if (width === 0) return problem('relocation-type', Errno.EOPNOTSUPP, `${which()} has type ${rela.type}, which Xen does not handle`);
      if (rela.offset + BigInt(width) > BigInt(base.size)) {
        return problem('relocation-offset', Errno.EINVAL, `${which()} writes at byte ${rela.offset}, past the end of ${named(base)}`);
      }
    }
  }
  return undefined;
};

const specialSectionsStep: Step = (p) => {
  for (const name of [SECTION_NAME.depends, SECTION_NAME.xenDepends, SECTION_NAME.buildId]) {
    const section = sectionByName(p.elf, name);
    if (!section) return problem('missing-section', Errno.EINVAL, `the payload has no ${name} section`);
    if (section.size === 0) return problem('empty-section', Errno.EINVAL, `${named(section)} is empty`);
  }
  return undefined;
};

const patchingSectionsStep: Step = (p) => {
  const present = [SECTION_NAME.funcs, ...HOOK_SECTIONS.map(([, name]) => name)]
    .map((name) => sectionByName(p.elf, name))
    .filter((s): s is ElfSection => s !== undefined);
  const empty = present.find((s) => s.size === 0);
  if (empty) return problem('empty-section', Errno.EINVAL, `${named(empty)} is empty`);
  if (present.length === 0) {
    return problem('nothing-to-patch', Errno.EINVAL, `the payload has neither ${SECTION_NAME.funcs} nor any hook section: nothing to patch`);
  }
  return undefined;
};

/** Xen reads these through their load address, which only allocated sections have. */
const notAllocated = (s: ElfSection): PayloadProblem | undefined =>
  (s.flags & SHF.ALLOC) === 0
    ? problem('section-not-allocated', Errno.EINVAL, `${named(s)} is not allocated (SHF_ALLOC); Xen cannot read it`)
    : undefined;

const funcsStep: Step = (p) => {
  const section = sectionByName(p.elf, SECTION_NAME.funcs);
  if (!section) return undefined;
  const unallocated = notAllocated(section);
  if (unallocated) return unallocated;
  if (section.size % FUNC_V2_SIZE !== 0) {
    return problem('funcs-size', Errno.EINVAL, `${named(section)} is ${section.size} bytes, not a multiple of ${FUNC_V2_SIZE}`);
  }
  for (const [i, f] of readFuncs(p, section, FUNC_V2_SIZE).entries()) {
    const which = (): string => `function ${i}${f.name === '' ? '' : ` (${printable(f.name)})`}`;
    if (f.version !== 2) {
      return problem('func-version', Errno.EOPNOTSUPP, `${which()} has descriptor version ${f.version}; Xen 4.14+ needs 2`);
    }
    if (f.oldSize === 0) return problem('func-old-size', Errno.EINVAL, `${which()} has old_size 0`);
    // Since 4.17 Xen looks the old function up before the architecture checks below.
    if (!f.hasOldAddr && f.name === '') {
      return problem('func-name', Errno.ENOENT, `function ${i} has neither an old address nor a readable name to look up`);
    }
    if (!f.hasNewAddr && f.newSize > MAX_NOP_SIZE) {
      return problem('func-nop-size', Errno.EOPNOTSUPP, `${which()} NOPs out ${f.newSize} bytes; Xen can NOP at most ${MAX_NOP_SIZE}`);
    }
    if (!f.hasNewAddr && f.oldSize < f.newSize) {
      return problem('func-old-size', Errno.EINVAL, `${which()} NOPs out ${f.newSize} bytes of an old function of ${f.oldSize}`);
    }
    if (f.hasNewAddr && f.oldSize < PATCH_INSN_SIZE) {
      return problem('func-old-size', Errno.EINVAL, `${which()} has old_size ${f.oldSize}, less than the ${PATCH_INSN_SIZE}-byte jump Xen writes`);
    }
  }
  return undefined;
};

const hooksStep: Step = (p) => {
  for (const [kind, name] of HOOK_SECTIONS) {
    const section = sectionByName(p.elf, name);
    if (!section) continue;
    const unallocated = notAllocated(section);
    if (unallocated) return unallocated;
    const isArray = ARRAY_HOOKS.includes(kind);
    if (isArray ? section.size % POINTER_SIZE !== 0 : section.size !== POINTER_SIZE) {
      const wanted = isArray ? `a multiple of ${POINTER_SIZE}` : `exactly ${POINTER_SIZE} (one pointer)`;
      return problem('hook-size', Errno.EINVAL, `${named(section)} is ${section.size} bytes, not ${wanted}`);
    }
  }
  return undefined;
};

/** Xen's xen_build_id_check on the first note of a section, as prepare_payload calls it. */
export function buildIdNoteDefect(section: ElfSection, notes: readonly ElfNote[] | undefined): string | undefined {
  const note = notes?.[0];
  if (section.size <= 12 || !note) return 'is too small to hold a note';
  if (note.type !== NT_GNU_BUILD_ID) return `holds a note of type ${note.type}, not 3 (NT_GNU_BUILD_ID)`;
  if (note.namesz < 4 || noteName(note) !== 'GNU') return `holds a note named "${printable(noteName(note))}", not "GNU"`;
  if (note.desc.length === 0) return 'holds an empty build-id';
  return undefined;
}

/** The build-id a note section carries, when Xen would accept it. */
export function buildIdOf(p: PayloadElf, name: string): string | undefined {
  const section = sectionByName(p.elf, name);
  if (!section || buildIdNoteDefect(section, p.notes.get(section.index)) !== undefined) return undefined;
  return hex(p.notes.get(section.index)![0]!.desc);
}

const notesStep: Step = (p) => {
  for (const name of [SECTION_NAME.buildId, SECTION_NAME.depends, SECTION_NAME.xenDepends]) {
    const section = sectionByName(p.elf, name);
    // Missing or empty ones are reported by specialSectionsStep.
    if (!section || section.size === 0) continue;
    const defect = notAllocated(section);
    if (defect) return defect;
    const noteDefect = buildIdNoteDefect(section, p.notes.get(section.index));
    if (noteDefect) return problem('bad-build-id-note', Errno.EINVAL, `${named(section)} ${noteDefect}`);
  }
  return undefined;
};

const modinfoStep: Step = (p) => {
  const section = sectionByName(p.elf, SECTION_NAME.modinfo);
  if (!section) return undefined;
  const defect = notAllocated(section);
  if (defect) return defect;
  // Xen reads the byte before an empty section's (absent) contents: refuse rather than find out.
  if (section.size === 0) return problem('empty-section', Errno.EINVAL, `${named(section)} is empty`);
  const bytes = sectionBytes(p.elf, section);
  if (bytes[bytes.length - 1] !== 0) {
    return problem('modinfo-not-terminated', Errno.EINVAL, `${named(section)} does not end with a NUL byte`);
  }
  return undefined;
};

const STEPS: readonly Step[] = [
  sizeStep,
  headerStep,
  machineStep,
  symtabStep,
  layoutStep,
  symbolStep,
  relocationStep,
  specialSectionsStep,
  patchingSectionsStep,
  funcsStep,
  hooksStep,
  notesStep,
  modinfoStep,
];

export function xenProblems(p: PayloadElf, size: number): PayloadProblem[] {
  return STEPS.map((step) => step(p, size)).filter((x): x is PayloadProblem => x !== undefined);
}
