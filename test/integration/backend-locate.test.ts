import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { locateTools } from '../../src/host/xen-livepatch/locate.js';
import { caught } from '../helpers/caught.js';

let root: string;

/** Creates an executable (or, with mode, any) file at `path` under the fake root. */
async function tool(relative: string, mode = 0o755): Promise<string> {
  const path = join(root, relative);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, mode);
  return path;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'xlp-locate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});


describe('locateTools', () => {
  it("falls back to Debian's newest /usr/lib/xen-<version>/bin, then gives the bare name", async () => {
    const sub = await mkdtemp(join(root, 'debian-'));
    for (const version of ['4.9', '4.17', '4.4', '4.16']) await mkdir(join(sub, `usr/lib/xen-${version}/bin`), { recursive: true });
    // 4.9 sorts after 4.17 as text: the order must be numeric.
    await tool(`${sub.slice(root.length)}/usr/lib/xen-4.9/bin/xen-livepatch`);
    await tool(`${sub.slice(root.length)}/usr/lib/xen-4.16/bin/xen-livepatch`);
    const newest = await tool(`${sub.slice(root.length)}/usr/lib/xen-4.17/bin/xen-livepatch`);
    await mkdir(join(sub, 'usr/lib/xen-common/bin'), { recursive: true });
    expect(await locateTools({ env: { PATH: '' }, root: sub })).toEqual({ xenLivepatch: newest, xl: 'xl' });
  });

  it('prefers /usr/sbin to the versioned directories, and PATH to /usr/sbin', async () => {
    const sub = await mkdtemp(join(root, 'order-'));
    const rel = sub.slice(root.length);
    await tool(`${rel}/usr/lib/xen-4.17/bin/xl`);
    const sbin = await tool(`${rel}/usr/sbin/xl`);
    expect((await locateTools({ env: { PATH: '' }, root: sub })).xl).toBe(sbin);
    const onPath = await tool(`${rel}/opt/bin/xl`);
    expect((await locateTools({ env: { PATH: `relative/bin:${join(sub, 'opt/bin')}` }, root: sub })).xl).toBe(onPath);
  });

  it('skips PATH entries that are relative, not executable or not files', async () => {
    const sub = await mkdtemp(join(root, 'skip-'));
    const rel = sub.slice(root.length);
    await tool(`${rel}/a/xen-livepatch`, 0o644);
    await mkdir(join(sub, 'b/xen-livepatch'), { recursive: true });
    const good = await tool(`${rel}/c/xen-livepatch`);
    const path = ['.', join(sub, 'a'), join(sub, 'b'), join(sub, 'c')].join(':');
    expect((await locateTools({ env: { PATH: path }, root: sub })).xenLivepatch).toBe(good);
  });

  it('takes the environment over PATH, and an explicit path over both', async () => {
    const sub = await mkdtemp(join(root, 'explicit-'));
    const rel = sub.slice(root.length);
    await tool(`${rel}/bin/xen-livepatch`);
    const fromEnv = await tool(`${rel}/env/xen-livepatch`);
    const explicit = await tool(`${rel}/flag/my-xen-livepatch`);
    const envXl = await tool(`${rel}/env/xl`);
    const env = { PATH: join(sub, 'bin'), XLP_XEN_LIVEPATCH: fromEnv, XLP_XL: envXl };
    expect(await locateTools({ env, root: sub })).toEqual({ xenLivepatch: fromEnv, xl: envXl });
    expect(await locateTools({ env, root: sub, xenLivepatch: explicit })).toEqual({ xenLivepatch: explicit, xl: envXl });
    expect((await locateTools({ env: { ...env, XLP_XEN_LIVEPATCH: '' }, root: sub })).xenLivepatch).toBe(join(sub, 'bin/xen-livepatch'));
  });

  it('follows a symlink to an executable file', async () => {
    const target = await tool('link-target/xl');
    const link = join(root, 'xl-link');
    await symlink(target, link);
    expect((await locateTools({ env: { PATH: '' }, root, xl: link })).xl).toBe(link);
  });

  it.each([
    ['missing', async () => join(root, 'nope/xen-livepatch'), 'the file does not exist'],
    ['a directory', async () => root, 'the file is not a regular file'],
    ['not executable', async () => tool('plain/xen-livepatch', 0o600), 'the file is not executable'],
  ])('refuses an explicit path that is %s, in one line', async (_what, make, problem) => {
    const path = await make();
    const error = await caught(locateTools({ env: { PATH: '' }, root, xenLivepatch: path }));
    expect([error.code, error.exitCode]).toEqual(['usage', ExitCode.USAGE]);
    expect(error.message).toBe(`--xen-livepatch ${path}: ${problem}`);
    const fromEnv = await caught(locateTools({ env: { PATH: '', XLP_XL: path }, root }));
    expect(fromEnv.message).toBe(`XLP_XL ${path}: ${problem}`);
  });
});
