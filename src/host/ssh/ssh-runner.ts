/**
 * A Runner for a remote dom0 over the system's OpenSSH client. One authenticated connection (a
 * ControlMaster in a private directory) carries every command of a run; ssh never prompts (BatchMode);
 * every argument is single-quoted for the remote POSIX shell; ssh's own failures become XlpErrors that
 * say it was ssh, while the remote program's exit code and output come back as they were.
 */
import { createHash } from 'node:crypto';
import { ExitCode, XlpError, usageError } from '../../errors.js';
import type { RunOptions, RunResult, Runner, StagedFile } from '../runner.js';
import { assertSafeBasename, removeRunDirs } from '../staging.js';
import { RUN_ID, isRunId } from '../../util/run-id.js';
import { createControlDir, type ControlDir } from './control-dir.js';
import { formatDestination, parseDestination, type SshDestination } from './destination.js';
import { remoteCommandLine } from './remote-shell.js';
import { STAGE_MISMATCH_EXIT, STAGE_SCRIPT, UNSTAGE_SCRIPT, parseStagedDir } from './remote-stage.js';
import { lastLine, looksLikeSshFailure, sshFailure } from './ssh-errors.js';

export interface SshRunnerOptions {
  /** An ssh_config file used instead of ~/.ssh/config (ssh -F). */
  readonly configFile?: string;
  /** Seconds ssh waits for the TCP connection and the server's banner; default 10. */
  readonly connectTimeoutSeconds?: number;
  /** More `Key=Value` options for ssh -o (e.g. IdentityFile, UserKnownHostsFile); they cannot override BatchMode. */
  readonly extraOptions?: readonly string[];
  /** Where the private control directory is made: xlp's runtime dir (src/paths.ts). */
  readonly controlDirBase: string;
}

const DEFAULT_CONNECT_TIMEOUT_S = 10;
/** How long an idle master lingers: long enough to span one xlp run, short enough to leave nothing behind. */
const CONTROL_PERSIST_S = 30;
const OPTION = /^[A-Za-z][A-Za-z0-9]*=[^\n\0]*$/;
/** What POSIX shells (ash, dash, bash; zsh words it differently) print when a command cannot be started. */
const NOT_STARTABLE = /command not found: (\S+)|([^\s:]+): (?:command )?not found|([^\s:]+): (?:Permission denied|cannot execute)/;

type Exec = { stdout: string; stderr: string; exitCode: number };

interface ExecOptions {
  readonly timeoutMs?: number;
  readonly input?: Uint8Array;
  /** The error for a run that outlived timeoutMs and was killed. */
  readonly timedOut: (stderr: string, stdout: string) => XlpError;
  /** What else must happen once the client is killed, for its output streams to close. */
  readonly afterKill?: () => Promise<void>;
}

function validateOptions(options: SshRunnerOptions): void {
  const timeout = options.connectTimeoutSeconds;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 3600)) {
    throw usageError(`invalid ssh connect timeout ${JSON.stringify(timeout)}`, 'give whole seconds, 1-3600');
  }
  for (const option of options.extraOptions ?? []) {
    if (!OPTION.test(option)) throw usageError(`invalid ssh option ${JSON.stringify(option)}`, 'give options as Key=Value, e.g. IdentityFile=/root/.ssh/id_ed25519');
  }
  if (options.configFile !== undefined && (options.configFile === '' || options.configFile.includes('\0'))) {
    throw usageError('invalid ssh config file name', 'give the path of an ssh_config file');
  }
}

class SshRunner implements Runner {
  readonly target: string;
  readonly #destination: SshDestination;
  readonly #options: SshRunnerOptions;
  #connection: Promise<ControlDir> | undefined;

  constructor(destination: SshDestination, options: SshRunnerOptions) {
    this.#destination = destination;
    this.#options = options;
    this.target = formatDestination(destination);
  }

  async run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if ([program, ...args].some((word) => word.includes('\0'))) {
      throw usageError(`cannot run ${program}: an argument contains a NUL byte`);
    }
    return this.#remote(remoteCommandLine(program, args), options.timeoutMs, undefined, program);
  }

  async stage(bytes: Uint8Array, basename: string): Promise<StagedFile> {
    assertSafeBasename(basename);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const command = remoteCommandLine('sh', ['-c', STAGE_SCRIPT, 'xlp-stage', basename, sha256, RUN_ID]);
    const result = await this.#remote(command, undefined, bytes, 'sh');
    if (result.exitCode === STAGE_MISMATCH_EXIT) {
      throw new XlpError('stage-corrupt', ExitCode.REMOTE, `the copy of ${basename} on ${this.target} does not match what xlp verified (sha256)`, {
        hint: 'the transfer or the host\'s storage altered the bytes: nothing was uploaded; retry, then check the link and the host',
        detail: result,
      });
    }
    const dir = result.exitCode === 0 ? parseStagedDir(result.stdout) : undefined;
    if (dir === undefined) {
      throw new XlpError('stage-failed', ExitCode.REMOTE, `cannot copy ${basename} to ${this.target}: ${lastLine(result.stderr)}`, {
        hint: 'check free space in the host\'s TMPDIR (default /tmp) and that mktemp, cat and sha256sum work there',
        detail: result,
      });
    }
    let removed: Promise<void> | undefined;
    const remove = (): Promise<void> => (removed ??= this.#unstage(dir));
    return { path: `${dir}/${basename}`, remove };
  }

  async removeLeftovers(run: string): Promise<string[]> {
    if (!isRunId(run)) return [];
    // The killed run's master may still be listening (ControlPersist): stop it, then remove its directory.
    const local = await removeRunDirs(this.#options.controlDirBase, 'ssh', run, async (dir) => {
      const { execa } = await import('execa');
      await execa('ssh', this.#sshArgs(`${dir}/cm`, ['-O', 'exit']), { reject: false, stdin: 'ignore', timeout: 10_000 });
    });
    const result = await this.run('sh', ['-c', UNSTAGE_SCRIPT, 'xlp-unstage', run]);
    const remote = result.exitCode === 0 ? result.stdout.split('\n').filter((line) => line !== '').map((dir) => `${this.target}:${dir}`) : [];
    return [...local, ...remote];
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    const control = await connection?.catch(() => undefined);
    if (control !== undefined) await this.#endMaster(control);
  }

  /** Ends the master now instead of after ControlPersist (with any session still on it); failing means it is gone. */
  async #endMaster(control: ControlDir): Promise<void> {
    const { execa } = await import('execa');
    await execa('ssh', this.#sshArgs(control.socketPath, ['-O', 'exit']), { reject: false, stdin: 'ignore', timeout: 10_000 });
    await control.remove();
  }

  async #unstage(dir: string): Promise<void> {
    const result = await this.run('rm', ['-rf', '--', dir]);
    if (result.exitCode !== 0) {
      throw new XlpError('unstage-failed', ExitCode.REMOTE, `cannot remove ${dir} on ${this.target}: ${lastLine(result.stderr)}`, {
        hint: `remove it by hand: ssh ${this.target} rm -rf ${dir}`,
        detail: result,
      });
    }
  }

  #connect(): Promise<ControlDir> {
    this.#connection ??= (async () => {
      const control = await createControlDir(this.#options.controlDirBase);
      try {
        // -N -f: authenticate, then leave the master in the background (its stdio on /dev/null).
        const deadlineMs = this.#connectDeadlineMs();
        const result = await this.#exec(this.#sshArgs(control.socketPath, ['-N', '-f']), {
          timeoutMs: deadlineMs,
          // Classified like ssh's own timeouts: the login, not a remote program, took too long.
          timedOut: (stderr) => sshFailure(this.target, `${stderr}\nxlp: login not finished within ${deadlineMs / 1000} s: timed out`, 255),
        });
        if (result.exitCode !== 0) throw sshFailure(this.target, result.stderr, result.exitCode);
        return control;
      } catch (error) {
        this.#connection = undefined;
        await control.remove();
        throw error;
      }
    })();
    return this.#connection;
  }

  async #remote(command: string, timeoutMs: number | undefined, input: Uint8Array | undefined, program: string): Promise<RunResult> {
    const control = await this.#connect();
    const result = await this.#exec(this.#sshArgs(control.socketPath, ['-T'], command), {
      timeoutMs,
      input,
      // The master holds the session's end of our pipes (ssh passes them over the control socket), so
      // killing the client alone leaves them open until the remote program ends: end the whole master.
      afterKill: async () => {
        if (this.#connection !== undefined && (await this.#connection.catch(() => undefined)) === control) this.#connection = undefined;
        await this.#endMaster(control);
      },
      timedOut: (stderr, stdout) => new XlpError('tool-timeout', ExitCode.FAILED, `${program} on ${this.target} did not finish within ${timeoutMs} ms and was stopped`, {
        hint: 'the host may still be working on the request: check `xlp list` before retrying',
        detail: { stdout, stderr },
      }),
    });
    if (result.exitCode === 255 && looksLikeSshFailure(result.stderr)) throw sshFailure(this.target, result.stderr, result.exitCode);
    if (result.exitCode === 126 || result.exitCode === 127) {
      const missing = NOT_STARTABLE.exec(result.stderr);
      if (missing !== null) {
        const name = missing[1] ?? missing[2] ?? missing[3] ?? program;
        throw new XlpError('tool-missing', ExitCode.HOST_UNSUPPORTED, `cannot run ${name} on ${this.target}: ${result.exitCode === 127 ? 'not found' : 'not executable'}`, {
          hint: `install ${name} on ${this.target} or give its full path`,
          detail: result,
        });
      }
    }
    return result;
  }

  async #exec(args: string[], { timeoutMs, input, timedOut, afterKill }: ExecOptions): Promise<Exec> {
    const { execa } = await import('execa');
    const subprocess = execa('ssh', args, {
      reject: false,
      stripFinalNewline: false,
      shell: false,
      // Its own process group: a Ctrl-C at the terminal must not cut the remote tool off mid-operation.
      detached: true,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    });
    let killed: Promise<void> | undefined;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      subprocess.kill();
      killed = afterKill?.();
    }, timeoutMs);
    const result = await subprocess.finally(() => clearTimeout(timer));
    if (killed !== undefined) {
      await killed;
      throw timedOut(result.stderr, result.stdout);
    }
    if (result.exitCode === undefined) {
      if (result.code === 'ENOENT') {
        throw new XlpError('ssh-missing', ExitCode.REMOTE, 'cannot reach remote hosts: the ssh client is not installed here', {
          hint: 'install OpenSSH\'s client (Debian: apt-get install openssh-client)',
        });
      }
      throw new XlpError('ssh-failed', ExitCode.REMOTE, `ssh to ${this.target} ended abnormally (${result.signal ?? result.code ?? 'unknown'})`, {
        hint: 'retry; if it persists, run ssh by hand with -v',
        detail: { stdout: result.stdout, stderr: result.stderr },
      });
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }

  /** Banner exchange and authentication can stall after the TCP connect that ConnectTimeout covers. */
  #connectDeadlineMs(): number {
    return ((this.#options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S) * 3 + 10) * 1000;
  }

  #sshArgs(socketPath: string, extra: readonly string[], command?: string): string[] {
    const { user, host, port } = this.#destination;
    const { configFile, connectTimeoutSeconds = DEFAULT_CONNECT_TIMEOUT_S, extraOptions = [] } = this.#options;
    return [
      ...(configFile === undefined ? [] : ['-F', configFile]),
      // ssh keeps the first value it sees for an option: these come before any caller-supplied one.
      '-o', 'BatchMode=yes',
      '-o', `ConnectTimeout=${connectTimeoutSeconds}`,
      '-o', 'ControlMaster=auto',
      '-o', `ControlPath=${socketPath}`,
      '-o', `ControlPersist=${CONTROL_PERSIST_S}`,
      '-o', 'ServerAliveInterval=15',
      '-o', 'ServerAliveCountMax=3',
      ...extraOptions.flatMap((option) => ['-o', option]),
      ...(port === undefined ? [] : ['-p', String(port)]),
      ...(user === undefined ? [] : ['-l', user]),
      ...extra,
      '--',
      host,
      ...(command === undefined ? [] : [command]),
    ];
  }
}

/**
 * A Runner for `[user@]host[:port]` (or `[user@][v6addr]:port`). Nothing connects until the first
 * run() or stage(); close() ends the shared connection.
 */
export function createSshRunner(destination: string, options: SshRunnerOptions): Runner {
  validateOptions(options);
  return new SshRunner(parseDestination(destination), options);
}
