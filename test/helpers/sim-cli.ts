/** A private simulated host driven through the built CLI, for end-to-end tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSimFault, initSimState, readSimState } from '../../src/host/sim/admin.js';
import type { SimFault, SimState } from '../../src/host/sim/state.js';
import { isolatedEnv, runXlp, type CliResult } from './cli.js';
import { TEST_XEN_BUILD_ID } from './payloads.js';

export interface SimCli {
  readonly home: string;
  readonly statePath: string;
  readonly env: Record<string, string>;
  xlp(...args: string[]): Promise<CliResult>;
  /** `xlp ... --json`, parsed; fails the test if stdout is anything but one JSON document. */
  json<T = Record<string, unknown>>(...args: string[]): Promise<{ result: CliResult; body: T }>;
  reset(): Promise<void>;
  fault(fault: SimFault): Promise<void>;
  state(): Promise<SimState>;
  remove(): Promise<void>;
}

export async function simCli(buildId = TEST_XEN_BUILD_ID): Promise<SimCli> {
  const home = await mkdtemp(join(tmpdir(), 'xlp-e2e-'));
  const statePath = join(home, 'sim', 'state.json');
  const env = isolatedEnv(home, { XLP_BACKEND: 'sim', XLP_SIM_STATE: statePath, XLP_SIM_BUILD_ID: buildId, XLP_AUDIT_LOG: join(home, 'audit.jsonl') });
  const cli: SimCli = {
    home,
    statePath,
    env,
    xlp: (...args) => runXlp(args, env),
    json: async (...args) => {
      const result = await runXlp([...args, '--json'], env);
      return { result, body: JSON.parse(result.stdout) };
    },
    reset: async () => {
      await initSimState(statePath, { buildId });
    },
    fault: async (fault) => {
      await addSimFault(statePath, fault, env);
    },
    state: () => readSimState(statePath, env),
    remove: () => rm(home, { recursive: true, force: true }),
  };
  await cli.reset();
  return cli;
}
