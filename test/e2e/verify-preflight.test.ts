/**
 * Pre-flight refusals through the built CLI against the simulated host: each is refused by xlp
 * (exit 4, both build-ids named) before the hypervisor is touched, and the sim confirms nothing changed.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { initSimState, readSimState } from '../../src/host/sim/admin.js';
import { isolatedEnv, runXlp, withTempDir, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload } from '../helpers/payloads.js';
import { parsePayload } from '../../src/payload/parse.js';

const OTHER_XEN = '00112233445566778899aabbccddeeff00112233';
let files: Record<'a' | 'b' | 'c' | 'wrongXen' | 'cumulative', string>;
let ids: Record<'a' | 'b', string>;

const buildIdOf = async (path: string): Promise<string> => parsePayload(await readFile(path)).buildId ?? '';

beforeAll(async () => {
  const a = await buildPayload({ id: 'pfa' });
  ids = { a: await buildIdOf(a), b: '' };
  const b = await buildPayload({ id: 'pfb', depends: ids.a });
  ids.b = await buildIdOf(b);
  files = {
    a,
    b,
    // Built on a, like b: wrong once b is the top.
    c: await buildPayload({ id: 'pfc', depends: ids.a }),
    wrongXen: await buildPayload({ id: 'pfw', xenDepends: OTHER_XEN }),
    cumulative: await buildPayload({ id: 'pfr', modinfo: ['XSA=9'] }),
  };
});

interface Host {
  xlp(...args: string[]): Promise<CliResult>;
  names(): Promise<string[]>;
  journal(): Promise<Array<Record<string, unknown>>>;
  forgetRecord(): Promise<void>;
}

async function withHost(use: (host: Host) => Promise<void>): Promise<void> {
  await withTempDir('xlp-e2e-preflight-', async (home) => {
    const state = join(home, 'sim', 'state.json');
    await initSimState(state, { buildId: XEN });
    const env = isolatedEnv(home);
    await use({
      xlp: (...args) => runXlp([...args, '--backend', 'sim', '--sim-state', state, '--quiet'], env),
      names: async () => (await readSimState(state, env)).payloads.map((p) => p.name),
      journal: async () =>
        // The simulated host keeps its journal and xlp's record of it in its own root.
        (await readFile(join(home, 'sim', 'audit.jsonl'), 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      forgetRecord: () => rm(join(home, 'sim', 'hosts'), { recursive: true, force: true }),
    });
  });
}

const expectRefused = (result: CliResult, ...mentions: string[]): void => {
  expect(result.exitCode).toBe(ExitCode.REJECTED);
  for (const text of mentions) expect(result.stderr).toContain(text);
  expect(result.stderr).not.toMatch(/\n\s+at /);
};

describe('pre-flight through the CLI', () => {
  it('refuses a payload built for another Xen before uploading it', async () => {
    await withHost(async (host) => {
      const result = await host.xlp('upload', 'w', files.wrongXen);
      expectRefused(result, OTHER_XEN, XEN, '--xen-depends');
      expect(await host.names()).toEqual([]);
    });
  });

  it('refuses a payload stacked on the wrong top, naming the top', async () => {
    await withHost(async (host) => {
      expect((await host.xlp('load', files.a, '--name', 'a')).exitCode).toBe(0);
      expect((await host.xlp('load', files.b, '--name', 'b')).exitCode).toBe(0);
      const result = await host.xlp('load', files.c, '--name', 'c');
      expectRefused(result, ids.a, ids.b, 'top applied payload b');
      expect(await host.names()).toEqual(['a', 'b']);
    });
  });

  it('refuses the same payload under a new name (duplicate build-id)', async () => {
    await withHost(async (host) => {
      expect((await host.xlp('upload', 'first', files.a)).exitCode).toBe(0);
      const result = await host.xlp('upload', 'second', files.a);
      expectRefused(result, ids.a, 'already loaded as first');
      expect(await host.names()).toEqual(['first']);
    });
  });

  it('refuses replace with a payload that does not depend on Xen itself, and allows a cumulative one', async () => {
    await withHost(async (host) => {
      expect((await host.xlp('load', files.a, '--name', 'a')).exitCode).toBe(0);
      expect((await host.xlp('upload', 'b', files.b)).exitCode).toBe(0);
      expectRefused(await host.xlp('replace', 'b'), ids.a, XEN, 'replace needs');
      expect((await host.xlp('upload', 'cum', files.cumulative)).exitCode).toBe(0);
      expect((await host.xlp('replace', 'cum')).exitCode).toBe(0);
    });
  });

  it('will not apply bytes it did not upload unless told to, and then checks them through the hypervisor console', async () => {
    await withHost(async (host) => {
      expect((await host.xlp('upload', 'b', files.b)).exitCode).toBe(0);
      // As on a host where someone used xen-livepatch directly: xlp has no record of b.
      await host.forgetRecord();
      const refused = await host.xlp('apply', 'b');
      expect(refused.exitCode).toBe(ExitCode.UNVERIFIED);
      expect(refused.stderr).toMatch(/^xlp: error: xlp cannot vouch for the payload loaded as b \(CHECKED\): .*--accept-unverified/m);
      expectRefused(await host.xlp('apply', 'b', '--accept-unverified'), ids.a, XEN);
      expect((await host.xlp('apply', 'b', '--accept-unverified', '--skip-preflight')).exitCode).toBe(ExitCode.REJECTED);
      const skipped = (await host.journal()).filter((e) => e.type === 'intent').map((e) => e.skippedChecks);
      expect(skipped).toEqual([undefined, ['--accept-unverified: apply of b, whose bytes xlp did not upload', '--skip-preflight']]);
      expect(await host.names()).toEqual(['b']);
    });
  });

  it('--skip-preflight lets the hypervisor decide, and the journal records the skipped check', async () => {
    await withHost(async (host) => {
      const result = await host.xlp('upload', 'w', files.wrongXen, '--skip-preflight');
      // The simulated Xen refuses it itself, with its own errno.
      expect(result.exitCode).toBe(ExitCode.REJECTED);
      expect(result.stderr).not.toContain(OTHER_XEN);
      const intents = (await host.journal()).filter((e) => JSON.stringify(e).includes('--skip-preflight'));
      expect(intents.length).toBeGreaterThan(0);
      expect(JSON.stringify(intents[0])).toContain('"skippedChecks":["--skip-preflight"]');
    });
  });
});
