/**
 * loadManifest with real payloads (scripts/mkpayload.sh): the Manifest a good file yields, each
 * file problem at the place of the key that names it, and the applied stack judged by Xen's own
 * depends rule, uploaded entries outside it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { ExitCode } from '../../src/errors.js';
import { MAX_MANIFEST_SIZE, loadManifest } from '../../src/manifest/index.js';
import type { DesiredPresent, Manifest } from '../../src/model/desired.js';
import { readPayloadFile } from '../../src/payload/read-file.js';
import { caught } from '../helpers/caught.js';
import { at, atOffset, manifestErrorOf } from '../helpers/manifest.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload, fixtureDir } from '../helpers/payloads.js';

const OTHER_XEN = 'cd'.repeat(20);

interface Built {
  readonly path: string;
  readonly file: string;
  readonly sha256: string;
  readonly buildId: string;
  readonly depends: string;
}

/** a: on the hypervisor; b: on a; c: on b; d: on the hypervisor, with .data; other: for another hypervisor; hooksless: no funcs, no hooks (Xen refuses it). */
let p: Record<'a' | 'b' | 'c' | 'd' | 'other' | 'hookless', Built>;
let dir: string;

async function built(path: string): Promise<Built> {
  const { info } = await readPayloadFile(path);
  return { path, file: relative(dir, path), sha256: info.sha256, buildId: info.buildId!, depends: info.depends! };
}

beforeAll(async () => {
  dir = await fixtureDir();
  const a = await built(await buildPayload({ returns: '-a' }));
  const b = await built(await buildPayload({ returns: '-b', depends: a.buildId }));
  const [c, d, other, hookless] = await Promise.all([
    buildPayload({ returns: '-c', depends: b.buildId }).then(built),
    buildPayload({ returns: '-d', withData: true }).then(built),
    buildPayload({ returns: '-o', xenBuildId: OTHER_XEN }).then(built),
    buildPayload({ returns: '-h', noFuncs: true }).then(built),
  ]);
  p = { a, b, c, d, other, hookless };
}, 120_000);

interface Entry {
  readonly name: string;
  /** A string, not DesiredState: a test writes a wrong one. */
  readonly state: string;
  readonly payload?: Built;
  /** Lines added to the entry, indented by the helper. */
  readonly extra?: readonly string[];
  readonly file?: string;
  readonly sha256?: string;
}

/** A manifest's YAML text: one block per hypervisor, each entry's keys in a fixed order. */
function yaml(hypervisors: ReadonlyArray<readonly [string, readonly Entry[]]>, head = 'version: 1\n'): string {
  let text = `${head}hypervisors:\n`;
  for (const [buildId, entries] of hypervisors) {
    text += `  - build-id: ${buildId}\n    payloads:${entries.length === 0 ? ' []' : ''}\n`;
    for (const e of entries) {
      text += `      - name: ${e.name}\n`;
      const file = e.file ?? e.payload?.file;
      const sha256 = e.sha256 ?? e.payload?.sha256;
      if (file !== undefined) text += `        file: ${file}\n`;
      if (sha256 !== undefined) text += `        sha256: ${sha256}\n`;
      text += `        state: ${e.state}\n`;
      for (const line of e.extra ?? []) text += `        ${line}\n`;
    }
  }
  return text;
}

let counter = 0;
async function write(text: string, name = `manifest-${++counter}.yaml`): Promise<string> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

const present = (m: Manifest, name: string): DesiredPresent => {
  const found = m.hypervisors.flatMap((h) => h.payloads).find((x) => x.name === name);
  if (found?.state === 'absent' || found === undefined) throw new Error(`${name} is not present`);
  return found;
};

describe('a good manifest', () => {
  it('YAML: the Manifest of src/model/desired.ts, facts from the files, the checked bytes kept', async () => {
    const text = yaml([[XEN, [
      { name: 'a', state: 'applied', payload: p.a, extra: ['probes:', '  - argv: [/usr/bin/true]', '    timeout: 5'] },
      { name: 'c', state: 'uploaded', payload: p.c },
      { name: 'b', state: 'applied', payload: p.b },
      { name: 'd', state: 'uploaded', payload: p.d },
      { name: 'old', state: 'absent' },
    ]]]);
    const path = await write(text);
    const { manifest, bytesOf } = await loadManifest(path);
    const pos = (needle: string) => ({ file: path, ...at(text, needle) });
    const facts = (x: Built, reappliable = true) => ({ sha256: x.sha256, buildId: x.buildId, depends: x.depends, xenDepends: XEN, reappliable });
    expect(manifest).toEqual({
      version: 1,
      path,
      unmanaged: 'keep',
      hypervisors: [
        {
          buildId: XEN,
          position: pos('build-id'),
          payloads: [
            { name: 'a', state: 'applied', file: p.a.path, facts: facts(p.a), probes: [{ argv: ['/usr/bin/true'], timeoutSeconds: 5 }], position: pos('name: a') },
            { name: 'c', state: 'uploaded', file: p.c.path, facts: facts(p.c), probes: [], position: pos('name: c') },
            { name: 'b', state: 'applied', file: p.b.path, facts: facts(p.b), probes: [], position: pos('name: b') },
            { name: 'd', state: 'uploaded', file: p.d.path, facts: facts(p.d, false), probes: [], position: pos('name: d') },
            { name: 'old', state: 'absent', position: pos('name: old') },
          ],
        },
      ],
    });
    for (const name of ['a', 'b', 'c', 'd']) {
      const x = present(manifest, name);
      expect(Buffer.from(bytesOf(x)!).equals(await readFile(x.file))).toBe(true);
      expect(createHash('sha256').update(bytesOf(x)!).digest('hex')).toBe(x.facts.sha256);
    }
  });

  it('JSON: the same Manifest', async () => {
    const entries = [
      { name: 'a', file: p.a.file, sha256: p.a.sha256, state: 'applied' },
      { name: 'b', file: p.b.file, sha256: p.b.sha256, state: 'applied', signature: p.a.file },
    ];
    const path = await write(JSON.stringify({ version: 1, unmanaged: 'remove', hypervisors: [{ 'build-id': XEN, payloads: entries }] }), 'site.json');
    const { manifest } = await loadManifest(path);
    expect(manifest.unmanaged).toBe('remove');
    expect(manifest.hypervisors[0]!.payloads.map((x) => [x.name, x.state, x.state !== 'absent' && x.facts.sha256, x.state !== 'absent' && x.signature])).toEqual([
      ['a', 'applied', p.a.sha256, undefined],
      ['b', 'applied', p.b.sha256, p.a.path],
    ]);
  });

  it('keeps the bytes of all payloads, none, or one hypervisor\'s', async () => {
    const path = await write(yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a }]], [OTHER_XEN, [{ name: 'o', state: 'uploaded', payload: p.other }]]]));
    const none = await loadManifest(path, { keepBytes: 'none' });
    expect(none.bytesOf(present(none.manifest, 'a'))).toBeUndefined();
    const one = await loadManifest(path, { keepBytes: { hypervisor: OTHER_XEN } });
    expect(one.bytesOf(present(one.manifest, 'a'))).toBeUndefined();
    expect(one.bytesOf(present(one.manifest, 'o'))?.length).toBe((await readFile(p.other.path)).length);
  });

  it('a manifest reached through a symbolic link: payload paths start at its real directory; positions name the path given', async () => {
    const real = await write(yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a }]]]));
    const linkDir = join(dir, `links-${++counter}`, 'deeper');
    await mkdir(linkDir, { recursive: true });
    const link = join(linkDir, 'site.yaml');
    await symlink(real, link);
    const { manifest } = await loadManifest(link);
    expect(manifest.path).toBe(resolve(link));
    expect(present(manifest, 'a').file).toBe(p.a.path);
    expect(manifest.hypervisors[0]!.position.file).toBe(link);
  });
});

describe('payload files: each problem at the key that names the file', () => {
  it('a missing file, at its file: value, naming the directory a relative path starts at', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', file: 'no-such.livepatch', sha256: p.a.sha256 }]]]);
    const path = await write(text);
    const error = await manifestErrorOf(loadManifest(path));
    expect([error.code, error.exitCode, error.problems.length]).toEqual(['manifest-invalid', ExitCode.MANIFEST_INVALID, 1]);
    expect(error.problems[0]).toEqual({
      file: path,
      ...at(text, 'no-such.livepatch'),
      message: `payload a: payload file ${join(dir, 'no-such.livepatch')} does not exist; fix file: (a relative path starts at ${dir}, the manifest's directory)`,
    });
    expect(error.message).toBe(`${path}:${error.problems[0]!.line}:15: ${error.problems[0]!.message}`);
  });

  it('a directory', async () => {
    await mkdir(join(dir, 'a-directory'), { recursive: true });
    const text = yaml([[XEN, [{ name: 'a', state: 'uploaded', file: 'a-directory', sha256: p.a.sha256 }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems[0]).toMatchObject({ ...at(text, 'a-directory'), message: expect.stringContaining('is a directory, not a regular file') });
  });

  it('another sha256: at the sha256 value, saying the file\'s digest', async () => {
    const wrong = 'ee'.repeat(32);
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a, sha256: wrong }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({
      ...at(text, wrong),
      message: `payload a: the file's sha256 is ${p.a.sha256}, not ${wrong}: it is not the payload this manifest names; check the file and where it came from (write sha256: ${p.a.sha256} only if it is the file you meant)`,
    });
  });

  it('not a payload at all: the payload reader\'s own words, exit 16', async () => {
    await writeFile(join(dir, 'garbage.livepatch'), 'this is not an ELF file\n');
    const expected = await caught(readPayloadFile(join(dir, 'garbage.livepatch')));
    const text = yaml([[XEN, [{ name: 'junk', state: 'uploaded', file: 'garbage.livepatch', sha256: 'ab'.repeat(32) }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.exitCode).toBe(ExitCode.MANIFEST_INVALID);
    expect(error.problems[0]).toMatchObject({ ...at(text, 'garbage.livepatch'), message: `payload junk: ${expected.message}; rebuild it, or name the right file` });
  });

  it('a payload Xen would refuse (no functions, no hooks): its problem', async () => {
    const text = yaml([[XEN, [{ name: 'h', state: 'uploaded', payload: p.hookless }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems[0]).toMatchObject({ ...at(text, p.hookless.file), message: expect.stringMatching(/^payload h: .*: Xen would refuse it: .*; rebuild it, or name the right file$/) });
  });

  it('a payload built for another hypervisor (xen_depends), at its file', async () => {
    const text = yaml([[XEN, [{ name: 'o', state: 'uploaded', payload: p.other }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems).toEqual([
      {
        file: expect.any(String),
        ...at(text, p.other.file),
        message: `payload o: o was built for Xen build-id ${OTHER_XEN}, but the build-id of its hypervisor entry is ${XEN}; list it under the hypervisor it was built for (build-id ${OTHER_XEN}), or use the payload built for ${XEN}`,
      },
    ]);
  });

  it('a signature file that is not there, at its signature value', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a, extra: ['signature: a.sig'] }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems[0]).toMatchObject({ ...at(text, 'a.sig'), message: expect.stringContaining(`payload a: signature ${join(dir, 'a.sig')} does not exist; fix signature:`) });
  });

  it('the same payload under two names: Xen refuses one build-id twice', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a }, { name: 'again', state: 'uploaded', payload: p.a }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ ...at(text, p.a.file, 1), message: expect.stringContaining(`payload again has the build-id of payload a (line ${at(text, 'name: a').line}), ${p.a.buildId}, and Xen refuses to load one build-id twice (EEXIST)`) });
  });

  it('problems of the manifest and of its files come together, sorted by position', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', file: 'missing.livepatch', sha256: p.a.sha256 }]], [OTHER_XEN, [{ name: 'x', state: 'sideways' }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems.map((x) => [x.line, x.message])).toEqual([
      [at(text, 'missing.livepatch').line, expect.stringMatching(/^payload a: payload file \/.* does not exist/)],
      [at(text, 'sideways').line, expect.stringMatching(/^state of payload x must be applied, uploaded or absent/)],
    ]);
  });
});

describe('the applied stack: Xen\'s depends rule, in list order', () => {
  it('refuses a payload listed before the one it was built on, saying where that one is', async () => {
    const text = yaml([[XEN, [{ name: 'b', state: 'applied', payload: p.b }, { name: 'a', state: 'applied', payload: p.a }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems.map((x) => ({ line: x.line, column: x.column, message: x.message }))).toEqual([
      {
        ...at(text, 'name: b'),
        message: `payload b cannot be applied at this place in the stack: b depends on build-id ${p.a.buildId}, but apply needs the hypervisor's build-id (nothing is applied), ${XEN}; it was built on a (line ${at(text, 'name: a').line}): list it directly after a among the applied payloads`,
      },
      {
        ...at(text, 'name: a'),
        message: `payload a cannot be applied at this place in the stack: a depends on build-id ${XEN}, but apply needs the build-id of the top applied payload b, ${p.b.buildId}; it was built on the hypervisor itself: list it first among the applied payloads`,
      },
    ]);
  });

  it('uploaded entries are not in the stack: their depends is not checked, and applied ones skip them', async () => {
    const ok = yaml([[XEN, [{ name: 'c', state: 'uploaded', payload: p.c }, { name: 'a', state: 'applied', payload: p.a }, { name: 'd2', state: 'uploaded', payload: p.d }, { name: 'b', state: 'applied', payload: p.b }]]]);
    await expect(loadManifest(await write(ok))).resolves.toBeDefined();
  });

  it('refuses an applied payload on one that is only uploaded', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'uploaded', payload: p.a }, { name: 'b', state: 'applied', payload: p.b }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ ...at(text, 'name: b'), message: expect.stringContaining(`it was built on a (line ${at(text, 'name: a').line}), which is only uploaded: make a applied, directly before it`) });
  });

  it('refuses a stack whose base is not in the manifest, saying what to build', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a }, { name: 'c', state: 'applied', payload: p.c }]]]);
    const error = await manifestErrorOf(loadManifest(await write(text)));
    expect(error.problems[0]).toMatchObject({ ...at(text, 'name: c'), message: expect.stringContaining(`no payload of this hypervisor has build-id ${p.b.buildId}: list the payload it was built on before it, or use one built on a (livepatch-build --depends ${p.a.buildId})`) });
  });

  it('accepts the chain a, b, c', async () => {
    const text = yaml([[XEN, [{ name: 'a', state: 'applied', payload: p.a }, { name: 'b', state: 'applied', payload: p.b }, { name: 'c', state: 'applied', payload: p.c }]]]);
    const { manifest } = await loadManifest(await write(text));
    expect(manifest.hypervisors[0]!.payloads.map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('the manifest file itself', () => {
  it('missing or a directory: a usage error (exit 2), as for every file argument', async () => {
    const missing = await caught(loadManifest(join(dir, 'nope.yaml')));
    expect([missing.code, missing.exitCode, missing.message]).toEqual(['usage', ExitCode.USAGE, `manifest ${join(dir, 'nope.yaml')} does not exist`]);
    const directory = await caught(loadManifest(dir));
    expect([directory.code, directory.message]).toEqual(['usage', `manifest ${dir} is a directory`]);
  });

  it('a FIFO: refused before it is opened (opening it would wait for a writer)', async () => {
    const fifo = join(dir, `fifo-${++counter}.yaml`);
    execFileSync('mkfifo', [fifo]);
    const error = await caught(loadManifest(fifo));
    expect([error.code, error.message]).toEqual(['usage', `manifest ${fifo} is not a regular file`]);
  });

  it('over 1 MiB: refused before it is parsed', async () => {
    const path = await write(`# ${'x'.repeat(MAX_MANIFEST_SIZE)}\n`);
    const error = await manifestErrorOf(loadManifest(path));
    expect(error.problems[0]).toMatchObject({ line: 1, column: 1, message: expect.stringContaining('larger than 1048576 bytes') });
  });

  it('not UTF-8: at the byte that cannot be decoded', async () => {
    const text = 'version: 1\nhypervisors: # caf\u00e9 ';
    const path = join(dir, `latin1-${++counter}.yaml`);
    await writeFile(path, Buffer.concat([Buffer.from(text), Buffer.from([0xe9, 0x0a])]));
    const error = await manifestErrorOf(loadManifest(path));
    expect(error.problems[0]).toMatchObject({ ...atOffset(text, text.length), message: expect.stringContaining('the manifest is not UTF-8 text') });
  });

  it('a byte-order mark is allowed', async () => {
    const path = await write(`\ufeff${yaml([[XEN, []]])}`);
    await expect(loadManifest(path)).resolves.toMatchObject({ manifest: { hypervisors: [{ buildId: XEN, payloads: [] }] } });
  });
});
