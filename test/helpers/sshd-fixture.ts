/**
 * A real OpenSSH server on 127.0.0.1 for the ssh runner's tests: its own throwaway host key, an
 * authorized client key, a second key it does not know, and a "corrupting" key whose sessions get a
 * PATH whose `cat` alters data (to prove the host-side sha256 check). Needs root and openssh-server.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const SSHD = '/usr/sbin/sshd';

/** Why the real-sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install -y openssh-server)`;
  if (process.getuid?.() !== 0) return 'the test sshd must run as root';
  return undefined;
}

export interface SshdFixture {
  readonly port: number;
  readonly dir: string;
  readonly knownHosts: string;
  /** The TMPDIR of every session: where stage() creates its directories. */
  readonly remoteTmp: string;
  /** ssh -o options that reach the server as root with the authorized key and the right known_hosts. */
  readonly goodOptions: readonly string[];
  /** The same, with a key the server does not accept. */
  readonly wrongKeyOptions: readonly string[];
  /** The same, with a known_hosts entry holding another key for this server. */
  readonly changedHostKeyOptions: readonly string[];
  /** The same, with an empty known_hosts. */
  readonly unknownHostKeyOptions: readonly string[];
  /** Authorized, but the session's PATH has a `cat` that appends a byte. */
  readonly corruptingOptions: readonly string[];
  /** Authorized, but the session's PATH has sh, mktemp, cat and rm and no sha256sum. */
  readonly noSha256Options: readonly string[];
  /** Everything sshd logged so far. */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function keygen(path: string): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'xlp-test', '-f', path]);
  const [type, key] = (await readFile(`${path}.pub`, 'utf8')).trim().split(' ');
  return `${type} ${key}`;
}

/** Resolves once the server sends its SSH banner, so no test races its start. */
async function waitForBanner(port: number, sshd: ResultPromise, log: () => string): Promise<void> {
  let exited = false;
  void sshd.finally(() => (exited = true));
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (exited) throw new Error(`the test sshd exited:\n${log()}`);
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(500);
      socket.once('data', (data) => { socket.destroy(); resolve(String(data)); });
      socket.once('error', () => resolve(''));
      socket.once('timeout', () => { socket.destroy(); resolve(''); });
    });
    if (banner.startsWith('SSH-2.0')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the test sshd did not answer on port ${port}:\n${log()}`);
}

/** A directory of links to the few programs a restricted session may use. */
async function restrictedBin(dir: string, programs: readonly string[]): Promise<void> {
  await mkdir(dir);
  for (const program of programs) {
    const { stdout } = await execa('sh', ['-c', 'command -v "$1"', 'sh', program]);
    await symlink(stdout.trim(), join(dir, program));
  }
}

export async function startSshd(): Promise<SshdFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'xlp-sshd-'));
  const file = (name: string): string => join(dir, name);
  const hostPublic = await keygen(file('host_key'));
  const otherHostPublic = await keygen(file('other_host_key'));
  const clientPublic = await keygen(file('client_key'));
  await keygen(file('wrong_key'));
  const corruptingPublic = await keygen(file('corrupting_key'));
  const noShaPublic = await keygen(file('nosha_key'));

  await restrictedBin(file('corrupt-bin'), ['sh', 'mktemp', 'sha256sum', 'rm']);
  // Appends one byte to everything it copies: a stand-in for a transfer or disk that alters data.
  await writeFile(file('corrupt-bin/cat'), '#!/bin/sh\n/bin/cat "$@" && printf X\n', { mode: 0o755 });
  await restrictedBin(file('nosha-bin'), ['sh', 'mktemp', 'cat', 'rm']);
  // Every session stages into remoteTmp (through XLP_STAGE_DIR), so tests can see what is left behind.
  await mkdir(file('remote-tmp'), { mode: 0o700 });
  const tmp = `environment="TMPDIR=${file('remote-tmp')}",environment="XLP_STAGE_DIR=${file('remote-tmp')}"`;
  await writeFile(file('authorized_keys'), [
    `${tmp} ${clientPublic}`,
    `${tmp},environment="PATH=${file('corrupt-bin')}" ${corruptingPublic}`,
    `${tmp},environment="PATH=${file('nosha-bin')}" ${noShaPublic}`,
  ].join('\n') + '\n', { mode: 0o600 });

  const port = await freePort();
  await writeFile(file('known_hosts'), `[127.0.0.1]:${port} ${hostPublic}\n`);
  await writeFile(file('changed_known_hosts'), `[127.0.0.1]:${port} ${otherHostPublic}\n`);
  await writeFile(file('empty_known_hosts'), '');
  await writeFile(file('sshd_config'), [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${file('host_key')}`,
    `PidFile ${file('sshd.pid')}`,
    `AuthorizedKeysFile ${file('authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'PermitUserEnvironment PATH,TMPDIR,XLP_STAGE_DIR',
    // The temp dir lives under world-writable /tmp, which StrictModes would refuse.
    'StrictModes no',
    'UsePAM no',
    'LogLevel VERBOSE',
  ].join('\n') + '\n');
  // sshd refuses to start without its privilege-separation directory (Debian creates it at boot).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  await chmod(dir, 0o700);

  let log = '';
  const sshd = execa(SSHD, ['-D', '-e', '-f', file('sshd_config')], { reject: false, stdin: 'ignore', buffer: false });
  sshd.stderr?.on('data', (chunk: Buffer) => (log += String(chunk)));
  await waitForBanner(port, sshd, () => log);

  const base = (identity: string, knownHosts: string): string[] => [
    `IdentityFile=${file(identity)}`,
    'IdentitiesOnly=yes',
    `UserKnownHostsFile=${file(knownHosts)}`,
    'GlobalKnownHostsFile=/dev/null',
    'StrictHostKeyChecking=yes',
  ];
  return {
    port,
    dir,
    knownHosts: file('known_hosts'),
    remoteTmp: file('remote-tmp'),
    goodOptions: base('client_key', 'known_hosts'),
    wrongKeyOptions: base('wrong_key', 'known_hosts'),
    changedHostKeyOptions: base('client_key', 'changed_known_hosts'),
    unknownHostKeyOptions: base('client_key', 'empty_known_hosts'),
    corruptingOptions: base('corrupting_key', 'known_hosts'),
    noSha256Options: base('nosha_key', 'known_hosts'),
    log: () => log,
    stop: async () => {
      sshd.kill('SIGTERM');
      await sshd;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
