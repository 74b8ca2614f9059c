/**
 * The simulator as an independent oracle (docs/simulator.md): a corpus of good and malformed
 * payloads goes through both the simulator's loader (src/host/sim/elf/, written from Xen's source)
 * and xlp's own reader (parsePayload), and every file on which they answer a different errno is a
 * disagreement. Each known disagreement is listed below with the reason and what real Xen answers;
 * the test fails on any other, and on a listed one that no longer occurs.
 *
 * The corpus: real payloads from mkpayload.sh, the malformed files of payload-malformed.test.ts,
 * the one-field changes of payload-problems.test.ts, and seeded random mutations of real payloads.
 */
import { readFile } from 'node:fs/promises';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { isXlpError } from '../../src/errors.js';
import { errnoInfo } from '../../src/model/errno.js';
import { loadPayload } from '../../src/host/sim/elf/load-payload.js';
import { MAX_PAYLOAD_SIZE } from '../../src/host/sim/hypervisor.js';
import { DEFAULT_XEN_VERSION, parseXenVersion, type XenVersion } from '../../src/host/sim/xen-version.js';
import { readElf, type ElfFile } from '../../src/payload/elf.js';
import { parsePayload } from '../../src/payload/parse.js';
import { malformedCases } from '../helpers/malformed-payloads.js';
import { mutations } from '../helpers/payload-mutations.js';
import { EHDR, TEST_XEN_BUILD_ID, buildElf, buildPayload, patchSection, patched, sectionField, type PayloadOptions } from '../helpers/payloads.js';

const SEED = 20_261_201;
const MUTANTS_PER_PAYLOAD = 200;

interface Answer {
  readonly errno: number;
  /** Which check answered: the simulator's refusal check, or xlp's problem code or error message. */
  readonly why: string;
}

interface Sample {
  readonly label: string;
  readonly bytes: Uint8Array;
}

interface Disagreement extends Sample {
  readonly sim: Answer;
  readonly xlp: Answer;
}

/** A disagreement the simulator and xlp keep on purpose, or that xlp's reader cannot avoid. */
interface Known {
  readonly id: string;
  readonly sim: RegExp;
  readonly xlp: RegExp;
  readonly reason: string;
  /** What the real hypervisor answers, from Xen's source. */
  readonly xen: string;
}

/** The same list, with the same words, is in docs/simulator.md ("The simulator as an independent oracle"). */
const KNOWN: readonly Known[] = [
  {
    id: 'host-build-id',
    sim: /^xen_build_id_dep: not built for this Xen$/,
    xlp: /^accepted$/,
    reason:
      "xlp's reader does not know the host: it reads .livepatch.xen_depends, and `xlp preflight` compares it with the host's build-id.",
    xen: 'EINVAL, logged "check against hypervisor build-id failed" (check_xen_buildid from 4.20).',
  },
  {
    id: 'overlapping-sections',
    sim: /./,
    xlp: /^unreadable: .* overlap$/,
    reason:
      'xlp refuses sections whose bytes overlap each other or the section header table, on purpose (docs/payload.md). Xen never ' +
      'checks: it loads such a file, or refuses it for what the overlapping bytes make of a later check.',
    xen: "Whatever the rest of the file earns: accepted, or the refusal of a later check (the simulator's answer).",
  },
  {
    id: 'unallocated-hook',
    sim: /^accepted$/,
    xlp: /^section-not-allocated$/,
    reason:
      'Xen does not load a hook section without SHF_ALLOC, checks only its size, and keeps a NULL address for it (from 4.20, the ' +
      'upload buffer it frees afterwards). xlp refuses it: Xen would call through that address at apply (load and unload ' +
      'hooks; a NULL single hook is skipped).',
    xen: 'Accepted at upload.',
  },
  {
    id: 'section-name-table-first',
    sim: /^elf_resolve_sections: /,
    xlp: /^unreadable: the section-name string table /,
    reason:
      "xlp checks the section-name table before the sections, since its messages name them; Xen checks each section's bounds " +
      'and alignment first, in index order, and the name table after.',
    xen: "The refusal of the first bad section (the simulator's answer).",
  },
];

/** XEN_SYSCTL_LIVEPATCH_UPLOAD for a new name on a host with the test build-id and no payloads. */
function simAnswer(bytes: Uint8Array, version: XenVersion): Answer {
  if (bytes.length === 0 || bytes.length > MAX_PAYLOAD_SIZE) return { errno: 22, why: 'verify_payload: size' };
  const outcome = loadPayload('differential', bytes, version, { buildId: TEST_XEN_BUILD_ID, hasBuildId: () => false });
  return 'refusal' in outcome ? { errno: outcome.refusal.errno, why: outcome.refusal.check } : { errno: 0, why: 'accepted' };
}

/** What xlp expects Xen to answer: the reader's errno for an unreadable file, else its first problem's. */
function xlpAnswer(bytes: Uint8Array): Answer {
  try {
    const problem = parsePayload(bytes).problems[0];
    return problem ? { errno: problem.errno, why: problem.code } : { errno: 0, why: 'accepted' };
  } catch (error) {
    if (!isXlpError(error)) throw error;
    return { errno: error.errno ?? 0, why: `unreadable: ${error.message.replace(/\d+/g, 'N')}` };
  }
}

const show = (a: Answer): string => `${a.errno === 0 ? 'accepted' : errnoInfo(a.errno).name} (${a.why})`;

async function real(options: PayloadOptions = {}): Promise<Uint8Array> {
  return new Uint8Array(await readFile(await buildPayload(options)));
}

/** Real payloads from mkpayload.sh, good and bad. */
async function realPayloads(): Promise<Sample[]> {
  const plain = await real({ id: 'dplain' });
  const buildId = parsePayload(plain).buildId as string;
  const variants: Array<[string, PayloadOptions]> = [
    ['stacked on another payload', { id: 'dstack', returns: '-stk', depends: buildId }],
    ['with .modinfo', { id: 'dmeta', modinfo: ['XSA=999', 'VERSION=1'] }],
    ['with every hook', { id: 'dhooks', hooks: ['load', 'unload', 'preapply', 'postapply', 'prerevert', 'postrevert'] }],
    ['with a pre-apply hook', { id: 'dpre', hooks: ['preapply'] }],
    ['with .data', { id: 'ddata', withData: true }],
    ['with hooks and no .livepatch.funcs', { id: 'dnof', noFuncs: true, hooks: ['load', 'postapply'] }],
    ['with nothing to patch', { id: 'dnone', noFuncs: true }],
    ['with old_size 0', { id: 'dzero', oldSize: 0 }],
    ['with old_size 3', { id: 'dthree', oldSize: 3 }],
    ['built for another Xen', { id: 'dother', xenDepends: 'ab'.repeat(20) }],
    ['of payload version 1', { id: 'dv1', payloadVersion: 1 }],
    ['with everything', { id: 'dall', hooks: ['load', 'preapply'], modinfo: ['XSA=1', 'V=2'], withData: true }],
  ];
  const built = await Promise.all(variants.map(async ([label, options]) => ({ label: `a real payload ${label}`, bytes: await real(options) })));
  return [{ label: 'a real payload', bytes: plain }, ...built];
}

/** The files test/unit/payload-problems.test.ts makes by changing one field of a real payload. */
async function oneFieldChanged(): Promise<Sample[]> {
  const plain = await real();
  const hooked = await real({ id: 'hook', hooks: ['preapply'] });
  const meta = await real({ id: 'meta', modinfo: ['A=1', 'B=2'] });
  const at = (elf: ElfFile, name: string) => elf.sections.find((s) => s.name === name)!;
  const elf = readElf(plain);
  const s = (name: string) => at(elf, name);
  const dataName = new DataView(plain.buffer).getUint32(sectionField(plain, s('.data').index, 'name').offset, true);
  const funcsOnly = (v: number) => {
    const data = new Uint8Array(832);
    for (let i = 0; i < data.length; i += v === 1 ? 64 : 104) [data[i + 28], data[i + 32]] = [12, v];
    return buildElf([{ name: '.livepatch.funcs', type: 1, flags: 3, data }]);
  };
  const padded = (size: number) => Uint8Array.from({ length: size }, (_, i) => plain[i] ?? 0);
  const rows: Array<[string, Uint8Array]> = [
    ['another machine', patched(plain, EHDR.machine, 183, 2)],
    ['an executable', patched(plain, EHDR.type, 2, 2)],
    ['a program header', patched(plain, EHDR.phnum, 1, 2)],
    ['a version-1 descriptor in a 104-byte array', patched(plain, s('.livepatch.funcs').offset + 32, 1, 1)],
    ['a 64-byte version-1 descriptor', patchSection(patched(plain, s('.livepatch.funcs').offset + 32, 1, 1), s('.livepatch.funcs').index, 'size', 64)],
    ['.modinfo without its final NUL', patched(meta, at(readElf(meta), '.modinfo').offset + at(readElf(meta), '.modinfo').size - 1, 0x21, 1)],
    ['no .livepatch.depends', patchSection(plain, s('.livepatch.depends').index, 'name', dataName)],
    ['an empty .livepatch.xen_depends', patchSection(plain, s('.livepatch.xen_depends').index, 'size', 0)],
    ['a build-id note of another type', patched(plain, s('.note.gnu.build-id').offset + 8, 1, 4)],
    ['a writable and executable section', patchSection(plain, s('.text').index, 'flags', 7)],
    ['a relocation of type 10', patched(plain, s('.rela.livepatch.funcs').offset + 8, 10, 4)],
    ['a common symbol', patched(plain, s('.symtab').offset + 14 * 24 + 6, 0xfff2, 2)],
    ['R_X86_64_NONE on the name pointer', patched(plain, s('.rela.livepatch.funcs').offset + 8, 0, 4)],
    ['a hook section shrunk under its relocation', patchSection(hooked, at(readElf(hooked), '.livepatch.hooks.preapply').index, 'size', 4)],
    ['no symbol table', patchSection(plain, s('.symtab').index, 'type', 1)],
    ['an unallocated .livepatch.depends', patchSection(plain, s('.livepatch.depends').index, 'flags', 0)],
    ['exactly 2 MiB', padded(2 * 1024 * 1024)],
    ['2 MiB and 1 byte', padded(2 * 1024 * 1024 + 1)],
    ['13 version-1 descriptors alone', funcsOnly(1)],
    ['8 version-2 descriptors alone', funcsOnly(2)],
  ];
  return rows.map(([label, bytes]) => ({ label: `one field changed: ${label}`, bytes }));
}

/** Seeded random mutations of a real payload (payload-fuzz.test.ts's), the same on every run. */
function mutants(name: string, original: Uint8Array, seed: number): Sample[] {
  const view = new DataView(original.buffer, original.byteOffset, original.byteLength);
  const arbitrary = fc.array(mutations(original.length, view.getUint16(EHDR.shnum, true), Number(view.getBigUint64(EHDR.shoff, true))), {
    minLength: 1,
    maxLength: 4,
  });
  return fc.sample(arbitrary, { seed, numRuns: MUTANTS_PER_PAYLOAD }).map((steps, i) => ({
    label: `mutant ${i} of ${name} (seed ${seed})`,
    bytes: steps.reduce((b, step) => step(b), original),
  }));
}

let corpus: Sample[];

beforeAll(async () => {
  const good = await realPayloads();
  const plain = good[0]!.bytes;
  const rich = good.find((s) => s.label.endsWith('with everything'))!.bytes;
  corpus = [
    ...good,
    ...malformedCases(() => plain).map((c) => ({ label: `malformed: ${c.label}`, bytes: c.bytes() })),
    ...(await oneFieldChanged()),
    ...mutants('the plain payload', plain, SEED),
    ...mutants('the payload with everything', rich, SEED + 1),
  ];
}, 120_000);

function disagreements(version: XenVersion): Disagreement[] {
  return corpus.flatMap((sample) => {
    const sim = simAnswer(sample.bytes, version);
    const xlp = xlpAnswer(sample.bytes);
    return sim.errno === xlp.errno ? [] : [{ ...sample, sim, xlp }];
  });
}

const matches = (k: Known, d: Disagreement): boolean => k.sim.test(d.sim.why) && k.xlp.test(d.xlp.why);

/** The simulator's default, and the version of the recording made on a real Xen. */
describe.each([DEFAULT_XEN_VERSION, '4.17.7'])('the simulated Xen %s and xlp\'s reader', (text) => {
  const version = parseXenVersion(text);

  it('judge a corpus of good and malformed payloads alike, but for the known disagreements', () => {
    expect(corpus.length).toBeGreaterThan(400);
    const found = disagreements(version);
    const unknown = found.filter((d) => !KNOWN.some((k) => matches(k, d)));
    const report = unknown.map((d) => `${d.label}: simulator ${show(d.sim)}, xlp ${show(d.xlp)}`);
    expect(report, `${unknown.length} disagreements are not in the known list:\n${report.join('\n')}`).toEqual([]);
    const gone = KNOWN.filter((k) => !found.some((d) => matches(k, d))).map((k) => k.id);
    expect(gone, 'known disagreements that no longer occur: remove them here and in docs/simulator.md').toEqual([]);
  });

  it('never throws on the corpus, and accepts the good real payloads', () => {
    for (const sample of corpus) expect(() => simAnswer(sample.bytes, version), sample.label).not.toThrow();
    const good = corpus.filter((s) => s.label === 'a real payload' || /^a real payload (stacked|with \.modinfo|with every hook|with a pre-apply|with \.data|with hooks and no|with everything)/.test(s.label));
    expect(good.map((s) => [s.label, simAnswer(s.bytes, version).errno])).toEqual(good.map((s) => [s.label, 0]));
  });
});
