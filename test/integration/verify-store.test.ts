/** xlp's per-host payload record: private files, atomic replacement, and no lost update between processes. */
import { chmod, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO, withTempDir } from '../helpers/cli.js';
import { PayloadStore, hostFileName, reconcile, recordChange, type PayloadRecord } from '../../src/verify/store.js';

const record = (buildId: string): PayloadRecord => ({ sha256: 'ab'.repeat(32), size: 10, buildId, depends: 'cc'.repeat(20), hooks: [], uploadedAt: '2026-01-01T00:00:00.000Z' });

describe('PayloadStore', () => {
  it('keeps one 0600 file per host in a 0700 directory, and nothing else once written', async () => {
    await withTempDir('xlp-store-', async (dir) => {
      const hosts = join(dir, 'data', 'hosts');
      const store = new PayloadStore('root@dom0:22', hosts);
      await store.update((r) => recordChange(r, 'upload', 'xsa', record('0a'.repeat(20))));
      await store.update((r) => recordChange(r, 'apply', 'xsa'));
      expect((await lstat(hosts)).mode & 0o777).toBe(0o700);
      const file = join(hosts, hostFileName('root@dom0:22'));
      expect((await lstat(file)).mode & 0o777).toBe(0o600);
      // The lock file stays (it is how flock works); no temporary file is left behind.
      expect((await readdir(hosts)).sort()).toEqual([hostFileName('root@dom0:22'), `${hostFileName('root@dom0:22')}.lock`]);
      expect(await store.read()).toMatchObject({ host: 'root@dom0:22', applied: ['xsa'], payloads: { xsa: { buildId: '0a'.repeat(20) } } });
    });
  });

  it('keeps hosts apart, with names that cannot escape the directory', () => {
    expect(hostFileName('../../etc/passwd')).not.toContain('/');
    expect(hostFileName('a/b')).not.toBe(hostFileName('a_b'));
  });

  it('refuses a record file that is a symlink, readable by others, or from another host', async () => {
    await withTempDir('xlp-store-', async (dir) => {
      const hosts = join(dir, 'hosts');
      await mkdir(hosts, { mode: 0o700 });
      const store = new PayloadStore('h1', hosts);
      const file = join(hosts, hostFileName('h1'));
      const other = join(dir, 'elsewhere.json');
      await writeFile(other, JSON.stringify({ version: 1, host: 'h1', payloads: {}, applied: [] }), { mode: 0o600 });
      await symlink(other, file);
      await expect(store.read()).rejects.toMatchObject({ code: 'store-unusable', message: expect.stringMatching(/symlink/) });
      await import('node:fs/promises').then((fs) => fs.rm(file));
      await writeFile(file, JSON.stringify({ version: 1, host: 'h1', payloads: {}, applied: [] }), { mode: 0o644 });
      await chmod(file, 0o644);
      await expect(store.read()).rejects.toMatchObject({ code: 'store-unusable', message: expect.stringMatching(/not a private regular file/) });
      await chmod(file, 0o600);
      await writeFile(file, JSON.stringify({ version: 1, host: 'h2', payloads: {}, applied: [] }));
      await expect(store.read()).rejects.toMatchObject({ message: expect.stringMatching(/belongs to host h2/) });
      await writeFile(file, '{"version":1,');
      await expect(store.read()).rejects.toMatchObject({ message: expect.stringMatching(/not valid JSON/) });
    });
  });

  it('loses no update when processes write the same host at once', async () => {
    await withTempDir('xlp-store-', async (dir) => {
      const hosts = join(dir, 'hosts');
      const script = join(dir, 'writer.mjs');
      const storeModule = join(REPO, 'dist/src/verify/store.js');
      await writeFile(
        script,
        `import { PayloadStore, recordChange } from ${JSON.stringify(storeModule)};
const [dir, prefix] = process.argv.slice(2);
const store = new PayloadStore('shared-host', dir);
for (let i = 0; i < 5; i++) {
  await store.update((r) => recordChange(r, 'upload', prefix + i, { sha256: '', size: 0, hooks: [], uploadedAt: '' }));
}
`,
      );
      await Promise.all(['p', 'q', 'r', 's'].map((prefix) => execa(process.execPath, [script, hosts, prefix])));
      const names = Object.keys((await new PayloadStore('shared-host', hosts).read()).payloads).sort();
      expect(names).toEqual(['p', 'q', 'r', 's'].flatMap((p) => [0, 1, 2, 3, 4].map((i) => `${p}${i}`)).sort());
      // Every write went through a complete file: the final one parses (read() above) and is whole JSON.
      JSON.parse(await readFile(join(hosts, hostFileName('shared-host')), 'utf8'));
    });
  });
});

describe('reconcile and recordChange', () => {
  const XEN = 'aa'.repeat(20);
  const base = { version: 1 as const, host: 'h', xenBuildId: XEN, payloads: { a: record('0a'.repeat(20)), b: record('0b'.repeat(20)) }, applied: ['a', 'b'] };

  it('follows the stack through apply, replace, revert and unload', () => {
    let r = recordChange(base, 'revert', 'b');
    expect(r.applied).toEqual(['a']);
    r = recordChange(r, 'apply', 'b');
    expect(r.applied).toEqual(['a', 'b']);
    r = recordChange(r, 'replace', 'a');
    expect(r.applied).toEqual(['a']);
    r = recordChange(r, 'unload', 'b');
    expect(Object.keys(r.payloads)).toEqual(['a']);
    r = recordChange(r, 'load', 'c', record('0c'.repeat(20)));
    expect([Object.keys(r.payloads), r.applied]).toEqual([['a', 'c'], ['a', 'c']]);
  });

  it('remembers what was reverted since its upload (Xen will not re-apply such a payload with writable data)', () => {
    expect(recordChange(base, 'apply', 'b').payloads.b?.reverted).toBeUndefined();
    expect(recordChange(base, 'revert', 'b').payloads.b?.reverted).toBe(true);
    const replaced = recordChange(recordChange(base, 'revert', 'b'), 'replace', 'b');
    expect([replaced.payloads.a?.reverted, replaced.payloads.b?.reverted]).toEqual([true, true]);
    const fresh = recordChange(recordChange(base, 'unload', 'b'), 'upload', 'b', record('0d'.repeat(20)));
    expect(fresh.payloads.b?.reverted).toBeUndefined();
  });

  it('trusts the hypervisor: forgets what is gone, unstacks what is not applied, voids all after a reboot into another Xen', () => {
    const listed = [{ name: 'a', state: 'CHECKED' as const, rc: 0, metadata: [] }];
    expect(reconcile(base, listed, XEN)).toMatchObject({ payloads: { a: {} }, applied: [] });
    expect(Object.keys(reconcile(base, listed, XEN).payloads)).toEqual(['a']);
    expect(reconcile(base, listed, XEN).payloads.a?.reverted).toBe(true);
    const bothApplied = listed.map((p) => ({ ...p, state: 'APPLIED' as const }));
    expect(reconcile(base, bothApplied, XEN).payloads.a?.reverted).toBeUndefined();
    expect(reconcile(base, listed, 'bb'.repeat(20))).toMatchObject({ payloads: {}, applied: [], xenBuildId: 'bb'.repeat(20) });
  });
});
