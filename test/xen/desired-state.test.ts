/**
 * The desired-state layer (xlp plan, sync, check -f MANIFEST) against a real Xen hypervisor over ssh:
 * xlp runs on this machine, the manifest names payloads built for the running hypervisor
 * (scripts/xen-vm/build-payloads.sh), and every effect is checked through an independent channel (raw
 * ssh in dom0: `xen-livepatch list`, `xl info`, the kept store under /var/lib/xlp).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { isolatedEnv, runXlp, type CliResult } from '../helpers/cli.js';
import { inDom0, isSkip, resetHypervisor, xenLabel, xenVm, xlInfo, xlpOn, type XenVm } from './vm.js';

const vmOrSkip = xenVm();
/** Each test runs 10-20 xlp commands over ssh against a TCG-emulated dom0: seconds each, more under load. */
const SCENARIO_TIMEOUT_MS = 600_000;

interface Entry {
  readonly name: string;
  /** The payload file's name in the VM's payload directory, without .livepatch (default: name). */
  readonly file?: string;
  readonly state: 'applied' | 'uploaded' | 'absent';
  readonly probe?: readonly string[];
}

interface PlanJson {
  readonly steps: readonly { readonly action: string; readonly name: string }[];
  readonly differences: readonly { readonly name: string; readonly kind: string }[];
}

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}): ${result.stdout}\n${result.stderr}`);
  }
}

const expectExit = (result: CliResult, exitCode: number): void => {
  expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(exitCode);
};

describe.skipIf(isSkip(vmOrSkip))(`xlp plan, sync and check against real ${xenLabel(vmOrSkip)}`, () => {
  const vm = vmOrSkip as XenVm;
  let home: string;
  let manifest: string;
  let xlp: (args: readonly string[]) => Promise<CliResult>;
  /** xlp on this machine without a host: the audit commands read the journal every run above wrote. */
  let local: (args: readonly string[]) => Promise<CliResult>;
  const sha256 = new Map<string, string>();
  const path = (file: string): string => join(vm.payloadDir, `${file}.livepatch`);

  /** Writes the manifest: one hypervisor entry (the running build-id), the payloads in stack order. */
  const writeManifest = async (entries: readonly Entry[]): Promise<void> => {
    const lines = ['version: 1', 'hypervisors:', `  - build-id: "${vm.buildId}"`, '    payloads:'];
    for (const e of entries) {
      lines.push(`      - name: ${e.name}`, `        state: ${e.state}`);
      if (e.state === 'absent') continue;
      const file = e.file ?? e.name;
      lines.push(`        file: ${JSON.stringify(path(file))}`, `        sha256: "${sha256.get(file)}"`);
      if (e.probe !== undefined) lines.push('        probes:', `          - argv: ${JSON.stringify(e.probe)}`, '            timeout: 20');
    }
    await writeFile(manifest, `${lines.join('\n')}\n`);
  };
  /** The hypervisor's own view, without xlp: `xen-livepatch list` rows in the order it lists them. */
  const rawList = async (): Promise<[string, string][]> => {
    const { stdout } = await inDom0(vm, 'xen-livepatch list');
    const rows = stdout.split('\n').slice(2).filter((line) => line.includes('|'));
    return rows.map((line) => line.split('|').map((cell) => cell.trim())).map(([name, state]) => [String(name), String(state)]);
  };
  const rawStates = async (): Promise<Record<string, string>> => Object.fromEntries(await rawList());
  const check = (): Promise<CliResult> => xlp(['check', '-f', manifest, '--json']);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'xlp-xen-desired-'));
    manifest = join(home, 'site.yaml');
    // A sync of six steps over ssh to a TCG dom0 can take minutes under load: more than runXlp's default.
    xlp = xlpOn(vm, home, 300_000);
    local = (args) => runXlp(args, isolatedEnv(home));
    for (const file of ['xenlab1', 'xenlab1-rebuilt', 'xenlab2', 'xenlab3']) sha256.set(file, createHash('sha256').update(await readFile(path(file))).digest('hex'));
    await resetHypervisor(vm);
  });
  beforeEach(async () => {
    await resetHypervisor(vm);
  });
  afterAll(async () => {
    if (!isSkip(vmOrSkip)) await resetHypervisor(vm);
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('syncs two stacked payloads in order, keeps their bytes in dom0, and a second sync changes nothing', async () => {
    await writeManifest([
      { name: 'xenlab1', state: 'applied' },
      { name: 'xenlab2', state: 'applied' },
    ]);
    expectExit(await check(), ExitCode.DRIFT);
    const plan = json<PlanJson>(await xlp(['plan', '-f', manifest, '--json']));
    expect(plan.steps.map((s) => `${s.action} ${s.name}`)).toEqual(['upload xenlab1', 'apply xenlab1', 'upload xenlab2', 'apply xenlab2']);

    const sync = await xlp(['sync', '-f', manifest, '--json']);
    expectExit(sync, 0);
    expect(json<{ result: string }>(sync).result).toBe('done');
    // xen-livepatch lists payloads in the order they were loaded: here, the order they were applied in.
    expect(await rawList()).toEqual([
      ['xenlab1', 'APPLIED'],
      ['xenlab2', 'APPLIED'],
    ]);
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');
    expect(await xlInfo(vm, 'xen_changeset')).toBe('xenlab2-stacked');
    const checked = await check();
    expectExit(checked, 0);
    expect(json<{ inSync: boolean; differences: unknown[] }>(checked)).toMatchObject({ inSync: true, differences: [] });

    // The store on dom0: each payload under its sha256, private to root, the very bytes of the file.
    for (const file of ['xenlab1', 'xenlab2']) {
      const kept = `/var/lib/xlp/payloads/${sha256.get(file)}`;
      const { stdout, exitCode } = await inDom0(vm, `stat -c '%a %U' ${kept} /var/lib/xlp/payloads && sha256sum ${kept}`);
      expect(exitCode).toBe(0);
      expect(stdout).toBe(`600 root\n700 root\n${sha256.get(file)}  ${kept}\n`);
    }

    const again = await xlp(['sync', '-f', manifest, '--json']);
    expectExit(again, 0);
    expect(json<{ result: string; steps: unknown[] }>(again)).toMatchObject({ result: 'unchanged', steps: [] });
  }, SCENARIO_TIMEOUT_MS);

  it('replacing the payload below the top reverts down to it and applies back up', async () => {
    await writeManifest([
      { name: 'xenlab1', state: 'applied' },
      { name: 'xenlab2', state: 'applied' },
    ]);
    expectExit(await xlp(['sync', '-f', manifest, '--json']), 0);
    // Rebuilt (without its .comment): other bytes, the same build-id, so xenlab2 still stacks on it.
    await writeManifest([
      { name: 'xenlab1', file: 'xenlab1-rebuilt', state: 'applied' },
      { name: 'xenlab2', state: 'applied' },
    ]);
    const drift = await check();
    expectExit(drift, ExitCode.DRIFT);
    expect(json<PlanJson>(drift).differences).toContainEqual(expect.objectContaining({ name: 'xenlab1', kind: 'bytes' }));

    const plan = json<PlanJson>(await xlp(['plan', '-f', manifest, '--json']));
    expect(plan.steps.map((s) => `${s.action} ${s.name}`)).toEqual(['revert xenlab2', 'revert xenlab1', 'unload xenlab1', 'upload xenlab1', 'apply xenlab1', 'apply xenlab2']);
    const sync = await xlp(['sync', '-f', manifest, '--json']);
    expectExit(sync, 0);
    expect(json<PlanJson>(sync).steps.map((s) => `${s.action} ${s.name}`)).toEqual(plan.steps.map((s) => `${s.action} ${s.name}`));
    // xen-livepatch lists payloads in the order they were loaded (xenlab1 is now the later one); Xen
    // applied xenlab2 only on top of xenlab1 (its depends), and both patches are live.
    expect(await rawStates()).toEqual({ xenlab1: 'APPLIED', xenlab2: 'APPLIED' });
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');
    expect(await xlInfo(vm, 'xen_changeset')).toBe('xenlab2-stacked');
    expectExit(await check(), 0);

    // The lower payload retired to uploaded: the one above it must go too (it stacks on it).
    await writeManifest([
      { name: 'xenlab1', file: 'xenlab1-rebuilt', state: 'uploaded' },
      { name: 'xenlab2', state: 'absent' },
      { name: 'xenlab3', state: 'applied' },
    ]);
    const down = json<PlanJson>(await xlp(['plan', '-f', manifest, '--json'])).steps.map((s) => `${s.action} ${s.name}`);
    // Down the stack from the top, then up with what the manifest now applies.
    expect(down.slice(0, 2)).toEqual(['revert xenlab2', 'revert xenlab1']);
    expect(down).toContain('unload xenlab2');
    expect(down.at(-1)).toBe('apply xenlab3');
    const synced = await xlp(['sync', '-f', manifest, '--json']);
    expectExit(synced, 0);
    expect(json<PlanJson>(synced).steps.map((s) => `${s.action} ${s.name}`)).toEqual(down);
    expect(await rawStates()).toEqual({ xenlab1: 'CHECKED', xenlab3: 'APPLIED' });
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab3-repl');
    expectExit(await check(), 0);
  }, SCENARIO_TIMEOUT_MS);

  it('a failing health probe reverts the payload, leaves the host as it started, and the journal keeps its output', async () => {
    await writeManifest([{ name: 'xenlab1', state: 'applied' }]);
    expectExit(await xlp(['sync', '-f', manifest, '--json']), 0);
    // The probe runs in dom0 (busybox's sh), without a shell of xlp's: its words arrive as they are.
    const probe = ['/bin/sh', '-c', 'echo "guest health: 2 of 3 guests down" >&2; exit 3'];
    await writeManifest([
      { name: 'xenlab1', state: 'applied' },
      { name: 'xenlab2', state: 'applied', probe },
    ]);
    const sync = await xlp(['sync', '-f', manifest, '--json']);
    expectExit(sync, ExitCode.PROBE_FAILED);
    const { error } = json<{ error: { code: string; message: string } }>(sync);
    expect(error.code).toBe('probe-failed');
    expect(error.message).toContain('guest health: 2 of 3 guests down');
    expect(await rawList()).toEqual([['xenlab1', 'APPLIED']]);
    expect(await xlInfo(vm, 'xen_changeset')).toBe('');

    const log = await local(['audit', 'log', '--name', 'xenlab2', '--op', 'apply', '--json']);
    expectExit(log, 0);
    const probes = json<{ changes: { probes?: { argv: string[]; exitCode: number | null; stderr: string }[] }[] }>(log).changes.flatMap((c) => c.probes ?? []);
    expect(probes).toEqual([expect.objectContaining({ argv: probe, exitCode: 3, stderr: 'guest health: 2 of 3 guests down\n' })]);
    expect((await local(['audit', 'log', '--name', 'xenlab2', '--op', 'apply'])).stdout).toContain('stderr: guest health: 2 of 3 guests down');
    expectExit(await local(['audit', 'verify', '--json']), 0);

    // /bin/false, dom0 busybox's applet, fails the same way with nothing to say.
    await writeManifest([
      { name: 'xenlab1', state: 'applied' },
      { name: 'xenlab2', state: 'applied', probe: ['/bin/false'] },
    ]);
    expectExit(await xlp(['sync', '-f', manifest, '--json']), ExitCode.PROBE_FAILED);
    expect(await rawList()).toEqual([['xenlab1', 'APPLIED']]);
    expectExit(await local(['audit', 'verify', '--json']), 0);
  }, SCENARIO_TIMEOUT_MS);

  it('check reports drift made behind xlp’s back with the raw tool', async () => {
    await writeManifest([
      { name: 'xenlab1', state: 'applied' },
      { name: 'xenlab2', state: 'applied' },
    ]);
    expectExit(await xlp(['sync', '-f', manifest, '--json']), 0);
    const reverted = await inDom0(vm, 'xen-livepatch revert xenlab2');
    expect(reverted.exitCode, reverted.stderr).toBe(0);

    const drift = await check();
    expectExit(drift, ExitCode.DRIFT);
    const result = json<PlanJson & { inSync: boolean }>(drift);
    expect(result.inSync).toBe(false);
    expect(result.differences).toEqual([expect.objectContaining({ name: 'xenlab2', kind: 'state' })]);
    // Human output lists the difference too.
    const text = await xlp(['check', '-f', manifest]);
    expectExit(text, ExitCode.DRIFT);
    expect(text.stdout).toContain('xenlab2');

    expectExit(await xlp(['sync', '-f', manifest, '--json']), 0);
    expectExit(await check(), 0);
  }, SCENARIO_TIMEOUT_MS);
});
