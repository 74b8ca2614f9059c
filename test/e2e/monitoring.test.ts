/**
 * `xlp status --nagios` and `xlp check --nagios` through the built CLI on the simulated host: one
 * line in the Monitoring Plugins format on stdout, and their exit codes 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN, for the situations monitoring is there to catch (a reboot that dropped the patches, a
 * payload loaded behind xlp's back, drift from the manifest, a hypervisor out of reach, a bad flag).
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let first: string;
let second: string;
beforeAll(async () => {
  sim = await simCli();
  [first, second] = await Promise.all([buildPayload({ id: 'mon_a', modinfo: ['XSA=466', 'CVE=CVE-2026-1'] }), buildPayload({ id: 'mon_b' })]);
});
afterAll(() => sim.remove());
// Each test starts from a fresh host with no history: no journal, no record of the host.
beforeEach(async () => {
  await Promise.all([rm(sim.env.XLP_AUDIT_LOG as string, { force: true }), rm(join(sim.home, 'sim', 'hosts'), { recursive: true, force: true })]);
  await sim.reset();
});

const PLUGIN_LINE = /^XLP (OK|WARNING|CRITICAL|UNKNOWN) - [^\n|]+( \| [^\n]+)?\n?$/;

async function nagios(...args: string[]): Promise<{ exitCode: number; line: string }> {
  const result = await sim.xlp(...args, '--nagios');
  expect(result.stdout, result.stderr).toMatch(PLUGIN_LINE);
  return { exitCode: result.exitCode, line: result.stdout.trim() };
}

describe('xlp status --nagios', () => {
  it('is OK with the counts, the top of the stack and perfdata', async () => {
    expect((await sim.xlp('load', first, '--name', 'xsa-466')).exitCode).toBe(0);
    expect((await sim.xlp('upload', 'xsa-467', second)).exitCode).toBe(0);
    const { exitCode, line } = await nagios('status');
    expect(line).toMatch(/^XLP OK - 1 applied \(top xsa-466\), 1 checked on sim:.* \| applied=1;;;0 checked=1;;;0$/);
    expect(exitCode).toBe(0);
  });

  it('is CRITICAL when a payload recorded as applied is gone after a reboot', async () => {
    await sim.xlp('load', first, '--name', 'xsa-466');
    await sim.reset();
    const { exitCode, line } = await nagios('status');
    expect(line).toMatch(/^XLP CRITICAL - xsa-466 missing \(was APPLIED\) \(0 applied, 0 checked on .*\) \| applied=0;;;0 checked=0;;;0$/);
    expect(exitCode).toBe(2);
  });

  it('is WARNING for a payload loaded outside xlp, and for a CHECKED one a replace superseded', async () => {
    const tool = await execa(join(REPO, 'bin', 'sim', 'xen-livepatch'), ['upload', 'by-hand', first], { env: sim.env, extendEnv: false, reject: false });
    expect(tool.exitCode, tool.stderr).toBe(0);
    const outside = await nagios('status');
    expect(outside).toEqual({ exitCode: 1, line: expect.stringMatching(/^XLP WARNING - by-hand loaded outside xlp \(/) });

    await sim.reset();
    await sim.xlp('load', first, '--name', 'xsa-466');
    await sim.xlp('upload', 'cumulative', second);
    expect((await sim.xlp('replace', 'cumulative')).exitCode).toBe(0);
    const stale = await nagios('status');
    expect(stale).toEqual({ exitCode: 1, line: expect.stringMatching(/^XLP WARNING - xsa-466 stale CHECKED \(xlp prune\) \(1 applied \(top cumulative\)/) });
  });

  it('is CRITICAL for a journal xlp cannot read past', async () => {
    await sim.xlp('load', first, '--name', 'xsa-466');
    const journal = sim.env.XLP_AUDIT_LOG as string;
    await writeFile(journal, `${(await readFile(journal, 'utf8')).replace(/"seq":1,/, '"seq":7,')}`);
    const { exitCode, line } = await nagios('status');
    expect(line).toMatch(/^XLP CRITICAL - journal broken at line 1/);
    expect(exitCode).toBe(2);
  });

  it('is UNKNOWN when the hypervisor cannot be reached, and for a bad flag', async () => {
    await sim.fault({ kind: 'no-handle', persistent: true });
    const unreachable = await nagios('status');
    expect(unreachable.exitCode).toBe(3);
    expect(unreachable.line).toMatch(/^XLP UNKNOWN - /);
    const badFlag = await nagios('status', '--no-such-flag');
    expect(badFlag).toEqual({ exitCode: 3, line: expect.stringMatching(/^XLP UNKNOWN - .*--no-such-flag/) });
    expect((await sim.xlp('status', '--nagios', '--json')).exitCode).toBe(3);
  });
});

describe('xlp check --nagios', () => {
  it('is OK in sync and CRITICAL on drift, naming each difference', async () => {
    const sha256 = createHash('sha256').update(await readFile(first)).digest('hex');
    const manifest = join(sim.home, 'site.yaml');
    await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: xsa-466\n        file: ${first}\n        sha256: ${sha256}\n        state: applied\n`);
    const drift = await nagios('check', '-f', manifest);
    expect(drift).toEqual({ exitCode: 2, line: expect.stringMatching(/^XLP CRITICAL - xsa-466 missing \(drift from .*site\.yaml\) \| applied=0;;;0 checked=0;;;0 differences=1;;;0$/) });
    expect((await sim.xlp('sync', '-f', manifest)).exitCode).toBe(0);
    expect(await nagios('check', '-f', manifest)).toEqual({ exitCode: 0, line: expect.stringMatching(/^XLP OK - .* carries what .*site\.yaml says \| applied=1;;;0 checked=0;;;0 differences=0;;;0$/) });
  });

  it('is UNKNOWN for a build-id the manifest does not list, not CRITICAL', async () => {
    const manifest = join(sim.home, 'other.yaml');
    await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${'ab'.repeat(20)}\n    payloads: []\n`);
    const { exitCode, line } = await nagios('check', '-f', manifest);
    expect(exitCode).toBe(3);
    expect(line).toMatch(/^XLP UNKNOWN - /);
  });
});
