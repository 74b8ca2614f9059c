/**
 * Every example in the built CLI's help works when pasted: each is run as it is printed, by bash, in
 * one working directory, with only the environment chosen (an `xlp` on PATH that is the built CLI, an
 * isolated HOME, the simulated host through XLP_BACKEND and XLP_SIM_STATE) and the files the
 * examples name made first (./xsa-466.livepatch, ~/.ssh/id_ed25519...). They run in the order a
 * person would (upload before apply), each with the exit code it shows; the few commands between
 * them that no example names are marked as set-up.
 * The --host examples reach a real sshd on 127.0.0.1 through an ssh_config (XLP_SSH_CONFIG) naming
 * dom0, whose xen-livepatch and xl are the simulator's; those naming /etc/xlp/audit.key run where
 * /etc has it (a private overlay). An example added to a command without a place here fails the test.
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, XLP_BIN, isolatedEnv } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { startSshd, type SshdFixture } from '../helpers/sshd-fixture.js';
import { sshdSuiteEnabled } from '../helpers/sshd-suite.js';

const manifest = JSON.parse(await readFile(join(REPO, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { examples?: Array<string | { command: string }> }> };
/** Each xlp command's examples, as `xlp help` prints them. */
const BY_COMMAND = Object.entries(manifest.commands).map(([id, command]) => ({
  id,
  examples: (command.examples ?? []).map((example) => (typeof example === 'string' ? example : example.command).replaceAll('<%= config.bin %>', 'xlp').replaceAll('<%= command.id %>', id.replaceAll(':', ' '))),
}));
const EXAMPLES = BY_COMMAND.flatMap(({ examples }) => examples);

/** Examples that are not run, and why. */
const NOT_RUN: Record<string, string> = {
  'xlp sign ./xsa-466.livepatch --key ~/.ssh/id_ed25519_sk.pub --output /srv/payloads/xsa-466.livepatch.sig': 'needs a FIDO security key to touch',
  // test/xen/boot-reapply.test.ts runs it against the real dom0 of the boot VM.
  'xlp boot enable --host root@dom0.example.org': "would write /etc/systemd/system of the machine the test's sshd runs on",
};

type Where = 'sim' | 'ssh';
interface Step {
  /** A command line, run by bash as it is written. */
  readonly line: string;
  /** Not an example: what a person would have done before the next one. */
  readonly setup?: boolean;
  readonly exitCode?: number;
  readonly where?: Where;
  /**
   * Names /etc/xlp/audit.key, where docs/audit.md keeps the sealing key: run in a mount namespace
   * of its own whose /etc is the machine's with that file added (an overlay); the machine's /etc is
   * not written.
   */
  readonly etcXlp?: boolean;
}

/** `bash -c` of $3 where /etc has the files of $2 in /etc/xlp (an overlay on a tmpfs at $1). */
const WITH_ETC_XLP = `set -e
mount -t tmpfs tmpfs "$1"
mkdir "$1/upper" "$1/work"
cp -a "$2" "$1/upper/xlp"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
exec bash -c "$3"`;

/** The examples (and the set-up between them) in the order a person would run them. */
const STEPS: readonly Step[] = [
  { line: 'xlp version' },
  { line: 'xlp version --json' },
  { line: 'xlp sim reset' },
  { line: `xlp sim reset --build-id ${TEST_XEN_BUILD_ID} --xen-version 4.17.7` },
  { line: 'xlp sim show' },
  { line: 'xlp sim show --json' },
  { line: 'xlp inspect ./xsa-466.livepatch' },
  { line: 'xlp inspect ./xsa-466.livepatch --json' },
  { line: 'xlp inspect ./xsa-466.livepatch --host root@dom0', where: 'ssh' },
  { line: 'xlp list' },
  { line: 'xlp list --json' },
  { line: 'xlp list --backend sim' },
  { line: 'xlp list --timeout 5' },
  { line: 'xlp upload xsa-466 ./xsa-466.livepatch' },
  { line: 'xlp apply xsa-466' },
  { line: 'xlp apply xsa-466 --nodeps --json' },
  { line: 'xlp revert xsa-466' },
  { line: 'xlp load ./xsa-466.livepatch' },
  { line: 'xlp load ./build/out.livepatch --name xsa-466 --json' },
  { line: 'xlp replace ./xsa-cumulative-3.livepatch' },
  { line: 'xlp replace xsa-cumulative-3 --dry-run' },
  { line: 'xlp prune --keep xsa-466' },
  { line: 'xlp prune --dry-run' },
  { line: 'xlp unload xsa-466' },
  { line: 'xlp status' },
  { line: 'xlp status --json' },
  { line: 'xlp status --nagios' },
  // site.yaml wants the cumulative payload applied and xsa-466 uploaded beside it: a drift until synced.
  { line: 'xlp check -f site.yaml', exitCode: 11 },
  { line: 'xlp check -f site.yaml --json', exitCode: 11 },
  { line: 'xlp plan -f site.yaml' },
  { line: 'xlp plan -f site.yaml --out site.plan.json' },
  { line: 'xlp sync -f site.yaml --dry-run' },
  { line: 'xlp sync -f site.yaml --plan site.plan.json' },
  { line: 'xlp sync -f site.yaml' },
  { line: 'xlp check -f site.yaml --nagios' },
  // Boot on the simulated host: its build's desired stack is what the sync above kept; nothing needs re-applying.
  { line: 'xlp boot' },
  { line: 'xlp boot --boot-timeout 60 --json' },
  { line: 'xlp boot clear' },
  { line: 'xlp boot status' },
  { line: 'xlp boot enable' },
  { line: 'xlp boot status --json' },
  { line: 'xlp boot disable' },
  { line: 'xlp upload xsa-466 ./xsa-466.livepatch --host root@dom0', setup: true, where: 'ssh' },
  { line: 'xlp status --host root@dom0.example.org', where: 'ssh' },
  { line: 'xlp sim fault incomplete --action apply --duration-ms 2000' },
  { line: 'xlp sim fault sync-errno --action upload --errno 12' },
  { line: 'xlp sim fault --clear' },
  { line: 'xlp audit log --since 7d' },
  { line: 'xlp audit log --name xsa-466 --op apply --json' },
  { line: 'xlp audit export --format csv > audit.csv' },
  { line: 'xlp audit export --format jsonl --since 2026-11-01' },
  { line: 'xlp audit export --op apply --json' },
  { line: 'xlp audit verify' },
  { line: 'xlp audit verify --audit-log ./copy-of-audit.jsonl --allowed-signers ./allowed_signers --json' },
  // recover-tail's examples: verify finds a tail no xlp wrote (exit 9), recover-tail moves it aside.
  { line: "printf '{\"torn' >> ~/sim/audit.jsonl", setup: true },
  { line: 'xlp audit verify', exitCode: 9 },
  { line: 'xlp audit recover-tail' },
  { line: 'XLP_AUDIT_SEAL_KEY=/etc/xlp/audit.key xlp audit seal --start', etcXlp: true },
  { line: 'xlp audit verify --seal-key /etc/xlp/audit.key', etcXlp: true },
  { line: 'xlp sign ./xsa-466.livepatch --key ~/.ssh/id_ed25519' },
];

const sshEnabled = sshdSuiteEnabled('the help examples over ssh');
// The sshd tier already needs root; the mount namespace of the /etc/xlp examples does too.
const etcEnabled = sshEnabled;
let sshd: SshdFixture | undefined;
let home: string;
let work: string;
const env: Record<Where, Record<string, string>> = { sim: {}, ssh: {} };

const sha256Of = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

/** Writes `path` as an executable shell script. */
async function script(path: string, text: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${text}\n`);
  await chmod(path, 0o755);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'xlp-examples-'));
  work = join(home, 'work');
  const bin = join(home, 'bin');
  await Promise.all([mkdir(join(work, 'build'), { recursive: true }), mkdir(bin), mkdir(join(home, '.ssh'), { mode: 0o700 })]);
  await script(join(bin, 'xlp'), `exec '${process.execPath}' '${XLP_BIN}' "$@"`);
  const base = isolatedEnv(home, { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C.UTF-8' });
  env.sim = { ...base, XLP_BACKEND: 'sim', XLP_SIM_STATE: join(home, 'sim', 'state.json') };

  // The files the examples name.
  const payload = await buildPayload({ id: 'examples' });
  await copyFile(payload, join(work, 'xsa-466.livepatch'));
  await copyFile(payload, join(work, 'build', 'out.livepatch'));
  await copyFile(await buildPayload({ id: 'examples_cumulative', returns: '-3' }), join(work, 'xsa-cumulative-3.livepatch'));
  await writeFile(
    join(work, 'site.yaml'),
    [
      'version: 1',
      'hypervisors:',
      `  - build-id: ${TEST_XEN_BUILD_ID}`,
      '    payloads:',
      '      - name: xsa-cumulative-3',
      '        file: xsa-cumulative-3.livepatch',
      `        sha256: ${await sha256Of(join(work, 'xsa-cumulative-3.livepatch'))}`,
      '        state: applied',
      '      - name: xsa-466',
      '        file: xsa-466.livepatch',
      `        sha256: ${await sha256Of(join(work, 'xsa-466.livepatch'))}`,
      '        state: uploaded',
      '',
    ].join('\n'),
  );
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'payload-signer', '-f', join(home, '.ssh', 'id_ed25519')]);
  // /etc/xlp as docs/audit.md sets it up: a sealing key of 32 secret bytes, mode 0600.
  await mkdir(join(home, 'etc-xlp'), { mode: 0o700 });
  await writeFile(join(home, 'etc-xlp', 'audit.key'), randomBytes(32), { mode: 0o600 });
  await mkdir(join(home, 'overlay'));

  // ./copy-of-audit.jsonl: a journal ssh-sealed from its first record (on a host of its own), and the
  // ./allowed_signers that trusts its sealing key.
  const sealKey = join(home, 'audit_ed25519');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'auditor', '-f', sealKey]);
  const sealed = join(home, 'sealed', 'audit.jsonl');
  const upload = await execa('xlp', ['upload', 'sealed', join(work, 'xsa-466.livepatch'), '-q'], {
    env: { ...env.sim, XLP_SIM_STATE: join(home, 'sealed', 'state.json'), XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, XLP_AUDIT_LOG: sealed, XLP_AUDIT_SEAL_SSH_KEY: sealKey },
    extendEnv: false,
    reject: false,
  });
  expect(upload.exitCode, upload.stderr).toBe(0);
  await copyFile(sealed, join(work, 'copy-of-audit.jsonl'));
  await copyFile(`${sealed}.seal`, join(work, 'copy-of-audit.jsonl.seal'));
  const [type, key] = (await readFile(`${sealKey}.pub`, 'utf8')).trim().split(' ');
  await writeFile(join(work, 'allowed_signers'), `auditor namespaces="xlp-audit" ${type} ${key}\n`);

  if (!sshEnabled) return;
  // dom0 and dom0.example.org: this machine's sshd, whose xen-livepatch and xl are the simulator's.
  sshd = await startSshd();
  const tools: Record<string, string> = {};
  for (const name of ['xen-livepatch', 'xl']) {
    tools[name] = join(home, `dom0-${name}`);
    const fake = fileURLToPath(new URL(`../../bin/sim/${name}`, import.meta.url));
    await script(tools[name], `XLP_SIM_STATE='${join(home, 'dom0', 'state.json')}' XLP_SIM_BUILD_ID=${TEST_XEN_BUILD_ID} exec '${process.execPath}' '${fake}' "$@"`);
  }
  const config = join(home, 'ssh_config');
  await writeFile(config, ['Host dom0 dom0.example.org', '  HostName 127.0.0.1', `  Port ${sshd.port}`, ...sshd.goodOptions.map((option) => `  ${option.replace('=', ' ')}`)].join('\n') + '\n');
  env.ssh = { ...base, XLP_SSH_CONFIG: config, XLP_XEN_LIVEPATCH: tools['xen-livepatch'] as string, XLP_XL: tools.xl as string };
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('the examples in the help', () => {
  it('are all placed here, or said why not', () => {
    const placed = new Set([...STEPS.filter((step) => step.setup !== true).map((step) => step.line), ...Object.keys(NOT_RUN)]);
    expect(EXAMPLES.filter((example) => !placed.has(example))).toEqual([]);
    for (const step of STEPS.filter((s) => s.setup !== true)) expect(EXAMPLES, step.line).toContain(step.line);
  });

  it('give every command at least one example that is run', () => {
    for (const { id, examples } of BY_COMMAND) expect(examples.filter((example) => NOT_RUN[example] === undefined).length, id).toBeGreaterThan(0);
  });

  it('work when pasted, in order, with the exit code each shows', async () => {
    for (const step of STEPS) {
      if ((step.where === 'ssh' && !sshEnabled) || (step.etcXlp === true && !etcEnabled)) continue;
      const [file, args] = step.etcXlp === true ? ['unshare', ['--mount', '--propagation', 'private', 'bash', '-c', WITH_ETC_XLP, 'bash', join(home, 'overlay'), join(home, 'etc-xlp'), step.line]] : ['bash', ['-c', step.line]];
      const result = await execa(file, args, { cwd: work, env: env[step.where ?? 'sim'], extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
      expect({ line: step.line, exitCode: result.exitCode, stderr: result.exitCode === (step.exitCode ?? 0) ? '' : result.stderr }).toEqual({ line: step.line, exitCode: step.exitCode ?? 0, stderr: '' });
      if (/--json/.test(step.line)) expect((JSON.parse(result.stdout) as { schemaVersion?: number }).schemaVersion, step.line).toBe(1);
    }
    // What the examples left: the cumulative payload applied, xsa-466 uploaded again by the sync, the signature written.
    const list = JSON.parse((await execa('xlp', ['list', '--json'], { env: env.sim, extendEnv: false })).stdout) as { payloads: Array<{ name: string; state: string }> };
    expect(list.payloads.map((p) => `${p.name} ${p.state}`).sort()).toEqual(['xsa-466 CHECKED', 'xsa-cumulative-3 APPLIED']);
    expect(await readFile(join(work, 'xsa-466.livepatch.sig'), 'utf8')).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
    expect((await readFile(join(work, 'audit.csv'), 'utf8')).split('\r\n')[0]).toMatch(/^seq,/);
  }, 300_000);
});
