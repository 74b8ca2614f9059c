/** Shared by the audit e2e tests: a private sim host, its journal, and a way to poll instead of sleeping. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { peekState } from '../../src/host/sim/state-store.js';
import type { SimState } from '../../src/host/sim/state.js';
import { isolatedEnv, runXlp, XLP_BIN, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID } from '../helpers/payloads.js';

export interface SimHost {
  readonly env: Record<string, string>;
  readonly statePath: string;
  readonly journal: string;
  /** Flags selecting this sim host. */
  readonly flags: readonly string[];
  xlp(args: readonly string[]): Promise<CliResult>;
  /** Starts xlp without waiting for it (to kill it). */
  start(args: readonly string[]): ResultPromise;
  records(): Promise<Array<Record<string, unknown>>>;
  state(): Promise<SimState | undefined>;
}

export function simHost(home: string, extraEnv: Record<string, string> = {}): SimHost {
  const statePath = join(home, 'sim', 'state.json');
  // In the environment too, so that the audit commands find this simulated host's journal.
  const env = isolatedEnv(home, { XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, XLP_BACKEND: 'sim', XLP_SIM_STATE: statePath, ...extraEnv });
  // The simulated host keeps its journal in its own root (the state file's directory).
  const journal = extraEnv.XLP_AUDIT_LOG ?? join(home, 'sim', 'audit.jsonl');
  const flags = ['--backend', 'sim', '--sim-state', statePath];
  return {
    env,
    statePath,
    journal,
    flags,
    xlp: (args) => runXlp(args, env),
    start: (args) => execa(process.execPath, [XLP_BIN, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore' }),
    records: async () =>
      (await readFile(journal, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    state: () => peekState(statePath),
  };
}

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const json = <T = Record<string, unknown>>(result: CliResult): T => JSON.parse(result.stdout) as T;
