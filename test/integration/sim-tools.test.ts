/**
 * bin/sim/xen-livepatch and bin/sim/xl as real processes (execa), on the compiled code in dist/:
 * the recorded real-Xen session byte for byte, concurrent processes sharing one state, and an
 * action left in flight by one process as later processes see it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, readSimState } from '../../src/host/sim/admin.js';
import { buildPayload } from '../helpers/payloads.js';
import { simSandbox, transcriptPayloads, withOwnBuildId, type SimSandbox } from '../helpers/sim-host.js';
import { RECORDED, TRANSCRIPT_BUILD_ID, TRANSCRIPT_XEN_VERSION } from '../helpers/sim-transcript.js';

const XEN_LIVEPATCH = fileURLToPath(new URL('../../bin/sim/xen-livepatch', import.meta.url));
const XL = fileURLToPath(new URL('../../bin/sim/xl', import.meta.url));

let box: SimSandbox;
beforeAll(async () => {
  box = await simSandbox(TRANSCRIPT_XEN_VERSION, TRANSCRIPT_BUILD_ID);
  await transcriptPayloads(box.dir);
}, 120_000);
afterAll(() => box.remove());

/** Runs a fake as a process with only the sandbox's environment (plus PATH, for node and flock). */
async function run(bin: string, argv: readonly string[], sandbox: SimSandbox = box) {
  const r = await execa(bin, argv, { env: { PATH: process.env.PATH, ...sandbox.env() }, extendEnv: false, reject: false, stripFinalNewline: false });
  return { stdout: r.stdout, stderr: r.stderr, exit: r.exitCode };
}

describe('bin/sim/xen-livepatch', () => {
  it('replays the recorded Xen 4.17.7 session byte for byte', async () => {
    const local = (text: string): string => text.replaceAll('/tmp/', `${box.dir}/`);
    for (const [index, step] of RECORDED.entries()) {
      const what = `command ${index + 1}: xen-livepatch ${step.argv.join(' ')}`;
      const result = await run(XEN_LIVEPATCH, step.argv.map(local));
      expect({ what, ...result }).toEqual({ what, stdout: local(step.stdout), stderr: step.stderr, exit: step.exit });
    }
    const dmesg = await run(XL, ['dmesg']);
    expect(dmesg.stdout).toBe(RECORDED.flatMap((step) => step.console.map((line) => `${line}\n`)).join(''));
  }, 120_000);

  it('lands 20 concurrent uploads from 20 processes on one state', async () => {
    const sandbox = await simSandbox();
    try {
      const base = await buildPayload({ id: 'concurrent' });
      const files = await Promise.all(Array.from({ length: 20 }, (_, i) => withOwnBuildId(base, i, join(sandbox.dir, `p${i}.livepatch`))));
      const results = await Promise.all(files.map((file, i) => run(XEN_LIVEPATCH, ['upload', `p${i}`, file], sandbox)));
      expect(results.filter((r) => r.exit !== 0)).toEqual([]);
      const state = await readSimState(sandbox.statePath, sandbox.env());
      expect(state.payloads.map((p) => p.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
      expect(state.payloadVersion).toBe(21);
      const listed = await run(XEN_LIVEPATCH, ['list'], sandbox);
      expect(listed.stdout.split('\n').filter((line) => line.includes('| CHECKED    | '))).toHaveLength(20);
    } finally {
      await sandbox.remove();
    }
  }, 120_000);

  it('shows an action left in flight to later processes until it completes by itself', async () => {
    const sandbox = await simSandbox();
    try {
      const file = join(sandbox.dir, 'slow.livepatch');
      await withOwnBuildId(await buildPayload({ id: 'slow' }), 7, file);
      expect((await run(XEN_LIVEPATCH, ['upload', 'slow', file], sandbox)).exit).toBe(0);
      await addSimFault(sandbox.statePath, { kind: 'incomplete', name: 'slow', durationMs: 4000 }, sandbox.env());
      expect(await run(XEN_LIVEPATCH, ['apply', 'slow'], sandbox)).toEqual({ stdout: 'Applying slow... failed\n', stderr: "Operation didn't complete.\n", exit: 2 });
      expect(await run(XEN_LIVEPATCH, ['apply', 'slow'], sandbox)).toEqual({ stdout: '', stderr: 'Cannot execute apply.\nOperation already in progress.\n', exit: 2 });
      const row = (await run(XEN_LIVEPATCH, ['list'], sandbox)).stdout.split('\n')[2];
      expect(row).toBe('slow                                    | CHECKED (11, Resource temporarily unavailable)    | ');
      let listed = '';
      while (!listed.includes('| APPLIED    |')) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        listed = (await run(XEN_LIVEPATCH, ['list'], sandbox)).stdout;
      }
      expect(await run(XEN_LIVEPATCH, ['apply', 'slow'], sandbox)).toEqual({ stdout: 'No action needed.\n', stderr: '', exit: 0 });
      expect((await run(XL, ['dmesg'], sandbox)).stdout).toContain('(XEN) livepatch: slow finished APPLY with rc=0\n');
    } finally {
      await sandbox.remove();
    }
  }, 60_000);

  it('prints help on stderr only, and reports an unusable state as the simulator, exit 1', async () => {
    const sandbox = await simSandbox('4.19.0');
    try {
      const help = await run(XEN_LIVEPATCH, [], sandbox);
      expect([help.stdout, help.exit]).toEqual(['', 0]);
      expect(help.stderr.startsWith('xen-livepatch: live patching tool\nUsage: xen-livepatch [--force] <command>')).toBe(true);
      await run(XEN_LIVEPATCH, ['list'], sandbox);
      await writeFile(sandbox.statePath, 'not json');
      const broken = await run(XEN_LIVEPATCH, ['list'], sandbox);
      expect(broken.stdout).toBe('');
      expect(broken.stderr).toMatch(/^xlp simulator: simulator state .* is not usable: not a JSON object\nhint: /);
      expect(broken.exit).toBe(1);
    } finally {
      await sandbox.remove();
    }
  });
});

describe('bin/sim/xl', () => {
  it('reports the build-id and dumps payloads to the console', async () => {
    const info = await run(XL, ['info']);
    expect(info.stdout).toContain(`\nbuild_id               : ${TRANSCRIPT_BUILD_ID}\n`);
    expect(await run(XL, ['debug-keys', 'x'])).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect((await run(XL, ['dmesg'])).stdout).toContain(`(XEN) build-id: ${TRANSCRIPT_BUILD_ID}\n`);
    expect(await run(XL, ['nosuch'])).toEqual({ stdout: '', stderr: 'command not implemented\n', exit: 1 });
  });
});
