/**
 * A Runner whose host is the simulator: `xen-livepatch` and `xl` run in-process as the fakes over
 * one state file, so xlp's real xen-livepatch backend (argv building, output parsing) drives the
 * simulated hypervisor exactly as it drives a real one.
 */
import { basename } from 'node:path';
import { ExitCode, XlpError } from '../../errors.js';
import type { RunResult, Runner, StagedFile } from '../runner.js';
import { removeRunDirs, stageLocally } from '../staging.js';
import { runFakeXenLivepatch } from './fake-xen-livepatch.js';
import { runFakeXl } from './fake-xl.js';
import { resolveStatePath, type SimEnv } from './state-store.js';
import type { FakeResult } from './tool-output.js';

const FAKES: Record<string, (argv: readonly string[], env: SimEnv) => Promise<FakeResult>> = {
  'xen-livepatch': runFakeXenLivepatch,
  xl: runFakeXl,
};

/** `statePath`: the simulated host's state file; `runtimeDir`: where payload copies are staged. */
export function createSimRunner(statePath: string, runtimeDir: string, env: SimEnv = process.env): Runner {
  const path = resolveStatePath(statePath, env);
  const fakeEnv: SimEnv = { ...env, XLP_SIM_STATE: path };
  return {
    target: `sim:${path}`,
    async run(program: string, args: readonly string[]): Promise<RunResult> {
      const fake = FAKES[basename(program)];
      if (fake === undefined) {
        throw new XlpError('tool-missing', ExitCode.HOST_UNSUPPORTED, `${program} is not available on the simulated host`, {
          hint: 'the simulator provides only xen-livepatch and xl',
        });
      }
      const { stdout, stderr, exitCode } = await fake(args, fakeEnv);
      return { stdout, stderr, exitCode };
    },
    stage(bytes: Uint8Array, name: string): Promise<StagedFile> {
      return stageLocally(bytes, name, runtimeDir);
    },
    async close(): Promise<void> {},
    removeLeftovers: (runId) => removeRunDirs(runtimeDir, 'stage', runId),
  };
}
