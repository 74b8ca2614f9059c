/**
 * The REAL xen-livepatch and xl of Debian's xen-utils-4.17, for tests on a machine that is not a
 * Xen host: `apt-get download` of the package and the libraries it links, `dpkg -x` into the
 * repository's .work/debs (kept between runs), and two small wrappers that set LD_LIBRARY_PATH to
 * the extracted libraries. Needs Debian package lists (`apt-get update`) and the Debian archive.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

export const XEN_UTILS_VERSION = '4.17';

/** xen-utils-4.17 and the shared libraries its xen-livepatch and xl need beyond a base Debian system. */
const PACKAGES = [
  `xen-utils-${XEN_UTILS_VERSION}`,
  `libxenmisc${XEN_UTILS_VERSION}`,
  'libxencall1',
  'libxendevicemodel1',
  'libxenevtchn1',
  'libxenforeignmemory1',
  'libxengnttab1',
  'libxenhypfs1',
  'libxenstore4',
  'libxentoolcore1',
  'libxentoollog1',
  'libyajl2',
];

export interface RealXenUtils {
  /** Where the packages are extracted: a Debian-shaped tree (usr/lib/xen-4.17/bin, usr/lib/<triplet>). */
  readonly root: string;
  /** The real binaries inside `root`; they need `libraryPath` to run. */
  readonly binaries: { readonly xenLivepatch: string; readonly xl: string };
  readonly libraryPath: string;
  /** Wrappers that set LD_LIBRARY_PATH and exec the real binaries with their arguments unchanged. */
  readonly xenLivepatch: string;
  readonly xl: string;
}

export type RealXenUtilsResult = { readonly ok: true; readonly tools: RealXenUtils } | { readonly ok: false; readonly reason: string };

const CACHE = fileURLToPath(new URL(`../../.work/debs/xen-utils-${XEN_UTILS_VERSION}`, import.meta.url));

const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** The extracted tree's multiarch library directory (the one holding libxenctrl). */
async function libraryDir(root: string): Promise<string | undefined> {
  const lib = join(root, 'usr/lib');
  for (const entry of await readdir(lib)) {
    const files = await readdir(join(lib, entry)).catch(() => [] as string[]);
    if (files.some((f) => f.startsWith('libxenctrl.so.'))) return join(lib, entry);
  }
  return undefined;
}

async function layout(dir: string): Promise<RealXenUtils | undefined> {
  const root = join(dir, 'root');
  const libraryPath = existsSync(root) ? await libraryDir(root) : undefined;
  if (libraryPath === undefined) return undefined;
  const bin = join(root, `usr/lib/xen-${XEN_UTILS_VERSION}/bin`);
  return {
    root,
    binaries: { xenLivepatch: join(bin, 'xen-livepatch'), xl: join(bin, 'xl') },
    libraryPath,
    xenLivepatch: join(dir, 'bin/xen-livepatch'),
    xl: join(dir, 'bin/xl'),
  };
}

async function fetchInto(dir: string, finalDir: string): Promise<void> {
  const { execa } = await import('execa');
  const debs = join(dir, 'debs');
  await mkdir(debs, { recursive: true });
  // Sandbox user root: as root, apt would otherwise warn that _apt cannot write here.
  await execa('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...PACKAGES], { cwd: debs, env: { LC_ALL: 'C' } });
  for (const deb of await readdir(debs)) await execa('dpkg', ['-x', join(debs, deb), join(dir, 'root')]);
  await rm(debs, { recursive: true, force: true });
  // Wrappers name the final directory, which this one becomes by rename.
  const final = await layout(dir).then((t) => t && { ...t, libraryPath: t.libraryPath.replace(dir, finalDir) });
  if (final === undefined) throw new Error(`the extracted packages hold no libxenctrl under ${join(dir, 'root/usr/lib')}`);
  await mkdir(join(dir, 'bin'));
  for (const [wrapper, binary] of [
    ['xen-livepatch', final.binaries.xenLivepatch],
    ['xl', final.binaries.xl],
  ] as const) {
    const real = binary.replace(dir, finalDir);
    await writeFile(join(dir, 'bin', wrapper), `#!/bin/sh\nLD_LIBRARY_PATH=${quote(final.libraryPath)} exec ${quote(real)} "$@"\n`);
    await chmod(join(dir, 'bin', wrapper), 0o755);
  }
}

/** Checks that the real tool starts: with no arguments it prints its help and exits 0 without Xen. */
async function smokeTest(tools: RealXenUtils): Promise<string | undefined> {
  const { execa } = await import('execa');
  const result = await execa(tools.xenLivepatch, [], { reject: false });
  if (result.exitCode === 0 && result.stderr.startsWith('xen-livepatch: live patching tool')) return undefined;
  return `the extracted xen-livepatch does not run (exit ${result.exitCode}): ${result.stderr.split('\n')[0]}`;
}

let pending: Promise<RealXenUtilsResult> | undefined;

/**
 * Fetches the packages once (cached in .work/debs) and returns the tools, or why they cannot be had
 * (no apt, no package lists, no network, another distribution).
 */
export function realXenUtils(): Promise<RealXenUtilsResult> {
  pending ??= (async (): Promise<RealXenUtilsResult> => {
    try {
      let tools = existsSync(join(CACHE, 'bin/xl')) ? await layout(CACHE) : undefined;
      if (tools === undefined) {
        await rm(CACHE, { recursive: true, force: true });
        await mkdir(join(CACHE, '..'), { recursive: true });
        const dir = await mkdtemp(`${CACHE}.tmp-`);
        try {
          await fetchInto(dir, CACHE);
          // Another test process may have won the race: its copy is as good as ours.
          await rename(dir, CACHE).catch(() => undefined);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        tools = await layout(CACHE);
      }
      if (tools === undefined) return { ok: false, reason: `nothing usable in ${CACHE}` };
      const broken = await smokeTest(tools);
      return broken === undefined ? { ok: true, tools } : { ok: false, reason: broken };
    } catch (error) {
      const text = error instanceof Error ? ((error as { stderr?: string }).stderr || error.message) : String(error);
      return { ok: false, reason: `cannot fetch Debian's xen-utils-${XEN_UTILS_VERSION} with apt-get download: ${text.trim().split('\n').pop()}` };
    }
  })();
  return pending;
}

/**
 * For a describe block that runs the real tools on a machine that is not a Xen host: the tools, or
 * undefined after registering why the block has nothing to run.
 */
export function realToolsOffXen(real: RealXenUtilsResult): RealXenUtils | undefined {
  if (!real.ok) {
    // Under CI the package must be there: its absence is a failure, never a silent skip.
    if (process.env.CI) it('has the real tool (apt-get download xen-utils-4.17 must work under CI)', () => expect.fail(real.reason));
    // Locally, a machine without Debian's archive (no `apt-get update` yet, no network) cannot fetch
    // the tool; the skip's name says which step failed.
    else it.skip(`skipped: ${real.reason}`, () => {});
    return undefined;
  }
  if (existsSync('/dev/xen/privcmd')) {
    // On a real dom0 the tool would reach the hypervisor: these off-Xen tests do not apply there
    // (the real-Xen tier, test/xen/, covers a real hypervisor).
    it.skip('skipped: this machine is a Xen dom0 (/dev/xen/privcmd exists), so the tool would really reach Xen', () => {});
    return undefined;
  }
  return real.tools;
}
