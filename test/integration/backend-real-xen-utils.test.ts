/**
 * The backend against the REAL xen-livepatch and xl of Debian's xen-utils-4.17 (fetched by
 * test/helpers/xen-utils.ts) on this machine, which is not a Xen host: the real tool cannot open
 * the hypervisor interface, says "failed to get the handler" and exits 0, and the backend must turn
 * that into 'host-unsupported', never success. Skipped locally when apt cannot provide the
 * packages; under CI (env CI set) that is a failure instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { createLocalRunner } from '../../src/host/local-runner.js';
import { findFailure } from '../../src/host/xen-livepatch/diagnose.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import { locateTools } from '../../src/host/xen-livepatch/locate.js';
import { realToolsOffXen, realXenUtils } from '../helpers/xen-utils.js';
import { caught } from '../helpers/caught.js';

const real = await realXenUtils();
/** With Xen's libraries installed system-wide the bare binary would start, so that test means nothing. */
const systemHasXenLibs = (await import('execa').then(({ execa }) => execa('ldconfig', ['-p'], { reject: false }))).stdout.includes('libxenctrl.so');

describe("the real xen-livepatch of Debian's xen-utils-4.17, off Xen", () => {
  const found = realToolsOffXen(real);
  if (found === undefined) return;
  const tools = found;
  const runtime = mkdtempSync(join(tmpdir(), 'xlp-real-xen-utils-'));
  afterAll(() => rmSync(runtime, { recursive: true, force: true }));
  const runner = createLocalRunner(runtime, join(runtime, 'kept'));
  const backend = createXenLivepatchBackend(runner, { xenLivepatch: tools.xenLivepatch, xl: tools.xl });

  it('exits 0 after "failed to get the handler": the raw tool claims success', async () => {
    const raw = await runner.run(tools.xenLivepatch, ['list']);
    expect(raw).toEqual({
      stdout: '',
      stderr: 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\nfailed to get the handler\n',
      exitCode: 0,
    });
  });

  it.each([
    ['list', () => backend.list()],
    ['apply', () => backend.action('apply', 'xsa')],
    ['revert', () => backend.action('revert', 'xsa')],
    ['unload', () => backend.action('unload', 'xsa')],
    ['replace', () => backend.action('replace', 'xsa')],
    ['upload', () => backend.upload('xsa', new Uint8Array([1]), 'xsa.livepatch')],
  ])('makes %s fail with host-unsupported, saying this is no Xen dom0', async (_command, call) => {
    const error = await caught(call());
    expect({ code: error.code, exitCode: error.exitCode, errno: error.errno }).toEqual({ code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: 2 });
    expect(error.message).toMatch(/^this host is not a Xen dom0: /);
    expect(error.detail?.exitCode).toBe(0);
    expect(error.detail?.stderr).toContain('failed to get the handler');
  });

  it('reads the build-id with the real xl, which fails its own way off Xen', async () => {
    const error = await caught(backend.hypervisorBuildId());
    expect({ code: error.code, exitCode: error.exitCode, errno: error.errno }).toEqual({ code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: 2 });
    expect(error.detail?.stderr).toContain('cannot init xl context');
  });

  it('has its usage refusals recognised, which need no Xen', async () => {
    const raw = await runner.run(tools.xenLivepatch, ['status']);
    expect(raw.exitCode).toBe(1);
    expect(findFailure(raw)).toEqual({ kind: 'usage', line: "Unrecognised command 'status' -- try 'xen-livepatch help'" });
  });

  it("is found by locateTools in Debian's layout", async () => {
    expect((await locateTools({ env: { PATH: '' }, root: tools.root })).xenLivepatch).toBe(tools.binaries.xenLivepatch);
  });

  it.skipIf(systemHasXenLibs)('cannot start without its libraries, which is tool-missing', async () => {
    const bare = createXenLivepatchBackend(runner, { xenLivepatch: tools.binaries.xenLivepatch, xl: tools.binaries.xl });
    const error = await caught(bare.list());
    expect([error.code, error.exitCode]).toEqual(['tool-missing', ExitCode.HOST_UNSUPPORTED]);
    expect(error.message).toMatch(/error while loading shared libraries/);
  });
});
