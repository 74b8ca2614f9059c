/**
 * A tmpfs of a few pages, mounted inside its own mount namespace (`unshare -m`), so a test can fill
 * it up under a running xlp without touching the machine's mounts. A `sleep` keeps the namespace
 * alive; xlp runs in it through `nsenter`, and the test reads and fills the file system from outside
 * through /proc/<pid>/root. Needs root (as CI runs); unavailable() says why it cannot run here.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { XLP_BIN, type CliResult } from './cli.js';

export const PAGE = 4096;

export interface TinyFs {
  /** The mount point, as xlp (inside the namespace) sees it. */
  readonly inside: string;
  /** The same directory as this process sees it. */
  outside(name?: string): string;
  /** Starts xlp inside the namespace. */
  start(args: readonly string[], env: Record<string, string>): ResultPromise;
  xlp(args: readonly string[], env: Record<string, string>): Promise<CliResult>;
  /** Takes every free page but `spare`, so the next write that needs a new page gets ENOSPC (or writes short). */
  fillPages(spare?: number): Promise<void>;
  /** Takes every free inode, so creating a file (a seal's temp file) gets ENOSPC. */
  fillInodes(): Promise<void>;
  /** Gives back all the space and inodes the fill took. */
  free(): Promise<void>;
  close(): Promise<void>;
}

const FILL = 'fill-';

/** Why a tiny file system cannot be mounted here, or undefined when it can. */
export async function tinyFsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs inside unshare -m needs root';
  const probe = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=8k tmpfs /mnt'], { reject: false });
  return probe.exitCode === 0 ? undefined : `unshare -m cannot mount a tmpfs here: ${probe.stderr.trim() || `exit ${probe.exitCode}`}`;
}

export async function tinyFs(dir: string, options: { sizeKiB: number; inodes: number }): Promise<TinyFs> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const holder = execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${options.sizeKiB}k,nr_inodes=${options.inodes},mode=0700 tmpfs '${dir}' && echo mounted && exec sleep infinity`], {
    reject: false,
    stdin: 'ignore',
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    void holder.then((result) => reject(new Error(`unshare/mount failed: ${String(result.stderr)}`)));
  });
  const pid = holder.pid as number;
  const outside = (name = ''): string => join(`/proc/${pid}/root${dir}`, name);
  let fills = 0;
  const start = (args: readonly string[], env: Record<string, string>): ResultPromise =>
    execa('nsenter', ['-t', String(pid), '-m', '--', process.execPath, XLP_BIN, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  return {
    inside: dir,
    outside,
    start,
    xlp: async (args, env) => {
      const result = await start(args, env);
      return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
    },
    fillPages: async (spare = 0) => {
      const path = outside(`${FILL}${++fills}`);
      const handle = await open(path, 'w');
      try {
        const page = Buffer.alloc(PAGE, 0x58);
        // tmpfs counts whole pages: write until a page cannot be had, then hand `spare` back.
        for (;;) {
          const { bytesWritten } = await handle.write(page).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOSPC') return { bytesWritten: 0 };
            throw error;
          });
          if (bytesWritten < PAGE) break;
        }
        const { size } = await handle.stat();
        await handle.truncate(Math.max(0, Math.floor(size / PAGE) - spare) * PAGE);
      } finally {
        await handle.close();
      }
    },
    fillInodes: async () => {
      for (;;) {
        const created = await open(outside(`${FILL}inode-${++fills}`), 'wx').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOSPC') return undefined;
          throw error;
        });
        if (created === undefined) return;
        await created.close();
      }
    },
    free: async () => {
      for (const name of await readdir(outside())) if (name.startsWith(FILL)) await rm(outside(name));
    },
    close: async () => {
      holder.kill('SIGKILL');
      await holder;
    },
  };
}

/** Bytes left in the last page of the file at `path` (what a write there can still take on a full tmpfs). */
export async function slack(path: string): Promise<number> {
  const handle = await open(path, 'r').catch(() => undefined);
  const size = handle === undefined ? 0 : (await handle.stat()).size;
  await handle?.close();
  return (PAGE - (size % PAGE)) % PAGE;
}
