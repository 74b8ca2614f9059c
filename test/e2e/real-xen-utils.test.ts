/**
 * The built CLI against the REAL xen-livepatch of Debian's xen-utils-4.17 on this machine, which is
 * not a Xen host: the raw tool exits 0 there; xlp must say clearly that this is no dom0 and exit 3.
 * Skipped locally (with the reason) when apt cannot provide the package; a failure under CI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runXlp } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { realToolsOffXen, realXenUtils } from '../helpers/xen-utils.js';

const real = await realXenUtils();

describe('xlp with the real xen-livepatch, off Xen', () => {
  const found = realToolsOffXen(real);
  if (found === undefined) return;
  const tools = found;
  let home: string | undefined;
  afterAll(() => (home === undefined ? undefined : rm(home, { recursive: true, force: true })));

  async function xlp(...args: string[]) {
    home ??= await mkdtemp(join(tmpdir(), 'xlp-real-'));
    const env = isolatedEnv(home, { XLP_XEN_LIVEPATCH: tools.xenLivepatch, XLP_XL: tools.xl });
    return runXlp(args, env);
  }

  it.each([['list'], ['apply', 'xsa'], ['revert', 'xsa'], ['unload', 'xsa'], ['replace', 'xsa']])('xlp %s says this is not a dom0 and exits 3', async (...args) => {
    const result = await xlp(...args);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^xlp: error: this host is not a Xen dom0.*No such file or directory/);
  });

  it('refuses a load before uploading anything, with the same answer under --json', async () => {
    const payload = await buildPayload({ id: 'real_tool' });
    const result = await xlp('load', payload, '--json');
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'host-unsupported', exitCode: 3 });
  });
});
