/**
 * A health probe run on a host through its Runner: whatever happens to the probe (a non-zero exit, a
 * timeout, a program that cannot start) is its result, never an exception, so the sync can record
 * it and revert. Output is cut to a bound: the journal keeps it.
 */
import { isXlpError } from '../errors.js';
import type { ProbeRun } from '../model/results.js';
import type { Runner } from './runner.js';

const MAX_OUTPUT = 16 * 1024;
const cut = (text: string): string => (text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}\n[cut at ${MAX_OUTPUT} characters]` : text);

export async function runProbe(runner: Runner, argv: readonly string[], timeoutMs: number): Promise<ProbeRun> {
  const started = Date.now();
  const [program, ...args] = argv;
  const ended = (exitCode: number | null, timedOut: boolean, stdout: string, stderr: string): ProbeRun => ({
    argv,
    exitCode,
    timedOut,
    durationMs: Date.now() - started,
    stdout: cut(stdout),
    stderr: cut(stderr),
  });
  if (program === undefined) return ended(null, false, '', 'empty probe');
  try {
    const result = await runner.run(program, args, { timeoutMs });
    return ended(result.exitCode, false, result.stdout, result.stderr);
  } catch (error) {
    if (!isXlpError(error)) throw error;
    const timedOut = error.code === 'tool-timeout';
    return ended(null, timedOut, error.detail?.stdout ?? '', error.detail?.stderr ?? error.message);
  }
}
