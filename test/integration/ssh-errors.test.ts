/**
 * Every class of ssh failure, produced for real against a real sshd on 127.0.0.1 (or a closed port,
 * an unresolvable name, a server that never speaks), must come out as an XlpError with exit code
 * REMOTE that says ssh failed, why, and what to do.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import { createSshRunner } from '../../src/host/ssh/ssh-runner.js';
import { startSshd, type SshdFixture } from '../helpers/sshd-fixture.js';
import { sshdSuiteEnabled } from '../helpers/sshd-suite.js';

async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { server, port: address.port };
}

describe.runIf(sshdSuiteEnabled('the ssh error tests (real sshd)'))('ssh failures', () => {
  let sshd: SshdFixture;
  let controlBase: string;

  beforeAll(async () => {
    sshd = await startSshd();
    controlBase = await mkdtemp(join(tmpdir(), 'xlp-ssh-errors-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (controlBase !== undefined) await rm(controlBase, { recursive: true, force: true });
  });

  async function failure(destination: string, options: readonly string[], connectTimeoutSeconds = 5): Promise<XlpError> {
    const runner = createSshRunner(destination, { extraOptions: options, controlDirBase: controlBase, connectTimeoutSeconds });
    try {
      const error: unknown = await runner.run('true', []).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(XlpError);
      const xlpError = error as XlpError;
      expect(xlpError.exitCode).toBe(ExitCode.REMOTE);
      expect(xlpError.message.startsWith(`ssh to ${destination} failed: `)).toBe(true);
      expect(xlpError.hint).toBeTruthy();
      // A failed connection leaves no control directory behind.
      expect(await readdir(controlBase)).toEqual([]);
      return xlpError;
    } finally {
      await runner.close();
    }
  }

  it('a key the host does not accept is an authentication failure', async () => {
    const error = await failure(`root@127.0.0.1:${sshd.port}`, sshd.wrongKeyOptions);
    expect(error.code).toBe('ssh-auth');
    expect(error.message).toContain('authentication was refused');
    expect(error.detail?.stderr).toContain('Permission denied (publickey)');
  });

  it('a host key that differs from known_hosts is refused as changed', async () => {
    const error = await failure(`root@127.0.0.1:${sshd.port}`, sshd.changedHostKeyOptions);
    expect(error.code).toBe('ssh-host-key-changed');
    expect(error.hint).toContain('ssh-keygen -R');
  });

  it('a host key missing from known_hosts is refused, never accepted', async () => {
    const error = await failure(`root@127.0.0.1:${sshd.port}`, sshd.unknownHostKeyOptions);
    expect(error.code).toBe('ssh-host-key-unknown');
  });

  it('a closed port is a refused connection', async () => {
    const { server, port } = await listen((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(`root@127.0.0.1:${port}`, sshd.goodOptions);
    expect(error.code).toBe('ssh-refused');
  });

  it('a name that cannot resolve is a DNS failure', async () => {
    // A 70-character label is refused by the resolver itself: no query leaves the machine.
    const error = await failure(`root@${'a'.repeat(70)}.invalid:22`, sshd.goodOptions);
    expect(error.code).toBe('ssh-dns');
  });

  it('a server that never answers is a timeout', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((socket) => sockets.push(socket));
    try {
      const error = await failure(`root@127.0.0.1:${port}`, sshd.goodOptions, 1);
      expect(error.code).toBe('ssh-timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the remote program\'s own failure is not reported as an ssh failure', async () => {
    const runner = createSshRunner(`root@127.0.0.1:${sshd.port}`, { extraOptions: sshd.goodOptions, controlDirBase: controlBase });
    try {
      expect(await runner.run('sh', ['-c', 'echo "Permission denied (publickey)" >&2; exit 1'])).toEqual({
        stdout: '',
        stderr: 'Permission denied (publickey)\n',
        exitCode: 1,
      });
    } finally {
      await runner.close();
    }
  });
});
