/**
 * Boots the real Xen 4.17 VM once for the whole tier (scripts/xen-vm/*.sh) and hands its coordinates
 * to the test files through vitest's provide/inject. Under CI every failure, QEMU missing included, is
 * a failed run; locally, without QEMU, the tier is skipped with a message saying how to enable it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import type { XenVm } from './vm.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPTS = join(REPO, 'scripts', 'xen-vm');
const hasQemu = (): boolean => existsSync('/usr/bin/qemu-system-x86_64');

async function script(name: string, args: readonly string[] = []): Promise<string> {
  const { stdout } = await execa('bash', [join(SCRIPTS, name), ...args], { stderr: 'inherit', stdin: 'ignore' });
  return stdout;
}

const seconds = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1e8) / 10;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!existsSync(join(REPO, 'dist', 'commands', 'list.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the real-Xen tier');
  }
  if (!hasQemu() && process.env.CI === undefined) {
    const skip = 'QEMU is not installed: run `bash scripts/xen-vm/fetch.sh` as root to enable the real-Xen tier';
    console.warn(`real-Xen tier skipped: ${skip}`);
    project.provide('xenVm', { skip });
    return undefined;
  }

  const started = process.hrtime.bigint();
  await script('stop.sh'); // a VM left over from an interrupted run
  await script('fetch.sh');
  await script('build-initramfs.sh');
  const payloadDir = join(REPO, '.work', 'xen-vm', 'payloads');
  await script('build-payloads.sh', [payloadDir]);
  const prepareSeconds = seconds(started);

  const bootStarted = process.hrtime.bigint();
  const env = Object.fromEntries((await script('boot.sh')).trim().split('\n').map((line) => {
    const eq = line.indexOf('=');
    return [line.slice(0, eq), line.slice(eq + 1)];
  }));
  const bootSeconds = seconds(bootStarted);
  const vm: XenVm = {
    port: Number(env.XEN_VM_PORT),
    sshConfig: String(env.XEN_VM_SSH_CONFIG),
    buildId: String(env.XEN_VM_BUILD_ID),
    console: String(env.XEN_VM_CONSOLE),
    payloadDir,
    timings: { prepareSeconds, bootSeconds },
  };
  console.warn(`real-Xen tier: packages and payloads ready in ${prepareSeconds}s, dom0 up in ${bootSeconds}s (port ${vm.port})`);
  project.provide('xenVm', vm);

  const scenariosStarted = process.hrtime.bigint();
  return async () => {
    const scenarioSeconds = seconds(scenariosStarted);
    await script('stop.sh');
    // The console log stays in .work/xen-vm/run for post-mortems.
    console.warn(`real-Xen tier: scenarios took ${scenarioSeconds}s; total ${seconds(started)}s`);
  };
}
