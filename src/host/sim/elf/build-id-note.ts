/**
 * A build-id note as Xen reads one (parse_buildid in 4.20+, the same steps inline before, around
 * xen/common/version.c xen_build_id_check): the section must be bigger than a note header; the
 * first note must be of type NT_GNU_BUILD_ID, owned by "GNU", and fit in the section; its
 * descriptor, the build-id, must not be empty. Xen's own sizes are kept: the section size is
 * passed as an unsigned int, and the note's name and descriptor sizes are summed as u32.
 */
import { Errno } from '../../../model/errno.js';
import type { SectionAccess } from './section-access.js';
import type { Section } from './section-table.js';

const NOTE_HEADER_SIZE = 12n;
const NT_GNU_BUILD_ID = 3;
const GNU = [0x47, 0x4e, 0x55, 0];
const U32 = 0xffffffffn;

type BuildIdNote = { readonly id: string } | { readonly errno: number; readonly why: string };

export function readBuildIdNote(access: SectionAccess, section: Section): BuildIdNote {
  if (section.size <= NOTE_HEADER_SIZE) return { errno: Errno.EINVAL, why: 'no room for a note' };
  const namesz = BigInt(access.u32(section, 0n));
  const descsz = BigInt(access.u32(section, 4n));
  if (access.u32(section, 8n) !== NT_GNU_BUILD_ID) return { errno: Errno.ENODATA, why: 'not a build-id note' };
  if (namesz + descsz > U32) return { errno: Errno.EINVAL, why: 'note sizes overflow' };
  if (namesz < 4n) return { errno: Errno.EINVAL, why: 'note name too short' };
  const room = ((section.size & U32) - NOTE_HEADER_SIZE) & U32;
  if (namesz + descsz > room) return { errno: Errno.EINVAL, why: 'note larger than its section' };
  const name = access.bytes(section, NOTE_HEADER_SIZE, 4);
  if (GNU.some((b, i) => name[i] !== b)) return { errno: Errno.ENODATA, why: 'note not owned by GNU' };
  if (descsz === 0n) return { errno: Errno.EINVAL, why: 'empty build-id' };
  // The descriptor starts after the name padded to 4 bytes; Xen checked the unpadded sum, so it
  // may end up to 3 bytes past the section, which Xen reads as well.
  const desc = access.bytes(section, NOTE_HEADER_SIZE + ((namesz + 3n) & ~3n), Number(descsz));
  return { id: Buffer.from(desc.buffer, desc.byteOffset, desc.byteLength).toString('hex') };
}
