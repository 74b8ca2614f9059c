/**
 * parsePayload: the model of a livepatch payload (types.ts) from the bytes of its ELF file.
 *
 * Contract: it returns a PayloadInfo for any file it can read as an ELF64 little-endian object,
 * with `problems` listing what Xen 4.14+ would refuse at upload (xen-checks.ts). When the bytes
 * cannot be read at all (empty, not ELF, 32-bit, big-endian, truncated or inconsistent headers and
 * tables) it throws an XlpError with code 'invalid-payload' whose `errno` is what Xen answers for
 * the same file. It throws nothing else, never hangs, and allocates in proportion to the file size.
 */
import { createHash } from 'node:crypto';

import { isXlpError } from '../errors.js';
import { elfError } from './elf-bytes.js';
import { SHF, readIdentity, sectionBytes, sectionByName } from './elf.js';
import { decodeFuncs } from './funcs.js';
import { readPayloadElf, type PayloadElf } from './payload-elf.js';
import { textDefects } from './text-defects.js';
import type { HookKind, PayloadInfo } from './types.js';
import { HOOK_SECTIONS, SECTION_NAME, buildIdOf, identityProblem, xenProblems } from './xen-checks.js';

const NOTE_SECTIONS = [SECTION_NAME.buildId, SECTION_NAME.depends, SECTION_NAME.xenDepends];

/** The NUL-separated strings of .modinfo, as `xen-livepatch list` shows them (trailing NUL dropped). */
function modinfoOf(p: PayloadElf): string[] | undefined {
  const section = sectionByName(p.elf, SECTION_NAME.modinfo);
  if (!section) return undefined;
  const bytes = sectionBytes(p.elf, section);
  if (bytes.length === 0) return [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
}

function hooksOf(p: PayloadElf): HookKind[] {
  return HOOK_SECTIONS.filter(([, name]) => sectionByName(p.elf, name) !== undefined).map(([kind]) => kind);
}

/** Sections Xen maps writable; any but .livepatch.funcs makes a reverted payload non-reappliable. */
function writableSectionsOf(p: PayloadElf): string[] {
  return p.elf.sections
    .filter((s) => s.index > 0 && s.size > 0 && (s.flags & SHF.ALLOC) !== 0 && (s.flags & SHF.WRITE) !== 0)
    .filter((s) => s.name !== SECTION_NAME.funcs)
    .map((s) => s.name);
}

/**
 * readPayloadElf, except that a file whose ELF header Xen refuses gets that refusal's errno: Xen
 * judges the header before it reads any section, the reader throws at the first defect it meets.
 */
function readInXenOrder(bytes: Uint8Array): PayloadElf {
  try {
    return readPayloadElf(bytes, NOTE_SECTIONS);
  } catch (error) {
    const identity = readIdentity(bytes);
    const refused = identity && identityProblem(identity);
    if (!isXlpError(error) || !refused || error.errno === refused.errno) throw error;
    throw elfError(`${error.message}, and ${refused.message}`, refused.errno);
  }
}

export function parsePayload(bytes: Uint8Array): PayloadInfo {
  if (bytes.length === 0) throw elfError('the payload is empty (0 bytes)');
  const p = readInXenOrder(bytes);
  const modinfo = modinfoOf(p);
  const funcs = decodeFuncs(p, sectionByName(p.elf, SECTION_NAME.funcs));
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    buildId: buildIdOf(p, SECTION_NAME.buildId),
    depends: buildIdOf(p, SECTION_NAME.depends),
    xenDepends: buildIdOf(p, SECTION_NAME.xenDepends),
    funcs,
    hooks: hooksOf(p),
    ...(modinfo === undefined ? {} : { modinfo }),
    sections: p.elf.sections
      .filter((s) => s.index > 0)
      .map(({ index, name, type, flags, offset, size }) => ({ index, name, type, flags, offset, size })),
    writableSections: writableSectionsOf(p),
    problems: xenProblems(p, bytes.length),
    defects: textDefects(p, funcs, modinfo),
  };
}
