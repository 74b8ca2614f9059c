/**
 * The built CLI with a system config of the test's choosing. /etc/xlp is fixed in xlp (nothing in
 * the environment moves it, so nothing can weaken the system's policy), so the test moves the
 * world instead: in a mount namespace of its own, /etc becomes an overlay whose writes land in a
 * private tmpfs, and /etc/xlp a bind mount of the test's directory. The machine's /etc is neither
 * read for xlp's config nor touched. Needs root (as CI runs); systemConfigUnavailable() says why not.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { XLP_BIN, type CliResult } from './cli.js';

// $1: the directory to show as /etc/xlp, $2: an empty scratch directory; then the command.
const SETUP = [
  'set -e',
  'system=$1 scratch=$2; shift 2',
  'mount -t tmpfs -o mode=0700 tmpfs "$scratch"',
  'mkdir "$scratch/upper" "$scratch/work"',
  'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc',
  'mkdir -p /etc/xlp',
  'mount --bind "$system" /etc/xlp',
  'exec "$@"',
].join('\n');

function inNamespace(system: string, scratch: string, command: readonly string[], env: Record<string, string>) {
  return execa('unshare', ['-m', '--propagation', 'private', 'bash', '-c', SETUP, 'xlp-system-config', system, scratch, ...command], { env, extendEnv: false, reject: false, stdin: 'ignore', stripFinalNewline: false, timeout: 60_000 });
}

/** Why the system config cannot be replaced here, or undefined when it can. */
export async function systemConfigUnavailable(dir: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root: a mount namespace with an overlay /etc needs root';
  const [system, scratch] = [join(dir, 'probe-etc-xlp'), join(dir, 'probe-scratch')];
  await Promise.all([mkdir(system, { recursive: true }), mkdir(scratch, { recursive: true })]);
  const probe = await inNamespace(system, scratch, ['true'], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  return probe.exitCode === 0 ? undefined : `unshare -m cannot lay an overlay over /etc here: ${String(probe.stderr).trim() || `exit ${probe.exitCode}`}`;
}

/** Runs `xlp args…` seeing `system` as /etc/xlp; `scratch` must be an empty directory of the test's. */
export async function xlpWithSystemConfig(system: string, scratch: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  await mkdir(scratch, { recursive: true });
  const result = await inNamespace(system, scratch, [process.execPath, XLP_BIN, ...args], env);
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
}
