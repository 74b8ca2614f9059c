/**
 * The ssh Runner against a real OpenSSH server on 127.0.0.1 (the "remote" host is this machine, so
 * the tests can look at what landed on it directly).
 */
import { randomBytes, createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import type { Runner } from '../../src/host/runner.js';
import { createSshRunner } from '../../src/host/ssh/ssh-runner.js';
import { startSshd, type SshdFixture } from '../helpers/sshd-fixture.js';
import { sshdSuiteEnabled } from '../helpers/sshd-suite.js';

const WEIRD = [
  'plain',
  'with space',
  "it's quoted",
  '"double"',
  '$HOME and ${PATH}',
  '`id` and $(id)',
  'a; rm -rf /nonexistent-xlp; b',
  'line one\nline two\n',
  '--looks-like-a-flag',
  '*',
  '\\back\\slash',
  "'",
  '',
  'tab\there & pipe | redirect > /dev/null',
];

async function errorOf(promise: Promise<unknown>): Promise<XlpError> {
  const error: unknown = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(XlpError);
  return error as XlpError;
}

const accepted = (log: string): number => log.split('\n').filter((line) => line.includes('Accepted publickey for root')).length;

describe.runIf(sshdSuiteEnabled('the ssh runner tests (real sshd)'))('ssh runner against a real sshd', () => {
  let sshd: SshdFixture;
  let controlBase: string;
  let runner: Runner;
  const destination = (): string => `root@127.0.0.1:${sshd.port}`;
  const newRunner = (options: readonly string[] = sshd.goodOptions): Runner =>
    createSshRunner(destination(), { extraOptions: options, controlDirBase: controlBase, connectTimeoutSeconds: 5 });

  beforeAll(async () => {
    sshd = await startSshd();
    controlBase = await mkdtemp(join(tmpdir(), 'xlp-ssh-control-'));
    runner = newRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await sshd?.stop();
    if (controlBase !== undefined) await rm(controlBase, { recursive: true, force: true });
  });

  it('returns the remote program\'s stdout, stderr and exit code as they were', async () => {
    const result = await runner.run('sh', ['-c', 'printf "out\\n"; printf "err\\n" >&2; exit 3']);
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('reports a remote exit 255 as the program\'s result, not as an ssh failure', async () => {
    const result = await runner.run('sh', ['-c', 'echo still-mine >&2; exit 255']);
    expect(result).toEqual({ stdout: '', stderr: 'still-mine\n', exitCode: 255 });
  });

  it('passes every argument byte for byte through the remote shell', async () => {
    const result = await runner.run('printf', ['%s\\0', ...WEIRD]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(WEIRD);
  });

  it('runs a program whose path holds spaces, quotes, $, backticks and semicolons', async () => {
    const dir = join(sshd.dir, "odd dir 'q' $x `y`; z");
    await mkdir(dir);
    const program = join(dir, 'echo args');
    await writeFile(program, '#!/bin/sh\nprintf "[%s]" "$@"\n', { mode: 0o755 });
    const result = await runner.run(program, ['a b', '$1']);
    expect(result).toEqual({ stdout: '[a b][$1]', stderr: '', exitCode: 0 });
  });

  it('runs remote tools in the C locale so their messages stay parseable', async () => {
    const result = await runner.run('sh', ['-c', 'echo "$LC_ALL"']);
    expect(result.stdout).toBe('C\n');
  });

  it('reports a missing remote program as tool-missing, naming the program and the host', async () => {
    const error = await errorOf(runner.run('xlp-no-such-program', ['x']));
    expect(error.code).toBe('tool-missing');
    expect(error.exitCode).toBe(ExitCode.HOST_UNSUPPORTED);
    expect(error.message).toBe(`cannot run xlp-no-such-program on ${destination()}: not found`);
    expect(error.hint).toBeTruthy();
  });

  it('stops a remote program that outruns its timeout, and stays usable', async () => {
    const error = await errorOf(runner.run('sleep', ['30'], { timeoutMs: 500 }));
    expect(error.code).toBe('tool-timeout');
    expect(error.exitCode).toBe(ExitCode.FAILED);
    expect(error.message).toContain(destination());
    expect(await runner.run('echo', ['alive'])).toEqual({ stdout: 'alive\n', stderr: '', exitCode: 0 });
  });

  it('stages bytes into a private file on the host and removes it again', async () => {
    const bytes = randomBytes(200_000);
    const name = "pay load's $x `y`; z.livepatch";
    const staged = await runner.stage(bytes, name);
    expect(basename(staged.path)).toBe(name);
    expect(dirname(dirname(staged.path))).toBe(sshd.remoteTmp);
    expect(basename(dirname(staged.path))).toMatch(/^xlp-stage\.\d+-[0-9a-z]+\.[A-Za-z0-9]{8}$/);
    expect((await stat(dirname(staged.path))).mode & 0o777).toBe(0o700);
    expect((await stat(staged.path)).mode & 0o777).toBe(0o600);
    expect(lstatSync(staged.path).isFile()).toBe(true);
    expect(createHash('sha256').update(await readFile(staged.path)).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));

    await staged.remove();
    await staged.remove();
    expect(await readdir(sshd.remoteTmp)).toEqual([]);
  });

  it("removes a killed run's staged copies on the host and its control directory here, and nothing of any other run", async () => {
    const killed = '4242-zz1';
    const other = '4243-zz2';
    const stages = [`xlp-stage.${killed}.AbCdEfGh`, `xlp-stage.${other}.AbCdEfGh`];
    for (const dir of stages) await mkdir(join(sshd.remoteTmp, dir), { mode: 0o700 });
    await writeFile(join(sshd.remoteTmp, stages[0] as string, 'p.livepatch'), 'x');
    for (const run of [killed, other]) await mkdir(join(controlBase, `ssh-${run}-abc`), { mode: 0o700 });
    const removed = await runner.removeLeftovers(killed);
    expect(removed.sort()).toEqual([join(controlBase, `ssh-${killed}-abc`), `${destination()}:${join(sshd.remoteTmp, stages[0] as string)}`].sort());
    expect(await readdir(sshd.remoteTmp)).toEqual([stages[1]]);
    expect((await readdir(controlBase)).filter((entry) => entry.includes('-zz'))).toEqual([`ssh-${other}-abc`]);
    await rm(join(sshd.remoteTmp, stages[1] as string), { recursive: true });
    await rm(join(controlBase, `ssh-${other}-abc`), { recursive: true });
  });

  it('stages an empty payload as an empty file', async () => {
    const staged = await runner.stage(new Uint8Array(), 'empty.livepatch');
    expect((await stat(staged.path)).size).toBe(0);
    await staged.remove();
  });

  it('refuses a staged copy whose sha256 on the host differs, and leaves nothing behind', async () => {
    const corrupting = newRunner(sshd.corruptingOptions);
    try {
      const error = await errorOf(corrupting.stage(randomBytes(4096), 'p.livepatch'));
      expect(error.code).toBe('stage-corrupt');
      expect(error.exitCode).toBe(ExitCode.REMOTE);
      expect(error.message).toContain(destination());
      expect(error.detail?.stderr).toMatch(/sha256 of the staged copy is [0-9a-f]{64}, expected [0-9a-f]{64}/);
      expect(await readdir(sshd.remoteTmp)).toEqual([]);
    } finally {
      await corrupting.close();
    }
  });

  it('names the missing program when the host has no sha256sum, and leaves nothing behind', async () => {
    const noSha = newRunner(sshd.noSha256Options);
    try {
      const error = await errorOf(noSha.stage(randomBytes(16), 'p.livepatch'));
      expect(error.code).toBe('tool-missing');
      expect(error.exitCode).toBe(ExitCode.HOST_UNSUPPORTED);
      expect(error.message).toBe(`cannot run sha256sum on ${destination()}: not found`);
      expect(await readdir(sshd.remoteTmp)).toEqual([]);
    } finally {
      await noSha.close();
    }
  });

  it('refuses a basename that could leave the staging directory', async () => {
    const error = await errorOf(runner.stage(new Uint8Array([1]), '../escape'));
    expect(error.exitCode).toBe(ExitCode.USAGE);
  });

  it('authenticates once per run through a private ControlMaster, and close() ends it', async () => {
    const ownBase = await mkdtemp(join(tmpdir(), 'xlp-ssh-own-'));
    const own = createSshRunner(destination(), { extraOptions: sshd.goodOptions, controlDirBase: ownBase });
    try {
      const before = accepted(sshd.log());
      await Promise.all([own.run('true', []), own.run('true', []), own.run('true', [])]);
      const staged = await own.stage(new Uint8Array([1, 2, 3]), 'x.livepatch');
      await staged.remove();
      await own.run('true', []);
      expect(accepted(sshd.log()) - before).toBe(1);

      const [controlDir, ...others] = await readdir(ownBase);
      expect(others).toEqual([]);
      expect(controlDir).toMatch(/^ssh-/);
      expect((await stat(join(ownBase, controlDir!))).mode & 0o777).toBe(0o700);
      expect(await readdir(join(ownBase, controlDir!))).toEqual(['cm']);
      expect((await stat(join(ownBase, controlDir!, 'cm'))).isSocket()).toBe(true);

      await own.close();
      await own.close();
      expect(await readdir(ownBase)).toEqual([]);

      // A closed runner connects again when used: a second authentication.
      await own.run('true', []);
      expect(accepted(sshd.log()) - before).toBe(2);
    } finally {
      await own.close();
      await rm(ownBase, { recursive: true, force: true });
    }
  });

  it('keeps a file on the host in /var/lib/xlp (0600 in 0700 directories), reads it back, and refuses one others can read', async () => {
    // The remote host is this machine: the file lands in its /var/lib/xlp, under a name no sync uses.
    const bytes = randomBytes(70_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const name = `payloads/${sha256}`;
    const path = join('/var/lib/xlp', name);
    try {
      expect(await runner.readKeptFile(name, 1 << 20)).toBeUndefined();
      await runner.keepFile(name, bytes);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      expect((await stat('/var/lib/xlp')).mode & 0o777).toBe(0o700);
      expect(Buffer.from((await runner.readKeptFile(name, 1 << 20)) as Uint8Array).equals(bytes)).toBe(true);
      // No temporary copy left beside it.
      expect((await readdir(dirname(path))).filter((entry) => entry.startsWith('.xlp-keep'))).toEqual([]);
      const tooSmall = await errorOf(runner.readKeptFile(name, 1000));
      expect(tooSmall.message).toContain('larger than 1000 bytes');
      await chmod(path, 0o644);
      const exposed = await errorOf(runner.readKeptFile(name, 1 << 20));
      expect(exposed.code).toBe('kept-file-unusable');
      expect(exposed.message).toContain('not a private regular file');
      await expect(runner.keepFile('../escape', bytes)).rejects.toThrow(/invalid name/);
    } finally {
      await rm(path, { force: true });
    }
  });
});
