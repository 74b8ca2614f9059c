/**
 * The terminal and help part of the command-line contract, through the built CLI: every command's
 * usage shows the global flags, the three ways to ask for the version agree, an unknown command is a
 * one-line usage error (JSON under --json) that names the nearest commands and never prompts, and
 * every command speaks JSON with `schemaVersion: 1`, errors included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, XLP_BIN, runXlp, type CliResult } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

interface ManifestFlag {
  readonly helpGroup?: string;
}
const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { flags: Record<string, ManifestFlag> }> };
const ids = Object.keys(manifest.commands).sort();
const words = (id: string): string[] => id.split(':');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

let sim: SimCli;
beforeAll(async () => {
  sim = await simCli();
});
afterAll(() => sim.remove());

/** Runs `each` over `items`, two at a time (the machine has two cores, shared). */
async function inPairs<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 2) await Promise.all(items.slice(i, i + 2).map(each));
}

/** The USAGE section of a help text, its wrapped lines joined. */
const usageOf = (help: string): string => (/^USAGE\n((?: {2}.*\n)+)/m.exec(help)?.[1] ?? '').replace(/\s+/g, ' ');

describe('help', () => {
  it('shows --json and -q in the usage line of every command, and the host flags in that of every host command', async () => {
    await inPairs(ids, async (id) => {
      const help = await sim.xlp(...words(id), '--help');
      expect(help.exitCode, id).toBe(0);
      const usage = usageOf(help.stdout);
      // audit export's shows --json as the alternative of --format: [--format jsonl|csv | --json].
      expect(usage, id).toMatch(/\[(?:[^\]]* \| )?--json\]/);
      expect(usage, id).toContain('[-q]');
      expect(help.stdout, id).toMatch(/^GLOBAL FLAGS\n/m);
      if ('host' in manifest.commands[id]!.flags) {
        expect(usage, id).toContain('[--host <value>]');
        expect(help.stdout, id).toMatch(/^HOST FLAGS\n {2}--backend=<option>/m);
      }
    });
  });

  it('groups --json and -q as GLOBAL flags and the host flags as HOST flags', () => {
    for (const id of ids) {
      const { flags } = manifest.commands[id]!;
      expect(flags.json?.helpGroup, id).toBe('GLOBAL');
      expect(flags.quiet?.helpGroup, id).toBe('GLOBAL');
      for (const name of ['backend', 'host', 'ssh-config', 'xen-livepatch', 'xl'] as const) if (flags[name] !== undefined) expect(flags[name]?.helpGroup, `${id} --${name}`).toBe('HOST');
    }
  });

  it('lists the global flags and the host flags in the root help, and -h is --help', async () => {
    const root = await sim.xlp('--help');
    expect(root.exitCode).toBe(0);
    const global = /^GLOBAL FLAGS\n((?: {2}.*\n)+)/m.exec(root.stdout)?.[1] ?? '';
    for (const flag of ['-h, --help', '-q, --quiet', '-v, --version', '--json']) expect(global).toContain(flag);
    expect(root.stdout).toMatch(/^HOST FLAGS\n(?: {2}.*\n)*? {2}--host=<value> +\[env: XLP_HOST\]/m);
    expect((await sim.xlp('-h')).stdout).toBe(root.stdout);
    expect((await sim.xlp('list', '-h')).stdout).toBe((await sim.xlp('list', '--help')).stdout);
  });
});

describe('version', () => {
  const line = new RegExp(`^${pkg.name}/${pkg.version.replace(/\./g, '\\.')} ${process.platform}-${process.arch} node-${process.version}\n$`);

  it('prints the same line for --version, -v, version, and the version command under oclif', async () => {
    const forms = [['--version'], ['-v'], ['version'], ['version', '-q']];
    const results = await Promise.all(forms.map((form) => sim.xlp(...form)));
    for (const [i, result] of results.entries()) {
      expect(result.exitCode, forms[i]!.join(' ')).toBe(0);
      expect(result.stdout, forms[i]!.join(' ')).toMatch(line);
      expect(result.stderr).toBe('');
    }
  });

  it('prints one JSON document with --json, whichever form', async () => {
    const expected = { schemaVersion: 1, name: pkg.name, version: pkg.version, node: process.versions.node, platform: `${process.platform}-${process.arch}` };
    for (const form of [['--version', '--json'], ['-v', '--json'], ['version', '--json'], ['--json', 'version'], ['version', '--json', '-q']]) {
      const result = await sim.xlp(...form);
      expect(result.exitCode, form.join(' ')).toBe(0);
      expect(JSON.parse(result.stdout), form.join(' ')).toEqual(expected);
    }
  });
});

describe('an unknown command', () => {
  const cases: Array<[string[], string]> = [
    [['lsit'], 'unknown command "lsit"; did you mean "list"?'],
    [['lsit', 'xsa-466'], 'unknown command "lsit"; did you mean "list"?'],
    [['audi', 'log'], 'unknown command "audi log"; did you mean "audit log"?'],
    [['audit', 'lgo', '--since', '7d'], 'unknown command "audit lgo"; did you mean "audit log"?'],
    [['audi'], 'unknown command "audi"; did you mean "audit"?'],
    [['frobnicate'], 'unknown command "frobnicate"; see \'xlp help\' for the commands'],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.join(' ')}: one line naming the nearest command, exit 2`, async () => {
      const result = await sim.xlp(...argv);
      expect(result).toEqual({ exitCode: 2, stdout: '', stderr: `xlp: error: ${message}\n` });
    });
  }

  it('is the JSON error document under --json, wherever --json stands', async () => {
    for (const argv of [['lsit', '--json'], ['--json', 'audi', 'log']]) {
      const result = await sim.xlp(...argv);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe('');
      const body = JSON.parse(result.stdout) as { schemaVersion: number; error: { code: string; exitCode: number; hint: string } };
      expect(body).toMatchObject({ schemaVersion: 1, error: { code: 'usage', exitCode: 2 } });
      expect(body.error.hint).toMatch(/^did you mean "(list|audit log)"\?$/);
    }
  });

  it('is the same usage error when help is asked for it', async () => {
    for (const argv of [['help', 'lsit'], ['lsit', '--help'], ['help', 'audi', 'log']]) {
      const result = await sim.xlp(...argv);
      expect(result, argv.join(' ')).toEqual({ exitCode: 2, stdout: '', stderr: expect.stringMatching(/^xlp: error: unknown command "(lsit|audi log)"; did you mean "(list|audit log)"\?\n$/) });
    }
  });

  it("gives a plugin command's usage error in xlp's form, without oclif's help dump or a stack", async () => {
    const text = await sim.xlp('help', 'lsit', '--bogus');
    expect(text).toEqual({ exitCode: 2, stdout: '', stderr: "xlp: error: nonexistent flag: --bogus; see 'xlp help' for usage\n" });
    const json = await sim.xlp('autocomplete', 'fish', '--json');
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, error: { code: 'usage', message: 'expected fish to be one of: zsh, bash, powershell' } });
  });

  it('never waits for an answer, even with a terminal-less stdin left open', async () => {
    const child = execa(process.execPath, [XLP_BIN, 'lsit'], { env: sim.env, extendEnv: false, reject: false, stdin: 'pipe', timeout: 20_000 });
    const result = await child;
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
  });
});

describe('JSON from every command', () => {
  it('has --json on every command, and a usage error under it is the JSON error document', async () => {
    await inPairs(ids, async (id) => {
      expect(manifest.commands[id]!.flags.json, id).toBeDefined();
      const result = await sim.xlp(...words(id), '--json', '--no-such-flag');
      expect(result.exitCode, id).toBe(2);
      expect(result.stderr, id).toBe('');
      expect(JSON.parse(result.stdout), id).toMatchObject({ schemaVersion: 1, error: { code: 'usage', exitCode: 2, message: 'nonexistent flag: --no-such-flag' } });
    });
  });

  it('puts schemaVersion 1 on results, on both paths of list, and on a failed change', async () => {
    const payload = await buildPayload();
    const documents: Array<[string, CliResult]> = [
      ['load', await sim.xlp('load', payload, '--name', 'contract', '--json')],
      ['list (fast path)', await sim.xlp('list', '--json')],
      ['list (oclif)', await runXlp(['list', '--json'], { ...sim.env, XLP_FAST_PATH: '0' })],
      ['sim show', await sim.xlp('sim', 'show', '--json')],
      ['audit log', await sim.xlp('audit', 'log', '--json')],
      ['apply of nothing', await sim.xlp('apply', 'nosuch', '--json')],
    ];
    for (const [what, result] of documents) expect((JSON.parse(result.stdout) as { schemaVersion?: number }).schemaVersion, what).toBe(1);
    expect(documents.at(-1)?.[1].exitCode).toBe(7);
  });

  it('audit export --json is one document of the records; --format is for the streams and not with --json', async () => {
    expect((await sim.xlp('upload', 'exported', await buildPayload({ id: 'exported' }))).exitCode).toBe(0);
    const journal = (await sim.xlp('audit', 'export')).stdout.trimEnd().split('\n');
    const result = await sim.xlp('audit', 'export', '--json');
    expect(result.exitCode).toBe(0);
    const body = JSON.parse(result.stdout) as { schemaVersion: number; journal: { path: string }; records: unknown[] };
    expect(body.schemaVersion).toBe(1);
    expect(body.journal.path).toBe(sim.env.XLP_AUDIT_LOG);
    expect(body.records).toEqual(journal.map((line) => JSON.parse(line)));
    const both = await sim.xlp('audit', 'export', '--format', 'csv', '--json');
    expect(both.exitCode).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ schemaVersion: 1, error: { code: 'usage' } });
  });
});
