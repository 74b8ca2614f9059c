/** Runs the built CLI as a real process, the way users and pipelines do. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const XLP_BIN = join(REPO, 'bin', 'run.js');

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Environment that isolates a run from the machine: no CI colour or terminal effects, private dirs. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XLP_DATA_DIR: join(home, 'data'),
    XLP_STATE_DIR: join(home, 'state'),
    XLP_RUNTIME_DIR: join(home, 'run'),
    XLP_CONFIG_DIR: join(home, 'config'),
    NO_COLOR: '1',
    ...extra,
  };
}

/** `timeoutMs`: longer for a run against the real-Xen VM, whose dom0 answers slowly under TCG. */
export async function runXlp(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  const result = await execa(process.execPath, [XLP_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
    timeout: timeoutMs,
  });
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
}

export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
