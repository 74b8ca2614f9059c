/**
 * Runs programs on this machine through execa: argv arrays, never a shell; output kept byte for byte
 * (no final-newline stripping: the tool's exact output is evidence for the audit journal).
 */
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { ExitCode, XlpError, usageError } from '../errors.js';
import type { RunOptions, RunResult, Runner, StagedFile } from './runner.js';
import { removeRunDirs, stageLocally } from './staging.js';

async function whyNotStartable(program: string, code: string | undefined): Promise<string> {
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES') {
    const isDirectory = await stat(program).then(
      (info) => info.isDirectory(),
      () => false,
    );
    return isDirectory ? 'is a directory' : 'is not executable';
  }
  return `cannot be started (${code ?? 'unknown error'})`;
}

async function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if ([program, ...args].some((word) => word.includes('\0'))) {
    throw usageError(`cannot run ${program}: an argument contains a NUL byte`);
  }
  const { execa } = await import('execa');
  const result = await execa(program, [...args], {
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
    shell: false,
    // Its own process group: a Ctrl-C at the terminal must not kill the tool mid-operation (src/util/interrupt.ts).
    detached: true,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (result.timedOut) {
    throw new XlpError('tool-timeout', ExitCode.FAILED, `${program} did not finish within ${options.timeoutMs} ms and was stopped`, {
      hint: 'the hypervisor may still be working on the request: check `xlp list` before retrying',
      detail: { stdout: result.stdout, stderr: result.stderr },
    });
  }
  if (result.exitCode !== undefined) return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  if (result.signal !== undefined) {
    // Killed by someone else: report it the way a shell would, so callers see a failure.
    return { stdout: result.stdout, stderr: result.stderr, exitCode: 128 + (constants.signals[result.signal] ?? 0) };
  }
  const reason = await whyNotStartable(program, result.code);
  throw new XlpError('tool-missing', ExitCode.HOST_UNSUPPORTED, `cannot run ${program}: ${reason}`, {
    hint: `install ${program.slice(program.lastIndexOf('/') + 1)} or give its full path`,
    cause: result.cause,
  });
}

/** `runtimeDir`: where private copies of payloads are staged (never /tmp). */
export function createLocalRunner(runtimeDir: string): Runner {
  return {
    target: 'localhost',
    run,
    stage: (bytes: Uint8Array, basename: string): Promise<StagedFile> => stageLocally(bytes, basename, runtimeDir),
    close: async () => {},
    removeLeftovers: (runId) => removeRunDirs(runtimeDir, 'stage', runId),
  };
}
