/**
 * Boots one real Xen VM for the whole tier (scripts/xen-vm/*.sh): the series XLP_XEN_VERSION names
 * (4.17 or 4.20, each built from its own Debian release), and hands its coordinates to the test files
 * through vitest's provide/inject. scripts/xen-vm/tier.sh runs the tier once per series, one VM at a
 * time. Under CI every failure, QEMU missing included, is a failed run; locally, without QEMU, the tier
 * is skipped with a message saying how to enable it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { tierSeries, xlInfoField } from './series.js';
import type { XenVm } from './vm.js';
import { bootRecord, parseVmEnv } from './vm-env.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPTS = join(REPO, 'scripts', 'xen-vm');
const hasQemu = (): boolean => existsSync('/usr/bin/qemu-system-x86_64');

const seconds = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1e8) / 10;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const series = tierSeries();
  const label = `real-Xen tier (Xen ${series})`;
  const script = async (name: string, args: readonly string[] = []): Promise<string> => {
    const { stdout } = await execa('bash', [join(SCRIPTS, name), '--xen', series, ...args], { stderr: 'inherit', stdin: 'ignore' });
    return stdout;
  };
  if (!existsSync(join(REPO, 'dist', 'commands', 'list.js'))) {
    throw new Error(`${label}: dist/ is missing: run \`npm run build\` first`);
  }
  if (!hasQemu() && process.env.CI === undefined) {
    const skip = 'QEMU is not installed: run `bash scripts/xen-vm/fetch.sh` as root to enable the real-Xen tier';
    console.warn(`${label} skipped: ${skip}`);
    project.provide('xenVm', { skip, series });
    return undefined;
  }

  const started = process.hrtime.bigint();
  await script('stop.sh'); // a VM left over from an interrupted run
  await script('fetch.sh');
  await script('build-initramfs.sh');
  await script('build-disk.sh'); // the persistent disk's template, for a series that has one
  const payloadDir = join(process.env.XLP_XEN_VM_DIR ?? join(REPO, '.work', 'xen-vm'), series, 'payloads');
  await script('build-payloads.sh', [payloadDir]);
  const prepareSeconds = seconds(started);

  const bootStarted = process.hrtime.bigint();
  // A new session: a fresh copy of the disk template; reboots inside the run keep it.
  const env = parseVmEnv(await script('boot.sh', ['--fresh']));
  const bootSeconds = seconds(bootStarted);
  try {
    const sshConfig = String(env.XEN_VM_SSH_CONFIG);
    const info = await execa('ssh', ['-F', sshConfig, 'xlp-xen-vm', 'xl info'], { stdin: 'ignore', timeout: 60_000 });
    const vm: XenVm = {
      series,
      xenVersion: xlInfoField(info.stdout, 'xen_version'),
      port: Number(env.XEN_VM_PORT),
      sshConfig,
      buildId: String(env.XEN_VM_BUILD_ID),
      console: String(env.XEN_VM_CONSOLE),
      payloadDir,
      ...(env.XEN_VM_DISK ? { disk: env.XEN_VM_DISK } : {}),
      firstBoot: bootRecord(env),
      timings: { prepareSeconds, bootSeconds },
    };
    console.warn(`${label}: packages and payloads ready in ${prepareSeconds}s, dom0 of ${vm.xenVersion} up in ${bootSeconds}s (port ${vm.port})`);
    project.provide('xenVm', vm);
  } catch (error) {
    await script('stop.sh');
    throw error;
  }

  const scenariosStarted = process.hrtime.bigint();
  return async () => {
    const scenarioSeconds = seconds(scenariosStarted);
    await script('stop.sh');
    // The console log stays in .work/xen-vm/<series>/run for post-mortems.
    console.warn(`${label}: scenarios took ${scenarioSeconds}s; total ${seconds(started)}s`);
  };
}
