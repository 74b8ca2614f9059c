/**
 * Runs OpenSSH's ssh-keygen on data xlp has already read, never on the user's paths: the message
 * goes on stdin, and the other inputs (the signature, the allowed-signers list) are private copies
 * (0600 files in a fresh 0700 directory under xlp's runtime dir, removed afterwards), so ssh-keygen
 * checks exactly the bytes xlp read and nothing can be swapped on disk in between. (Node's 'pipe'
 * stdio is a socket, which ssh-keygen cannot open as /dev/fd/N.)
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, open, rm } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { ExitCode, XlpError } from '../errors.js';
import { runtimeDir } from '../paths.js';
import { ensurePrivateDir } from '../util/private-dir.js';

export interface KeygenResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KeygenOptions {
  readonly stdin?: Uint8Array;
  /** Inputs ssh-keygen reads by path: each becomes a private copy, named in `args` by inputPath(i). */
  readonly inputs?: readonly Uint8Array[];
  /** Let ssh-keygen talk to the user (passphrase or security-key touch prompts) on stderr. */
  readonly echoStderr?: boolean;
}

const INPUT = /^\{input(\d+)\}$/;

/** The argument that stands for the i-th input's private copy. */
export const inputPath = (index: number): string => `{input${index}}`;

let located: Promise<string> | undefined;

/** ssh-keygen from the absolute entries of PATH (a relative one would let the working directory choose what root runs). */
export function locateSshKeygen(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  located ??= (async () => {
    const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
    for (const dir of [...dirs, '/usr/bin', '/bin']) {
      const candidate = join(dir, 'ssh-keygen');
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    throw new XlpError('tool-missing', ExitCode.FAILED, 'ssh-keygen was not found: payload signatures need OpenSSH 8.2 or later', {
      hint: 'install openssh-client',
    });
  })();
  return located;
}

export async function runSshKeygen(args: readonly string[], options: KeygenOptions = {}): Promise<KeygenResult> {
  const program = await locateSshKeygen();
  const inputs = options.inputs ?? [];
  const dir = inputs.length === 0 ? undefined : await mkdtemp(join(await ensurePrivateDir(runtimeDir()), 'keygen-'));
  try {
    const paths: string[] = [];
    for (const [i, data] of inputs.entries()) {
      const path = join(dir as string, `input${i}`);
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await handle.writeFile(data).finally(() => handle.close());
      paths.push(path);
    }
    const argv = args.map((arg) => {
      const index = INPUT.exec(arg)?.[1];
      return index === undefined ? arg : (paths[Number(index)] ?? arg);
    });
    return await spawnKeygen(program, argv, options);
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

function spawnKeygen(program: string, argv: readonly string[], options: KeygenOptions): Promise<KeygenResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Prompts (security-key touch) matter to the user; ssh-keygen's narration does not.
      if (options.echoStderr === true) process.stderr.write(chunk.toString().replace(/^Signing data on standard input\n/m, ''));
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new XlpError('tool-missing', ExitCode.FAILED, `cannot run ${program}: ${error.code ?? error.message}`, { hint: 'install openssh-client' })),
    );
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
    // ssh-keygen may exit before reading everything (e.g. an unusable key): EPIPE is not our error.
    child.stdin.on('error', () => {});
    const data = options.stdin;
    if (data === undefined) child.stdin.end();
    else child.stdin.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}
