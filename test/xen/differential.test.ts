/**
 * The same xen-livepatch (and `xl debug-keys x`) command sequence, step by step, against the real tools
 * on the real hypervisor and against xlp's fakes (bin/sim/xen-livepatch and bin/sim/xl, playing the
 * xen_version the VM's `xl info` reports, with the same hypervisor build-id): stdout, stderr, exit code
 * and the hypervisor console lines each step adds must be identical (addresses aside). The real tool is the truth; every divergence is listed in the failure
 * message and in .work/xen-vm/<series>/differential-report.md.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFakeXl } from '../../src/host/sim/fake-xl.js';
import { quoteForPosixShell } from '../../src/host/ssh/remote-shell.js';
import { REPO, isolatedEnv } from '../helpers/cli.js';
import { EXTRA_FILES, KNOWN_DIVERGENCES, PAYLOAD_FILES, SCENARIO, stepCommand, type KnownDivergence } from './differential-scenario.js';
import { inDom0, isSkip, resetHypervisor, xenLabel, xenVm, type XenVm } from './vm.js';

const vmOrSkip = xenVm();
const REMOTE_DIR = '/tmp/xlp-diff';
const FAKES: Record<string, string> = { 'xen-livepatch': join(REPO, 'bin', 'sim', 'xen-livepatch'), xl: join(REPO, 'bin', 'sim', 'xl') };
/** Each side's whole run of the scenario: a TCG guest, or a Node start per step, on a loaded 2-core machine. */
const STEP_TIMEOUT_MS = 240_000;

/** One step on one side: the tool's streams and exit code, and what it added to the console ring. */
interface StepResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly console: string;
}
const COMPARED = ['stdout', 'stderr', 'exitCode', 'console'] as const;

const pad = (index: number): string => String(index).padStart(3, '0');

const MARKER = 'xlp-differential-step';

/**
 * Runs the whole scenario in one ssh session; each step's output lands in files read back NUL-framed.
 * The console: the ring is emptied first (`xl dmesg -c`), each step is preceded by a marker line that
 * dom0 writes to its console (/dev/hvc0, copied into Xen's ring by boot.sh's `console_to_ring`), and
 * one `xl dmesg` at the end is cut at the markers: an `xl` per step would cost ~0.5 s each under TCG.
 */
async function runOnVm(vm: XenVm, workDir: string): Promise<StepResult[]> {
  const archive = join(workDir, 'files.tar');
  await execa('tar', ['-C', join(workDir, 'files'), '-cf', archive, '.']);
  const copy = await execa('ssh', ['-F', vm.sshConfig, 'xlp-xen-vm', `rm -rf ${REMOTE_DIR} && mkdir ${REMOTE_DIR} && tar -C ${REMOTE_DIR} -xf -`], {
    inputFile: archive,
    reject: false,
  });
  expect(copy.exitCode, copy.stderr).toBe(0);

  const steps = SCENARIO.map((step, index) => `step ${pad(index)} ${stepCommand(step).map(quoteForPosixShell).join(' ')}`);
  const script = [
    `cd ${REMOTE_DIR} || exit 99`,
    'mkdir -p .out',
    'xl dmesg -c > /dev/null',
    `step() { n=$1; shift; echo "${MARKER} $n" > /dev/hvc0; "$@" > .out/$n.stdout 2> .out/$n.stderr; echo $? > .out/$n.exit; }`,
    ...steps,
    `echo "${MARKER} end" > /dev/hvc0`,
    'xl dmesg > .out/console',
    'for f in .out/*; do printf "%s\\0" "$f"; cat "$f"; printf "\\0"; done',
  ].join('\n');
  const run = await inDom0(vm, script, STEP_TIMEOUT_MS);
  expect(run.exitCode, `${run.stderr} (ssh ends with 255 when its time runs out)`).toBe(0);

  const fields = run.stdout.split('\0');
  const files = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) files.set(fields[index]!, fields[index + 1]!);
  const read = (file: string): string => {
    const value = files.get(`.out/${file}`);
    if (value === undefined) throw new Error(`the scenario left no ${file} in dom0 of Xen ${vm.series}`);
    return value;
  };
  const consoles = splitConsole(read('console'));
  return SCENARIO.map((_, index) => ({
    stdout: read(`${pad(index)}.stdout`),
    stderr: read(`${pad(index)}.stderr`),
    exitCode: Number(read(`${pad(index)}.exit`).trim()),
    console: consoles.get(pad(index)) ?? '',
  }));
}

/** Xen's own lines of the ring, by the step whose marker precedes them (dom0's lines are dropped). */
function splitConsole(ring: string): Map<string, string> {
  const byStep = new Map<string, string>();
  let step: string | undefined;
  for (const line of ring.replaceAll('\r', '').split('\n')) {
    const marker = line.startsWith(`${MARKER} `) ? line.slice(MARKER.length + 1) : undefined;
    if (marker !== undefined) step = marker;
    else if (step !== undefined && line.startsWith('(XEN)')) byStep.set(step, `${byStep.get(step) ?? ''}${line}\n`);
  }
  if (step !== 'end') throw new Error(`the console ring lost the step markers (last seen: ${step ?? 'none'})`);
  return byStep;
}

async function runOnFake(vm: XenVm, workDir: string): Promise<StepResult[]> {
  const env = isolatedEnv(join(workDir, 'home'), {
    XLP_SIM_STATE: join(workDir, 'sim-state.json'),
    XLP_SIM_BUILD_ID: vm.buildId,
    XLP_SIM_XEN_VERSION: vm.xenVersion,
  });
  const results: StepResult[] = [];
  for (const step of SCENARIO) {
    const [program, ...argv] = stepCommand(step);
    const result = await execa(process.execPath, [FAKES[program!]!, ...argv], {
      cwd: join(workDir, 'files'),
      env,
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    // The fake xl in-process: the same code bin/sim/xl runs, without a Node start per step.
    const ring = await runFakeXl(['dmesg', '-c'], env);
    results.push({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1, console: ring.stdout });
  }
  return results;
}

/** Hypervisor addresses (16 hex digits) are the fake's own invention; everything else must match. */
const comparable = (result: StepResult, key: (typeof COMPARED)[number]): string | number =>
  key === 'console' ? result.console.replace(/\b[0-9a-f]{16}\b/g, '<address>') : result[key];

const shortCommand = (index: number): string =>
  stepCommand(SCENARIO[index]!).map((word) => (word.length > 40 ? `${word.slice(0, 12)}…(${word.length})` : word)).join(' ');

interface Comparison {
  /** Each differing step, as a report section. */
  readonly divergences: string[];
  /** The KNOWN_DIVERGENCES seen, as report sections. */
  readonly known: string[];
  /** KNOWN_DIVERGENCES that did not occur: the fake was fixed, or the scenario changed. */
  readonly stale: readonly KnownDivergence[];
}

function compare(real: readonly StepResult[], fake: readonly StepResult[]): Comparison {
  const divergences: string[] = [];
  const known: string[] = [];
  const seen = new Set<KnownDivergence>();
  SCENARIO.forEach((_, index) => {
    const [r, f] = [real[index]!, fake[index]!];
    const command = stepCommand(SCENARIO[index]!).join('\0');
    const section = (keys: readonly (typeof COMPARED)[number][]): string =>
      [`### step ${index}: ${shortCommand(index)}`, ...keys.flatMap((key) => [`- ${key}`, '  - real: `' + JSON.stringify(r[key]) + '`', '  - fake: `' + JSON.stringify(f[key]) + '`'])].join('\n');
    const isKnown = (key: (typeof COMPARED)[number]): boolean => {
      const entry = KNOWN_DIVERGENCES.find((k) => k.command.join('\0') === command && k.key === key && k.real === r[key] && k.fake === f[key]);
      if (entry !== undefined) seen.add(entry);
      return entry !== undefined;
    };
    const differs = COMPARED.filter((key) => comparable(r, key) !== comparable(f, key));
    const unknown = differs.filter((key) => !isKnown(key));
    if (unknown.length > 0) divergences.push(section(unknown));
    if (unknown.length < differs.length) known.push(section(differs.filter((key) => !unknown.includes(key))));
  });
  return { divergences, known, stale: KNOWN_DIVERGENCES.filter((entry) => !seen.has(entry)) };
}

describe.skipIf(isSkip(vmOrSkip))(`fake xen-livepatch vs the real one on ${xenLabel(vmOrSkip)}`, () => {
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

  it('gives the same stdout, stderr, exit code and console lines at every step', async () => {
    const report = join(dirname(vm.payloadDir), 'differential-report.md');
    // Independent: the fake runs on this machine while the real tool runs in the VM.
    const started = Date.now();
    const timed = async <T>(work: Promise<T>): Promise<[T, number]> => [await work, (Date.now() - started) / 1000];
    const [[real, realSeconds], [fake, fakeSeconds]] = await Promise.all([timed(runOnVm(vm, workDir)), timed(runOnFake(vm, workDir))]);
    const { divergences, known, stale } = compare(real, fake);
    const transcript = SCENARIO.map((_, index) => {
      const { stdout, stderr, exitCode, console: ring } = real[index]!;
      return `${pad(index)} $ ${shortCommand(index)}\n    exit ${exitCode}, stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}, console ${JSON.stringify(ring)}`;
    });
    await writeFile(report, [
      `# fake vs real xen-livepatch (${xenLabel(vm)}, build-id ${vm.buildId})`,
      `${SCENARIO.length} steps, ${divergences.length} divergent, ${known.length} known; the real side took ${realSeconds}s, the fake ${fakeSeconds}s`,
      '',
      ...divergences,
      '',
      '## known divergences (reported, owned elsewhere: differential-scenario.ts KNOWN_DIVERGENCES)',
      '',
      ...known,
      '',
      '## what the real tool printed',
      '```',
      ...transcript,
      '```',
      '',
    ].join('\n'));
    expect(divergences, `${xenLabel(vm)}: ${divergences.length} of ${SCENARIO.length} steps differ (report: ${report}):\n${divergences.join('\n')}`).toEqual([]);
    expect(stale, `${xenLabel(vm)}: these known divergences no longer occur: remove them from KNOWN_DIVERGENCES`).toEqual([]);
  }, STEP_TIMEOUT_MS + 20_000);
});
