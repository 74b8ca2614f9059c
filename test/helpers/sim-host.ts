/**
 * Fixtures for the simulator's tests: a private state file per test, the payloads of the real
 * Xen 4.17 transcript (built during the run by test/helpers/payloads.ts), and a way to give a copy
 * of a payload a build-id of its own without compiling it again.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePayload } from '../../src/payload/parse.js';
import { TEST_XEN_BUILD_ID, buildPayload } from './payloads.js';

export { TEST_XEN_BUILD_ID };

export interface SimSandbox {
  /** A private (0700) directory for payload copies and the like. */
  readonly dir: string;
  readonly statePath: string;
  /** The environment a fake runs with: this state, the transcript's Xen, nothing inherited. */
  env(extra?: Record<string, string>): Record<string, string>;
  remove(): Promise<void>;
}

export async function simSandbox(xenVersion = '4.17.7', buildId = TEST_XEN_BUILD_ID): Promise<SimSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'xlp-sim-test-'));
  const statePath = join(dir, 'state', 'state.json');
  return {
    dir,
    statePath,
    env: (extra = {}) => ({ XLP_SIM_STATE: statePath, XLP_SIM_XEN_VERSION: xenVersion, XLP_SIM_BUILD_ID: buildId, ...extra }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export const buildIdOf = async (path: string): Promise<string> => parsePayload(await readFile(path)).buildId as string;

/** The four payloads of the real-Xen transcript, copied into `dir` under the transcript's names. */
export async function transcriptPayloads(dir: string): Promise<void> {
  const xenlab1 = await buildPayload({ id: 'xenlab1' });
  const xenlab2 = await buildPayload({ id: 'xenlab2', depends: await buildIdOf(xenlab1) });
  const xenlab3 = await buildPayload({ id: 'xenlab3', modinfo: ['XSA=999', 'VERSION=1'] });
  const badid = await buildPayload({ id: 'xenlabbad', xenDepends: 'deadbeef'.repeat(5) });
  const names: Array<[string, string]> = [
    [xenlab1, 'xenlab1.livepatch'],
    [xenlab2, 'xenlab2.livepatch'],
    [xenlab3, 'xenlab3.livepatch'],
    [badid, 'xenlab-badid.livepatch'],
  ];
  for (const [from, to] of names) await copyFile(from, join(dir, to));
}

/** A copy of the payload at `path` whose own build-id ends in `suffix` (one byte), written to `out`. */
export async function withOwnBuildId(path: string, suffix: number, out: string): Promise<string> {
  const bytes = await readFile(path);
  const id = Buffer.from(await buildIdOf(path), 'hex');
  const at = bytes.indexOf(id);
  if (at < 0 || bytes.indexOf(id, at + 1) >= 0) throw new Error(`build-id of ${path} not found exactly once`);
  bytes[at + id.length - 1] = suffix;
  await writeFile(out, bytes, { mode: 0o600 });
  return out;
}
