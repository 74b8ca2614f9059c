/**
 * The same xen-livepatch command sequence, step by step, against the real tool on the real hypervisor
 * and against xlp's fake (bin/sim/xen-livepatch, Xen 4.17 flavour, same hypervisor build-id): stdout,
 * stderr and exit code must be identical. The real tool is the truth; every divergence is listed in
 * the failure message and in .work/xen-vm/differential-report.md.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteForPosixShell } from '../../src/host/ssh/remote-shell.js';
import { REPO, isolatedEnv, type CliResult } from '../helpers/cli.js';
import { EXTRA_FILES, PAYLOAD_FILES, SCENARIO } from './differential-scenario.js';
import { inDom0, isSkip, resetHypervisor, xenVm, type XenVm } from './vm.js';

const vmOrSkip = xenVm();
const REMOTE_DIR = '/tmp/xlp-diff';
const FAKE = join(REPO, 'bin', 'sim', 'xen-livepatch');
const REPORT = join(REPO, '.work', 'xen-vm', 'differential-report.md');

const pad = (index: number): string => String(index).padStart(3, '0');

/** Runs the whole scenario in one ssh session; each step's output lands in files read back NUL-framed. */
async function runOnVm(vm: XenVm, workDir: string): Promise<CliResult[]> {
  const archive = join(workDir, 'files.tar');
  await execa('tar', ['-C', join(workDir, 'files'), '-cf', archive, '.']);
  const copy = await execa('ssh', ['-F', vm.sshConfig, 'xlp-xen-vm', `rm -rf ${REMOTE_DIR} && mkdir ${REMOTE_DIR} && tar -C ${REMOTE_DIR} -xf -`], {
    inputFile: archive,
    reject: false,
  });
  expect(copy.exitCode, copy.stderr).toBe(0);

  const steps = SCENARIO.map((argv, index) => `step ${pad(index)} ${['xen-livepatch', ...argv].map(quoteForPosixShell).join(' ')}`);
  const script = [
    `cd ${REMOTE_DIR} || exit 99`,
    'mkdir -p .out',
    'step() { n=$1; shift; "$@" > .out/$n.stdout 2> .out/$n.stderr; echo $? > .out/$n.exit; }',
    ...steps,
    'for f in .out/*; do printf "%s\\0" "$f"; cat "$f"; printf "\\0"; done',
  ].join('\n');
  const run = await inDom0(vm, script);
  expect(run.exitCode, run.stderr).toBe(0);

  const fields = run.stdout.split('\0');
  const files = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) files.set(fields[index]!, fields[index + 1]!);
  return SCENARIO.map((_, index) => {
    const read = (suffix: string): string => {
      const value = files.get(`.out/${pad(index)}.${suffix}`);
      if (value === undefined) throw new Error(`step ${index} left no ${suffix} in dom0`);
      return value;
    };
    return { stdout: read('stdout'), stderr: read('stderr'), exitCode: Number(read('exit').trim()) };
  });
}

async function runOnFake(vm: XenVm, workDir: string): Promise<CliResult[]> {
  const env = isolatedEnv(join(workDir, 'home'), {
    XLP_SIM_STATE: join(workDir, 'sim-state.json'),
    XLP_SIM_BUILD_ID: vm.buildId,
    XLP_SIM_XEN_VERSION: '4.17',
  });
  const results: CliResult[] = [];
  for (const argv of SCENARIO) {
    const result = await execa(process.execPath, [FAKE, ...argv], {
      cwd: join(workDir, 'files'),
      env,
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    results.push({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 });
  }
  return results;
}

function describeDivergences(real: readonly CliResult[], fake: readonly CliResult[]): string[] {
  const divergences: string[] = [];
  SCENARIO.forEach((argv, index) => {
    const [r, f] = [real[index]!, fake[index]!];
    const differs = (['stdout', 'stderr', 'exitCode'] as const).filter((key) => r[key] !== f[key]);
    if (differs.length === 0) return;
    const lines = [`### step ${index}: xen-livepatch ${argv.map((word) => (word.length > 40 ? `${word.slice(0, 12)}…(${word.length})` : word)).join(' ')}`];
    for (const key of differs) {
      lines.push(`- ${key}`, '  - real: `' + JSON.stringify(r[key]) + '`', '  - fake: `' + JSON.stringify(f[key]) + '`');
    }
    divergences.push(lines.join('\n'));
  });
  return divergences;
}

describe.skipIf(isSkip(vmOrSkip))('fake xen-livepatch vs the real one (Xen 4.17)', () => {
  const vm = vmOrSkip as XenVm;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'xlp-diff-'));
    await mkdir(join(workDir, 'files'));
    for (const name of PAYLOAD_FILES) await copyFile(join(vm.payloadDir, name), join(workDir, 'files', name));
    for (const [name, text] of Object.entries(EXTRA_FILES)) await writeFile(join(workDir, 'files', name), text);
    await resetHypervisor(vm);
  });
  afterAll(async () => {
    if (!isSkip(vmOrSkip)) {
      await resetHypervisor(vm);
      await inDom0(vm, `rm -rf ${REMOTE_DIR}`);
    }
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('gives the same stdout, stderr and exit code at every step', async () => {
    // Independent: the fake runs on this machine while the real tool runs in the VM.
    const [real, fake] = await Promise.all([runOnVm(vm, workDir), runOnFake(vm, workDir)]);
    const divergences = describeDivergences(real, fake);
    const transcript = SCENARIO.map((argv, index) => {
      const { stdout, stderr, exitCode } = real[index]!;
      return `${pad(index)} $ xen-livepatch ${argv.join(' ').slice(0, 60)}\n    exit ${exitCode}, stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`;
    });
    await writeFile(REPORT, [
      `# fake vs real xen-livepatch (Xen 4.17, build-id ${vm.buildId})`,
      `${SCENARIO.length} steps, ${divergences.length} divergent`,
      '',
      ...divergences,
      '',
      '## what the real tool printed',
      '```',
      ...transcript,
      '```',
      '',
    ].join('\n'));
    expect(divergences, `${divergences.length} of ${SCENARIO.length} steps differ (report: ${REPORT}):\n${divergences.join('\n')}`).toEqual([]);
  });
});
