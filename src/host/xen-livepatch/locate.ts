/**
 * Where the Xen tools are. Precedence: an explicit path (the --xen-livepatch / --xl flags), then the
 * environment (XLP_XEN_LIVEPATCH / XLP_XL), then PATH, then /usr/sbin, then Debian's versioned
 * /usr/lib/xen-<version>/bin (newest first: Debian installs xen-livepatch only there). This is for
 * this machine only: on a remote host the bare names are run, so the remote PATH decides.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { usageError } from '../../errors.js';

export interface XenToolPaths {
  readonly xenLivepatch: string;
  readonly xl: string;
}

export interface LocateOptions {
  /** The --xen-livepatch flag's value. */
  readonly xenLivepatch?: string;
  /** The --xl flag's value. */
  readonly xl?: string;
  /** Defaults to process.env (XLP_XEN_LIVEPATCH, XLP_XL, PATH). */
  readonly env?: NodeJS.ProcessEnv;
  /** Prefix of /usr/sbin and /usr/lib; only tests change it. */
  readonly root?: string;
}

interface ToolSpec {
  readonly program: string;
  readonly flag: string;
  readonly envVar: string;
}

const TOOLS = {
  xenLivepatch: { program: 'xen-livepatch', flag: '--xen-livepatch', envVar: 'XLP_XEN_LIVEPATCH' },
  xl: { program: 'xl', flag: '--xl', envVar: 'XLP_XL' },
} as const satisfies Record<keyof XenToolPaths, ToolSpec>;

/** What to tell a user whose `program` cannot be run; generic for programs that are not Xen tools. */
export function missingToolHint(program: string): string {
  const base = program.slice(program.lastIndexOf('/') + 1);
  const tool = Object.values(TOOLS).find((t) => t.program === base);
  if (tool === undefined) return `install ${base} or give its full path`;
  return `install xen-utils (Debian: xen-utils-<version>), or pass ${tool.flag} PATH / set ${tool.envVar}`;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A path the user named: it must exist, be a regular file (symlinks followed) and be executable. */
async function checkExplicit(path: string, source: string): Promise<string> {
  const absolute = resolve(path);
  const problem = await stat(absolute).then(
    async (info) => {
      if (!info.isFile()) return 'is not a regular file';
      return access(absolute, constants.X_OK).then(
        () => undefined,
        () => 'is not executable',
      );
    },
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code})`),
  );
  if (problem !== undefined) {
    throw usageError(`${source} ${path}: the file ${problem}`, 'give the full path of an executable file');
  }
  return absolute;
}

/** Debian's /usr/lib/xen-<version>/bin directories, newest version first. */
async function debianToolDirs(root: string): Promise<string[]> {
  const lib = join(root, 'usr/lib');
  const entries = await readdir(lib).catch(() => [] as string[]);
  const versioned = entries
    .map((entry) => ({ entry, version: /^xen-(\d+(?:\.\d+)*)$/.exec(entry)?.[1] }))
    .filter((e): e is { entry: string; version: string } => e.version !== undefined);
  const parts = (version: string): number[] => version.split('.').map(Number);
  versioned.sort((a, b) => {
    const [x, y] = [parts(a.version), parts(b.version)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (y[i] ?? 0) - (x[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
  return versioned.map((e) => join(lib, e.entry, 'bin'));
}

async function locateOne(spec: ToolSpec, explicit: string | undefined, env: NodeJS.ProcessEnv, root: string): Promise<string> {
  if (explicit !== undefined && explicit !== '') return checkExplicit(explicit, spec.flag);
  const fromEnv = env[spec.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return checkExplicit(fromEnv, spec.envVar);
  // Relative PATH entries would let the current directory choose what root runs.
  const pathDirs = (env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
  const dirs = [...pathDirs, join(root, 'usr/sbin'), ...(await debianToolDirs(root))];
  for (const dir of dirs) {
    const candidate = join(dir, spec.program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  // Not found: the bare name makes the first use fail with a 'tool-missing' error that says what to
  // do, and commands that never need this tool (e.g. list without xl) still work.
  return spec.program;
}

/** Finds both tools on this machine. An explicit or environment path that is unusable is a usage error. */
export async function locateTools(options: LocateOptions = {}): Promise<XenToolPaths> {
  const env = options.env ?? process.env;
  const root = options.root ?? '/';
  const [xenLivepatch, xl] = await Promise.all([
    locateOne(TOOLS.xenLivepatch, options.xenLivepatch, env, root),
    locateOne(TOOLS.xl, options.xl, env, root),
  ]);
  return { xenLivepatch, xl };
}

