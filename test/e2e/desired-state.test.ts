/**
 * plan, sync and check through the built CLI on a private simulated host: drift and its exit code,
 * a saved plan and a stale one, a build-id the manifest does not list, a bad manifest named at its
 * line and column, health probes that fail and revert, the payloads kept on the host, and a sync cut
 * short (a hypercall error, busy past --timeout, kill -9, SIGINT) that a second sync finishes, with a
 * journal that verifies every time.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { acquireLock } from '../../src/util/lock-file.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { buildIdOf } from '../helpers/sim-host.js';
import { json, simHost, waitFor, type SimHost } from './audit-helpers.js';

interface Entry {
  readonly name: string;
  readonly file: string;
  readonly state: 'applied' | 'uploaded' | 'absent';
  readonly probe?: readonly string[];
}

let home: string;
let lower: string;
let upper: string;
let forOtherXen: string;
let sha: Record<string, string>;
const OTHER_XEN = 'ab'.repeat(20);
let cases = 0;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'xlp-desired-'));
  lower = await buildPayload({ id: 'desired_lower', returns: '-11' });
  upper = await buildPayload({ id: 'desired_upper', returns: '-12', depends: await buildIdOf(lower) });
  forOtherXen = await buildPayload({ id: 'desired_other', returns: '-13', xenDepends: OTHER_XEN, depends: OTHER_XEN });
  sha = Object.fromEntries(await Promise.all([lower, upper, forOtherXen].map(async (path) => [path, createHash('sha256').update(await readFile(path)).digest('hex')])));
}, 120_000);
afterAll(() => rm(home, { recursive: true, force: true }));

/** A fresh simulated host and a directory for its manifests. */
async function freshHost(): Promise<{ host: SimHost; dir: string }> {
  const dir = join(home, `case-${++cases}`);
  const host = simHost(dir);
  expect((await host.xlp(['sim', 'reset', '--build-id', TEST_XEN_BUILD_ID])).exitCode).toBe(0);
  return { host, dir };
}

/** Writes a manifest naming the two payloads by absolute path, for the test's hypervisor build-id. */
async function manifestAt(dir: string, entries: readonly Entry[], buildId = TEST_XEN_BUILD_ID): Promise<string> {
  const lines = ['version: 1', 'hypervisors:', `  - build-id: ${buildId}`, '    payloads:'];
  for (const e of entries) {
    lines.push(`      - name: ${e.name}`, `        state: ${e.state}`);
    if (e.state !== 'absent') lines.push(`        file: ${e.file}`, `        sha256: ${sha[e.file]}`);
    if (e.probe !== undefined) lines.push('        probes:', `          - argv: [${e.probe.map((a) => JSON.stringify(a)).join(', ')}]`, '            timeout: 10');
  }
  const path = join(dir, `site-${++cases}.yaml`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const both = (state: Entry['state'] = 'applied', probe?: readonly string[]): Entry[] => [
  { name: 'lower', file: lower, state: 'applied' },
  { name: 'upper', file: upper, state, ...(probe === undefined ? {} : { probe }) },
];

const listed = async (host: SimHost): Promise<string[]> => json<{ payloads: Array<{ name: string; state: string }> }>(await host.xlp(['list', '--json'])).payloads.map((p) => `${p.name} ${p.state}`);

async function expectJournalVerifies(host: SimHost): Promise<void> {
  const verify = await host.xlp(['audit', 'verify']);
  expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
}

describe('check, plan and sync', () => {
  it('find the drift (exit 11), sync it away in the planned steps, and then find nothing; a second sync changes nothing', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    const drift = await host.xlp(['check', '-f', site, '--json']);
    expect(drift.exitCode).toBe(ExitCode.DRIFT);
    const differences = json<{ differences: Array<{ name: string }> }>(drift).differences.map((d) => d.name);
    expect(differences.sort()).toEqual(['lower', 'upper']);
    const plan = json<{ steps: Array<{ action: string; name: string }> }>(await host.xlp(['plan', '-f', site, '--json']));
    const planned = plan.steps.map((s) => `${s.action} ${s.name}`);
    expect(planned).toEqual(['upload lower', 'apply lower', 'upload upper', 'apply upper']);

    const sync = await host.xlp(['sync', '-f', site, '--json']);
    expect(sync.exitCode, sync.stderr).toBe(0);
    expect(json<{ result: string; steps: Array<{ action: string; name: string; result: string }> }>(sync)).toMatchObject({ result: 'done', steps: plan.steps.map((s) => ({ action: s.action, name: s.name, result: 'done' })) });
    const journaled = (await host.records()).filter((r) => r.type === 'intent').map((r) => `${r.operation as string} ${r.name as string}`);
    expect(journaled).toEqual(planned);
    expect(await listed(host)).toEqual(['lower APPLIED', 'upper APPLIED']);
    expect((await host.xlp(['check', '-f', site])).exitCode).toBe(0);

    const again = await host.xlp(['sync', '-f', site]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to do|already/i);
    expect((await host.records()).filter((r) => r.type === 'intent')).toHaveLength(planned.length);

    // Each payload kept on the host, by its sha256, private.
    for (const file of [lower, upper]) {
      const kept = join(dir, 'sim', 'payloads', sha[file] as string);
      expect((await stat(kept)).mode & 0o777).toBe(0o600);
      expect(createHash('sha256').update(await readFile(kept)).digest('hex')).toBe(sha[file]);
    }
    await expectJournalVerifies(host);
  });

  it('changes a payload below the top by reverting down to it and applying back up', async () => {
    const { host, dir } = await freshHost();
    expect((await host.xlp(['sync', '-f', await manifestAt(dir, both())])).exitCode).toBe(0);
    const site = await manifestAt(dir, [{ name: 'lower', file: lower, state: 'applied' }, { name: 'upper', file: upper, state: 'uploaded' }]);
    const plan = json<{ steps: Array<{ action: string; name: string }> }>(await host.xlp(['plan', '-f', site, '--json']));
    expect(plan.steps.map((s) => `${s.action} ${s.name}`)).toEqual(['revert upper']);
    expect((await host.xlp(['sync', '-f', site])).exitCode).toBe(0);
    expect(await listed(host)).toEqual(['lower APPLIED', 'upper CHECKED']);
    expect((await host.xlp(['check', '-f', site])).exitCode).toBe(0);
    await expectJournalVerifies(host);
  });

  it('carry out a saved plan, and refuse it (exit 17) once the host has moved', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    const saved = join(dir, 'site.plan.json');
    expect((await host.xlp(['plan', '-f', site, '--out', saved])).exitCode).toBe(0);
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    // Someone loads the lower payload by hand in between.
    expect((await host.xlp(['upload', 'lower', lower])).exitCode).toBe(0);
    const stale = await host.xlp(['sync', '-f', site, '--plan', saved, '--json']);
    expect(stale.exitCode).toBe(ExitCode.PLAN_STALE);
    expect(json<{ error: { code: string } }>(stale).error.code).toBe('plan-stale');
    expect(await listed(host)).toEqual(['lower CHECKED']);
    expect((await host.xlp(['plan', '-f', site, '--out', saved])).exitCode).toBe(0);
    expect((await host.xlp(['sync', '-f', site, '--plan', saved])).exitCode).toBe(0);
    expect(await listed(host)).toEqual(['lower APPLIED', 'upper APPLIED']);
    await expectJournalVerifies(host);
  });

  it('do nothing for a hypervisor the manifest does not list (exit 15), and say so', async () => {
    const { host, dir } = await freshHost();
    // A manifest for another hypervisor only, its payload built for that one.
    const site = await manifestAt(dir, [{ name: 'other', file: forOtherXen, state: 'applied' }], OTHER_XEN);
    for (const command of ['check', 'plan', 'sync']) {
      const result = await host.xlp([command, '-f', site, '--json']);
      expect({ command, exitCode: result.exitCode }, result.stdout).toEqual({ command, exitCode: ExitCode.UNLISTED_BUILD });
      expect(json<{ error: { code: string; message: string } }>(result).error).toMatchObject({ code: 'unlisted-build', message: expect.stringContaining(TEST_XEN_BUILD_ID) });
    }
    expect(await listed(host)).toEqual([]);
    expect(await host.records()).toEqual([]);
  });

  it('refuse a bad manifest at its line and column (exit 16), changing nothing', async () => {
    const { host, dir } = await freshHost();
    const site = join(dir, 'bad.yaml');
    await writeFile(site, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: lower\n        file: ${lower}\n        state: applied\n        colour: blue\n`);
    for (const command of ['check', 'plan', 'sync']) {
      const text = await host.xlp([command, '-f', site]);
      expect(text.exitCode).toBe(ExitCode.MANIFEST_INVALID);
      // One line: the first problem, and how many more --json lists.
      expect(text.stderr.trim().split('\n')).toEqual([expect.stringContaining(`${site}:5:9: payload lower has no sha256`)]);
      expect(text.stderr).toContain('(and 1 more problem)');
      const parsed = json<{ error: { problems: Array<{ line: number; column: number }> } }>(await host.xlp([command, '-f', site, '--json']));
      expect(parsed.error.problems.map((p) => `${p.line}:${p.column}`)).toEqual(['5:9', '8:9']);
    }
    expect(await listed(host)).toEqual([]);
  });

  it('dry-run a sync: the steps and their commands, nothing changed or journaled', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    const dry = await host.xlp(['sync', '-f', site, '--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    const steps = json<{ dryRun: boolean; steps: Array<{ action: string; wouldRun: string[] }> }>(dry);
    expect(steps.dryRun).toBe(true);
    expect(steps.steps.map((s) => `${s.action} ${s.wouldRun[0]} ${s.wouldRun[1]}`)).toEqual(['upload xen-livepatch upload', 'apply xen-livepatch apply', 'upload xen-livepatch upload', 'apply xen-livepatch apply']);
    expect(await listed(host)).toEqual([]);
    expect(await host.records()).toEqual([]);
  });
});

describe('health probes', () => {
  it('revert the payload whose probe fails and undo the sync (exit 14), with the probe output journaled', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both('applied', ['/bin/sh', '-c', 'echo guests unhealthy; exit 3']));
    const failed = await host.xlp(['sync', '-f', site]);
    expect(failed.exitCode).toBe(ExitCode.PROBE_FAILED);
    expect(failed.stderr).toContain('guests unhealthy');
    expect(await listed(host)).toEqual([]);
    const outcomes = (await host.records()).filter((r) => r.type === 'outcome');
    const probed = outcomes.find((r) => Array.isArray(r.probes));
    expect(JSON.stringify(probed?.probes)).toContain('guests unhealthy');
    expect((await host.xlp(['check', '-f', site])).exitCode).toBe(ExitCode.DRIFT);
    await expectJournalVerifies(host);

    const healthy = await manifestAt(dir, both('applied', ['/bin/true']));
    expect((await host.xlp(['sync', '-f', healthy])).exitCode).toBe(0);
    expect(await listed(host)).toEqual(['lower APPLIED', 'upper APPLIED']);
  });
});

describe('a sync cut short', () => {
  /** After the cut, a second sync finishes the work and the journal verifies. */
  async function finishes(host: SimHost, site: string): Promise<void> {
    expect((await host.xlp(['sim', 'fault', '--clear'])).exitCode).toBe(0);
    const again = await host.xlp(['sync', '-f', site]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await listed(host)).toEqual(['lower APPLIED', 'upper APPLIED']);
    expect((await host.xlp(['check', '-f', site])).exitCode).toBe(0);
    await expectJournalVerifies(host);
  }

  it('by a hypercall error: the sync undoes its steps and says what the host has', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    expect((await host.xlp(['sim', 'fault', 'sync-errno', '--action', 'apply', '--name', 'upper', '--errno', '12'])).exitCode).toBe(0);
    const failed = await host.xlp(['sync', '-f', site]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr.trim().split('\n').at(-1)).toMatch(/the host now has/);
    expect(await listed(host)).toEqual([]);
    await finishes(host, site);
  });

  it('by a hypervisor busy past --timeout (exit 5)', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    expect((await host.xlp(['sim', 'fault', 'rendezvous-busy', '--action', 'apply', '--name', 'upper', '--persistent'])).exitCode).toBe(0);
    const busy = await host.xlp(['sync', '-f', site, '--timeout', '1']);
    expect(busy.exitCode).toBe(ExitCode.BUSY);
    await finishes(host, site);
  });

  it('by kill -9 in the middle of a step', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    // With the simulator's state lock held, the step under way waits right after its intent is on disk.
    const simLock = await acquireLock(`${host.statePath}.lock`, { timeoutMs: 5000, command: 'test', what: 'sim' });
    const run = host.start(['sync', '-f', site]);
    try {
      await waitFor('the first step journaled', async () => (await host.records()).filter((r) => r.type === 'intent').length === 1);
      run.kill('SIGKILL');
      expect((await run).signal).toBe('SIGKILL');
    } finally {
      await simLock.release();
    }
    await finishes(host, site);
  });

  it('by SIGINT: the step under way ends, the sync stops there (exit 130)', async () => {
    const { host, dir } = await freshHost();
    const site = await manifestAt(dir, both());
    const simLock = await acquireLock(`${host.statePath}.lock`, { timeoutMs: 5000, command: 'test', what: 'sim' });
    const run = host.start(['sync', '-f', site]);
    let seen = '';
    run.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await waitFor('the first step journaled', async () => (await host.records()).some((r) => r.type === 'intent'));
      run.kill('SIGINT');
      await waitFor('xlp to acknowledge the interrupt', async () => seen.includes('SIGINT received'));
    } finally {
      await simLock.release();
    }
    const result = await run;
    expect(result.exitCode).toBe(ExitCode.INTERRUPTED);
    expect((await listed(host)).length).toBeLessThan(2);
    await finishes(host, site);
  });
});
