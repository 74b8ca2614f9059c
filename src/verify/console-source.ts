/**
 * Gives a Backend the console dump the pre-flight cross-check reads (Backend.livepatchConsole), by
 * running `xl debug-keys x` and then `xl dmesg` through its Runner. A Backend that already reads the
 * console itself is left alone. `xl dmesg` is never run with -c: the console belongs to the operator.
 */
import type { Backend } from '../host/backend.js';
import type { Runner } from '../host/runner.js';

const XL_TIMEOUT_MS = 30_000;

/** `xl`: the program to run, resolved only when the console is first needed. */
export function withLivepatchConsole(backend: Backend, runner: Runner, xl: () => Promise<string>): Backend {
  if (backend.livepatchConsole !== undefined) return backend;
  const livepatchConsole = async (): Promise<string | undefined> => {
    const program = await xl();
    const keys = await runner.run(program, ['debug-keys', 'x'], { timeoutMs: XL_TIMEOUT_MS });
    // XSM policies may forbid debug keys to dom0: then there is simply no dump to read.
    if (keys.exitCode !== 0) return undefined;
    const dmesg = await runner.run(program, ['dmesg'], { timeoutMs: XL_TIMEOUT_MS });
    return dmesg.exitCode === 0 ? dmesg.stdout : undefined;
  };
  return { ...backend, livepatchConsole };
}
