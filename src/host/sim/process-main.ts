/**
 * The entry point of bin/sim/xen-livepatch and bin/sim/xl: run a fake with this process's argv and
 * environment, write exactly what it printed (in order), and exit with its status.
 */
import { isXlpError } from '../../errors.js';
import type { SimEnv } from './state-store.js';
import type { FakeResult } from './tool-output.js';

export async function runFakeAsProcess(fake: (argv: readonly string[], env: SimEnv) => Promise<FakeResult>): Promise<void> {
  try {
    const result = await fake(process.argv.slice(2), process.env);
    // Pipes and terminals are written synchronously on Linux, so the order survives.
    for (const chunk of result.chunks) (chunk.stream === 'stdout' ? process.stdout : process.stderr).write(chunk.text);
    process.exitCode = result.exitCode;
  } catch (error) {
    // Only the simulator's own trouble lands here (an unusable state file, a lock timeout).
    const message = isXlpError(error) ? `${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}` : String(error);
    process.stderr.write(`xlp simulator: ${message}\n`);
    process.exitCode = 1;
  }
}
