/**
 * The core operations through the built CLI on the simulated host: what users and pipelines see
 * (stdout, stderr, exit codes) and what the hypervisor ends up holding.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { buildIdOf } from '../helpers/sim-host.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let base: string;
let stacked: string;
let withMeta: string;
let hooked: string;

beforeAll(async () => {
  sim = await simCli();
  base = await buildPayload({ id: 'e2e_base' });
  stacked = await buildPayload({ id: 'e2e_stacked', depends: await buildIdOf(base) });
  withMeta = await buildPayload({ id: 'e2e_meta', modinfo: ['XSA=466', 'CVE=CVE-2026-1234'] });
  hooked = await buildPayload({ id: 'e2e_hook', hooks: ['preapply'] });
});
afterAll(() => sim.remove());
beforeEach(() => sim.reset());

const names = async (): Promise<Array<[string, string]>> => (await sim.state()).payloads.map((p) => [p.name, p.state === 2 ? 'APPLIED' : 'CHECKED']);

describe('list', () => {
  it('prints exactly one JSON document on stdout and nothing on stderr', async () => {
    const { result, body } = await sim.json('list');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(body).toEqual({ schemaVersion: 1, host: `sim:${sim.statePath}`, inProgress: null, payloads: [], patchLevel: { order: [], unplaced: [], top: null, advisories: { xsa: [], cve: [] } } });
  });

  it('shows state, errors, build-ids, .modinfo metadata and the patch level as data', async () => {
    expect((await sim.xlp('load', withMeta, '--name', 'xsa-466')).exitCode).toBe(0);
    expect((await sim.xlp('upload', 'second', base)).exitCode).toBe(0);
    const { body } = await sim.json<{ payloads: unknown[]; patchLevel: unknown }>('list');
    const buildId = await buildIdOf(withMeta);
    expect(body.payloads).toEqual([
      { name: 'xsa-466', state: 'APPLIED', rc: 0, buildId, metadata: ['XSA=466', 'CVE=CVE-2026-1234'], modinfo: { XSA: '466', CVE: 'CVE-2026-1234' } },
      { name: 'second', state: 'CHECKED', rc: 0, buildId: await buildIdOf(base), metadata: [], modinfo: {} },
    ]);
    expect(body.patchLevel).toEqual({ order: ['xsa-466'], unplaced: [], top: 'xsa-466', advisories: { xsa: ['466'], cve: ['CVE-2026-1234'] } });
    const table = (await sim.xlp('list')).stdout.split('\n');
    expect(table[1]).toMatch(new RegExp(`^xsa-466\\s+APPLIED\\s+-\\s+${buildId.slice(0, 12)}\\s+XSA=466;CVE=CVE-2026-1234$`));
    expect(table.slice(3)).toEqual(['Applied by xlp, bottom first: xsa-466 (top)', 'Advisories applied: XSA-466 CVE-2026-1234', '']);
  });

  it('names what was applied outside xlp apart, with no known place', async () => {
    const tool = join(REPO, 'bin', 'sim', 'xen-livepatch');
    for (const args of [['upload', 'by-hand', base], ['apply', 'by-hand']]) expect((await execa(tool, args, { env: sim.env, extendEnv: false, reject: false })).exitCode).toBe(0);
    const { body } = await sim.json<{ payloads: Array<{ buildId: unknown }>; patchLevel: unknown }>('list');
    expect(body.payloads[0]?.buildId).toBeNull();
    expect(body.patchLevel).toEqual({ order: [], unplaced: ['by-hand'], top: 'by-hand', advisories: { xsa: [], cve: [] } });
  });
});

describe('load, revert, unload', () => {
  it('loads a payload under its file name and reports the verified bytes', async () => {
    const { result, body } = await sim.json('load', base);
    expect(result.exitCode).toBe(0);
    const name = base.split('/').pop()?.replace(/\.[^.]*$/, '');
    expect(body).toMatchObject({ operation: 'load', name, result: 'done', state: 'APPLIED' });
    expect(body.sha256).toBe(createHash('sha256').update(await readFile(base)).digest('hex'));
    expect(body.buildId).toBe(await buildIdOf(base));
    expect(body.checks).toMatchObject({ unchecked: [], skipped: [] });
    expect(body.checks).toHaveProperty('passed', expect.arrayContaining(['xen_depends matches the running hypervisor']));
    expect(await names()).toEqual([[name, 'APPLIED']]);
  });

  it('walks a payload through its whole life one operation at a time', async () => {
    const steps: Array<[string[], string]> = [
      [['upload', 'xsa', base], 'CHECKED'],
      [['apply', 'xsa'], 'APPLIED'],
      [['revert', 'xsa'], 'CHECKED'],
      [['apply', 'xsa'], 'APPLIED'],
      [['revert', 'xsa'], 'CHECKED'],
      [['unload', 'xsa'], 'absent'],
    ];
    for (const [args, state] of steps) {
      const { result, body } = await sim.json(...args);
      expect(result.exitCode, args.join(' ')).toBe(0);
      expect(body.state).toBe(state);
    }
    expect(await names()).toEqual([]);
  });

  it('says so and exits 0 when there is nothing to do', async () => {
    await sim.xlp('load', base, '--name', 'xsa');
    const again = await sim.xlp('apply', 'xsa');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('xsa: already APPLIED on ' + `sim:${sim.statePath}, nothing to do.\n`);
    await sim.xlp('revert', 'xsa');
    const { body } = await sim.json('revert', 'xsa');
    expect(body.result).toBe('unchanged');
  });

  it('re-runs of load and upload with the same file change nothing and exit 0', async () => {
    expect((await sim.xlp('load', base, '--name', 'xsa')).exitCode).toBe(0);
    const again = await sim.json<{ result: string; state: string; checks: { passed: string[] } }>('load', base, '--name', 'xsa');
    expect(again.result.exitCode).toBe(0);
    expect(again.body).toMatchObject({ result: 'unchanged', state: 'APPLIED', steps: [] });
    expect(again.body.checks.passed).toContainEqual(expect.stringMatching(/^xsa is already loaded \(APPLIED\) with these very bytes \(sha256 [0-9a-f]{64}\)$/));
    const upload = await sim.json<{ result: string; state: string }>('upload', 'xsa', base);
    expect(upload.body).toMatchObject({ result: 'unchanged', state: 'APPLIED' });
    expect(await names()).toEqual([['xsa', 'APPLIED']]);
  });

  it('finishes a load whose upload an earlier run already did', async () => {
    await sim.xlp('upload', 'xsa', base);
    const { result, body } = await sim.json('load', base, '--name', 'xsa');
    expect(result.exitCode).toBe(0);
    expect(body).toMatchObject({ result: 'done', state: 'APPLIED', steps: ['apply'] });
    expect(await names()).toEqual([['xsa', 'APPLIED']]);
  });

  it('refuses a name taken by a different payload, naming both build-ids', async () => {
    await sim.xlp('load', base, '--name', 'xsa');
    const { result, body } = await sim.json<{ error: { code: string; message: string } }>('load', withMeta, '--name', 'xsa');
    expect(result.exitCode).toBe(4);
    expect(body.error.message).toMatch(new RegExp(`^the name xsa is taken by a different payload \\(build-id ${await buildIdOf(base)}, sha256 [0-9a-f]{64}; this file's: build-id ${await buildIdOf(withMeta)}, sha256 [0-9a-f]{64}\\), APPLIED$`));
    expect(await names()).toEqual([['xsa', 'APPLIED']]);
  });

  it('keeps progress on stderr and one result line on stdout', async () => {
    const result = await sim.xlp('load', base, '--name', 'xsa');
    expect(result.stdout).toBe(`xsa: uploaded and applied on sim:${sim.statePath} (now APPLIED).\n`);
    expect(result.stderr).toMatch(/Upload xsa/);
    expect(result.stderr).toMatch(/Apply xsa/);
    expect((await sim.xlp('revert', 'xsa', '--quiet')).stderr).toBe('');
  });
});

describe('the applied stack', () => {
  it('applies a stacked payload on top and refuses to revert the one below it', async () => {
    await sim.xlp('load', base, '--name', 'bottom');
    expect((await sim.xlp('load', stacked, '--name', 'top')).exitCode).toBe(0);
    const refused = await sim.xlp('revert', 'bottom');
    expect(refused.exitCode).toBe(6);
    // Progress lines come first; the error is one line, the last.
    const lines = refused.stderr.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('xlp: error:'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^xlp: error: .*bottom.*top/);
    expect(await names()).toEqual([
      ['bottom', 'APPLIED'],
      ['top', 'APPLIED'],
    ]);
    expect((await sim.xlp('revert', 'top')).exitCode).toBe(0);
    expect((await sim.xlp('revert', 'bottom')).exitCode).toBe(0);
  });

  it('refuses to unload an applied payload', async () => {
    await sim.xlp('load', base, '--name', 'xsa');
    const { result, body } = await sim.json<{ error: { code: string } }>('unload', 'xsa');
    expect(result.exitCode).toBe(6);
    expect(body.error.code).toBe('wrong-state');
    expect(await names()).toEqual([['xsa', 'APPLIED']]);
  });

  it('replaces the whole stack with a cumulative payload', async () => {
    await sim.xlp('load', base, '--name', 'bottom');
    await sim.xlp('load', stacked, '--name', 'top');
    await sim.xlp('upload', 'cumulative', withMeta);
    const { result, body } = await sim.json('replace', 'cumulative');
    expect(result.exitCode).toBe(0);
    expect(body).toMatchObject({ operation: 'replace', state: 'APPLIED', result: 'done' });
    expect(await names()).toEqual([
      ['bottom', 'CHECKED'],
      ['top', 'CHECKED'],
      ['cumulative', 'APPLIED'],
    ]);
  });
});

describe('rollback', () => {
  it('unloads what a load uploaded when the apply fails, and says so', async () => {
    await sim.fault({ kind: 'sync-errno', action: 'apply', errno: 12 });
    const result = await sim.xlp('load', base, '--name', 'xsa');
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^xlp: error: .*ENOMEM.*; rolled back: xsa was unloaded again, nothing changed/);
    expect(result.stderr).toMatch(/Roll back: unload xsa/);
    expect(await names()).toEqual([]);
    const journal = await sim.json<{ changes: Array<Record<string, unknown>> }>('audit', 'log');
    expect(journal.body.changes.at(-1)).toMatchObject({ operation: 'load', name: 'xsa', result: 'rolled-back' });
  });

  it('keeps the payload only when the hypervisor will not let it go, and names the way out', async () => {
    await sim.fault({ kind: 'sync-errno', action: 'apply', errno: 12 });
    await sim.fault({ kind: 'sync-errno', action: 'unload', errno: 16, persistent: true });
    const { result, body } = await sim.json<{ error: { code: string; message: string; hint: string; rollback: unknown } }>('load', base, '--name', 'xsa', '--timeout', '1');
    // Told apart from a clean rollback: its own exit code, and the state the host was left in.
    expect(result.exitCode).toBe(12);
    expect(body.error).toMatchObject({ code: 'rollback-failed', hint: "run 'xlp unload xsa' once the hypervisor is idle" });
    expect(body.error.message).toMatch(/ENOMEM.*; rolling back \(unload xsa\) failed too \(.*\): xsa is left CHECKED$/);
    expect(body.error.rollback).toEqual({ steps: ['unload xsa'], succeeded: false, state: 'CHECKED', error: expect.stringContaining('busy') });
    expect(await names()).toEqual([['xsa', 'CHECKED']]);
  });
});

describe('errors in the hypervisor\'s words', () => {
  it("names a payload hook's veto as such, and rolls the load back", async () => {
    await sim.fault({ kind: 'hook-veto', action: 'apply', errno: 1 });
    const { result, body } = await sim.json<{ error: { code: string; message: string; hint: string } }>('load', hooked, '--name', 'hk');
    expect(result.exitCode).toBe(4);
    expect(body.error.code).toBe('hook-veto');
    expect(body.error.message).toBe('the preapply hook of hk refused the apply: errno 1 EPERM (Operation not permitted); rolled back: hk was unloaded again, nothing changed');
    expect(body.error.hint).not.toMatch(/root|depends|build-id/);
    expect(await names()).toEqual([]);
  });

  it('names every errno Xen can return, such as EIO', async () => {
    await sim.xlp('upload', 'xsa', base);
    await sim.fault({ kind: 'sync-errno', action: 'apply', errno: 5 });
    const result = await sim.xlp('apply', 'xsa');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('errno 5 EIO (Input/output error)');
    expect(result.stderr).not.toContain('Unknown error');
  });
});

describe('a busy hypervisor', () => {
  it('follows an action that outlasts the tool’s 60 ms wait to its end', async () => {
    await sim.xlp('upload', 'xsa', base);
    await sim.fault({ kind: 'incomplete', action: 'apply', durationMs: 400 });
    const { result, body } = await sim.json('apply', 'xsa');
    expect(result.exitCode).toBe(0);
    expect(body).toMatchObject({ result: 'done', state: 'APPLIED' });
    const outputs = body.outputs as Array<{ stderr: string }>;
    expect(outputs[0]?.stderr).toBe("Operation didn't complete.\n");
  });

  it('gives up with exit 5 when --timeout runs out first', async () => {
    await sim.xlp('upload', 'xsa', base);
    await sim.fault({ kind: 'incomplete', action: 'apply', durationMs: 5000 });
    const { result, body } = await sim.json<{ error: { code: string } }>('apply', 'xsa', '--timeout', '0');
    expect(result.exitCode).toBe(5);
    expect(body.error.code).toBe('busy-timeout');
  });

  it('retries when the CPUs failed to rendezvous', async () => {
    await sim.xlp('upload', 'xsa', base);
    await sim.fault({ kind: 'rendezvous-busy', action: 'apply', count: 2 });
    const result = await sim.xlp('apply', 'xsa', '--json');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).state).toBe('APPLIED');
  });
});
