/**
 * Dry runs through the built CLI against the simulated host. The property: from every starting
 * state, `--dry-run` leaves the hypervisor, xlp's record and the journal exactly as they were, and
 * exits with the code the real run then gives; when it would succeed, it names the steps the real run
 * then takes. The simulated hypervisor (not xlp) decides what the real run gets.
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { initSimState } from '../../src/host/sim/admin.js';
import { parsePayload } from '../../src/payload/parse.js';
import { isolatedEnv, runXlp, withTempDir, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload } from '../helpers/payloads.js';

type FileKey = 'a' | 'b' | 'c' | 'cumulative' | 'wrongXen';
let files: Record<FileKey, string>;

beforeAll(async () => {
  const a = await buildPayload({ id: 'dra' });
  const aId = parsePayload(await readFile(a)).buildId ?? '';
  files = {
    a,
    b: await buildPayload({ id: 'drb', depends: aId, returns: '-drb' }),
    // Also built on a: refused once b is the top.
    c: await buildPayload({ id: 'drc', depends: aId, returns: '-drc' }),
    cumulative: await buildPayload({ id: 'drr', returns: '-drr' }),
    wrongXen: await buildPayload({ id: 'drw', xenDepends: '00112233445566778899aabbccddeeff00112233' }),
  };
});

interface Host {
  readonly home: string;
  xlp(...args: string[]): Promise<CliResult>;
  /** The simulator's own commands (sim fault ...). */
  sim(...args: string[]): Promise<CliResult>;
  /** Everything a run could change: the simulated hypervisor, xlp's record of it, the journal. */
  snapshot(): Promise<string>;
  /** The files of the sim root, to put back with restore() (a state set up once, reused per command). */
  save(): Promise<ReadonlyMap<string, Buffer>>;
  restore(saved: ReadonlyMap<string, Buffer>): Promise<void>;
}

async function withHost(use: (host: Host) => Promise<void>): Promise<void> {
  await withTempDir('xlp-e2e-dry-run-', async (home) => {
    const root = join(home, 'sim');
    const state = join(root, 'state.json');
    await initSimState(state, { buildId: XEN });
    const env = isolatedEnv(home);

    const filesUnder = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
        .filter((e) => e.isFile() && !e.name.endsWith('.lock'))
        .map((e) => join(e.parentPath, e.name))
        .sort();
    await use({
      home,
      save: async () => new Map(await Promise.all((await filesUnder(root)).map(async (f) => [f, await readFile(f)] as const))),
      restore: async (saved) => {
        await Promise.all((await filesUnder(root)).filter((f) => !saved.has(f)).map((f) => rm(f)));
        await Promise.all([...saved].map(([f, bytes]) => writeFile(f, bytes, { mode: 0o600 })));
      },
      xlp: (...args) => runXlp([...args, '--backend', 'sim', '--sim-state', state], env),
      sim: (...args) => runXlp(['sim', ...args, '--sim-state', state], env),
      snapshot: async () => (await Promise.all((await filesUnder(root)).map(async (f) => `${f}\n${withoutConsole(f, await readFile(f, 'utf8'))}`))).join('\n'),
    });
  });
}

/**
 * The checks of a dry run read the hypervisor's livepatch dump (xl debug-keys x), as the real run's
 * do, and Xen prints it into its console ring: the one trace a dry run leaves, and no change.
 */
function withoutConsole(file: string, text: string): string {
  if (!file.endsWith('state.json')) return text;
  const { console: _ring, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** A starting state, set up with real runs. */
type Setup = (host: Host) => Promise<void>;
const run = async (host: Host, ...args: string[]): Promise<void> => {
  const result = await host.xlp(...args, '-q');
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
};

const STARTS: Record<string, Setup> = {
  empty: async () => {},
  'a uploaded': (host) => run(host, 'upload', 'a', files.a),
  'a and b applied': async (host) => {
    await run(host, 'load', files.a, '--name', 'a');
    await run(host, 'load', files.b, '--name', 'b');
  },
  'a applied, cumulative uploaded': async (host) => {
    await run(host, 'load', files.a, '--name', 'a');
    await run(host, 'upload', 'cumulative', files.cumulative);
  },
};

/** Each command, from each start: the operations a user runs, including ones the host refuses. */
const COMMANDS: Array<{ argv: (f: Record<FileKey, string>) => string[] }> = [
  { argv: (f) => ['load', f.a, '--name', 'a'] },
  { argv: (f) => ['load', f.b, '--name', 'b'] },
  { argv: (f) => ['load', f.c, '--name', 'c'] },
  { argv: (f) => ['load', f.wrongXen, '--name', 'w'] },
  { argv: (f) => ['upload', 'a', f.a] },
  { argv: () => ['apply', 'a'] },
  { argv: () => ['apply', 'cumulative'] },
  { argv: () => ['revert', 'a'] },
  { argv: () => ['revert', 'b'] },
  { argv: () => ['unload', 'a'] },
  { argv: () => ['unload', 'nosuch'] },
  { argv: () => ['replace', 'cumulative'] },
  { argv: () => ['replace', 'b'] },
  { argv: (f) => ['replace', f.cumulative, '--name', 'cumulative'] },
  { argv: () => ['prune'] },
];

describe('--dry-run predicts the real run and changes nothing', () => {
  for (const [start, setup] of Object.entries(STARTS)) {
    it(`from ${start}`, { timeout: 240_000 }, async () => {
      const exits = new Set<number>();
      await withHost(async (host) => {
        await setup(host);
        const saved = await host.save();
        for (const command of COMMANDS) {
          await host.restore(saved);
          const argv = command.argv(files);
          const before = await host.snapshot();
          const rehearsal = await host.xlp(...argv, '--dry-run', '--json');
          expect(await host.snapshot(), `${argv.join(' ')} --dry-run changed something`).toBe(before);
          const real = await host.xlp(...argv, '--json');
          expect(rehearsal.exitCode, `${argv.join(' ')}: dry run ${rehearsal.stdout}\nreal ${real.stdout}`).toBe(real.exitCode);
          exits.add(real.exitCode);
          const [would, did] = [JSON.parse(rehearsal.stdout), JSON.parse(real.stdout)];
          if (real.exitCode !== 0) {
            expect(would.error.code, argv.join(' ')).toBe(did.error.code);
          } else if (argv[0] === 'prune') {
            expect(would.unloaded.map((r: { name: string }) => r.name)).toEqual(did.unloaded.map((r: { name: string }) => r.name));
          } else {
            expect([would.dryRun, did.dryRun, did.wouldRun]).toEqual([true, false, null]);
            expect([would.steps, would.result, would.state], argv.join(' ')).toEqual([did.steps, did.result, did.state]);
            // One tool command per step, each naming the payload.
            expect(would.wouldRun.map((c: string[]) => c[1])).toEqual(did.steps);
            for (const line of would.wouldRun) expect(line).toContain(did.name);
          }
        }
      });
      // Each start exercises both acceptance and refusal.
      expect(exits.has(0)).toBe(true);
      expect([...exits].some((code) => code !== 0)).toBe(true);
    });
  }
});

describe('inspect against a host', () => {
  it('says whether a load would succeed now, stack included, with the exit code the load gives', async () => {
    await withHost(async (host) => {
      const fine = await host.xlp('inspect', files.a);
      expect(fine.exitCode).toBe(0);
      expect(fine.stdout).toMatch(/load now\s+would upload and apply/);
      await run(host, 'load', files.a, '--name', 'a');
      await run(host, 'load', files.b, '--name', 'b');
      const inspected = await host.xlp('inspect', files.c, '--json');
      const load = await host.xlp('load', files.c, '--name', 'c', '--dry-run', '-q');
      expect(inspected.exitCode).toBe(ExitCode.REJECTED);
      expect(load.exitCode).toBe(ExitCode.REJECTED);
      const report = JSON.parse(inspected.stdout);
      expect(report.acceptable).toBe(false);
      expect(report.onHost.load).toMatchObject({ wouldSucceed: false, steps: [], refusal: { code: 'depends-mismatch', exitCode: ExitCode.REJECTED } });
    });
  });
});

describe('replace from a file', () => {
  it('verifies, uploads and replaces; a failed replace unloads what it uploaded', async () => {
    await withHost(async (host) => {
      await run(host, 'load', files.a, '--name', 'a');
      const refused = await host.xlp('replace', files.b, '--name', 'b', '-q');
      // b is built on a: replace needs the hypervisor's build-id, refused before any upload.
      expect(refused.exitCode).toBe(ExitCode.REJECTED);
      expect(await host.sim('fault', 'sync-errno', '--action', 'replace', '--errno', '22')).toMatchObject({ exitCode: 0 });
      const failed = await host.xlp('replace', files.cumulative, '--name', 'cumulative', '--json');
      expect(failed.exitCode).toBe(ExitCode.REJECTED);
      expect(JSON.parse(failed.stdout).error.message).toMatch(/rolled back: cumulative was unloaded again/);
      const listed = JSON.parse((await host.xlp('list', '--json')).stdout).payloads.map((p: { name: string; state: string }) => [p.name, p.state]);
      expect(listed).toEqual([['a', 'APPLIED']]);
      const done = JSON.parse((await host.xlp('replace', files.cumulative, '--name', 'cumulative', '--json')).stdout);
      expect([done.operation, done.steps, done.state]).toEqual(['replace', ['upload', 'replace'], 'APPLIED']);
    });
  });
});
