/**
 * A faithful re-implementation of xen-livepatch (tools/misc/xen-livepatch.c) over the simulated
 * hypervisor: the same argv rules, messages, stream split and exit codes as the real tool of the
 * simulated Xen version (generations G2 4.9–4.13, G3 4.14–4.18, G4 4.19+).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Errno, errnoInfo } from '../../model/errno.js';
import { SimHost } from './host.js';
import { resolveStatePath, type SimEnv } from './state-store.js';
import { helpText } from './tool-help.js';
import { readFileLikeTool, type FileStep } from './tool-file.js';
import { ToolOutput, padBytes, type FakeResult } from './tool-output.js';
import { toolGeneration, type ToolGeneration } from './xen-version.js';
import type { SimActionName } from './state.js';

export type { FakeResult } from './tool-output.js';

const MAIN_COMMANDS = ['help', 'list', 'upload', 'load'] as const;
const ACTION_COMMANDS = ['apply', 'revert', 'unload', 'replace'] as const;
type Command = (typeof MAIN_COMMANDS)[number] | SimActionName;

/** The tool's get_name() limit; libxc then allows only 127 (see docs/simulator.md). */
const TOOL_NAME_LIMIT = 128;
/** HYPERVISOR_TIMEOUT_NS * 2: the tool's single wait before it reads the result. */
const ACTION_WAIT_MS = 60;
const HANDLE_FAILURE = 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n';

const STATE_CHECKED = 1;
const STATE_APPLIED = 2;
const NOT_LOADED = -Errno.ENOENT;

interface ActionSpec {
  readonly allow: number;
  readonly expected: number;
  readonly verb: string;
}

const ACTIONS: Record<SimActionName, ActionSpec> = {
  apply: { allow: STATE_CHECKED, expected: STATE_APPLIED, verb: 'Applying' },
  revert: { allow: STATE_APPLIED, expected: STATE_CHECKED, verb: 'Reverting' },
  unload: { allow: STATE_CHECKED, expected: NOT_LOADED, verb: 'Unloading' },
  replace: { allow: STATE_CHECKED, expected: STATE_APPLIED, verb: 'Replacing all live patches with' },
};

const FILE_STEP_MESSAGE: Record<FileStep, string> = { open: 'Could not open', stat: 'Could not get size of', map: 'Could not map' };

const state2str = (state: number): string => (state === STATE_CHECKED ? 'CHECKED' : state === STATE_APPLIED ? 'APPLIED' : 'unknown');
const errorLine = (errno: number): string => `Error ${errno}: ${errnoInfo(errno).message}\n`;

/** Up to 4.18 a command word is compared only up to its own length, so `l` means list. */
function lookup(word: string, generation: ToolGeneration): Command | undefined {
  const matches = (command: string): boolean => (generation === 4 ? command === word : command.startsWith(word));
  return MAIN_COMMANDS.find(matches) ?? ACTION_COMMANDS.find(matches);
}

/** POSIX basename(3) from libgen.h, then everything from the last '.' removed (load_func). */
export function loadName(file: string): string {
  const trimmed = file.replace(/\/+$/, '');
  const base = file === '' ? '.' : trimmed === '' ? '/' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

class XenLivepatch {
  constructor(
    private readonly host: SimHost,
    private readonly generation: ToolGeneration,
    private readonly io: ToolOutput,
  ) {}

  private help(): number {
    this.io.err(helpText(this.generation));
    return -1;
  }

  /** get_name(): > 128 bytes is refused by the tool itself. */
  private nameTooLong(name: string): boolean {
    if (Buffer.byteLength(name, 'utf8') <= TOOL_NAME_LIMIT) return false;
    this.io.err(`ID must be no more than ${TOOL_NAME_LIMIT} characters.\n`);
    return true;
  }

  async run(command: Command, args: string[]): Promise<number> {
    switch (command) {
      case 'help':
        this.io.err(helpText(this.generation));
        return 0;
      case 'list':
        return args.length === 0 ? this.list() : this.help();
      case 'upload':
        return args.length === 2 ? this.upload(args[0] as string, args[1] as string) : this.help();
      case 'load':
        return this.arityOk(args) ? this.load(args) : this.help();
      default:
        return this.arityOk(args) ? this.action(command, args) : this.help();
    }
  }

  /** G2 takes exactly one argument; later generations take flags after it. */
  private arityOk(args: string[]): boolean {
    return this.generation === 2 ? args.length === 1 : args.length >= 1;
  }

  private async list(): Promise<number> {
    const result = await this.host.list();
    if ('errno' in result) {
      this.io.err(this.generation === 2 ? `Failed to list 0/0.\n${errorLine(result.errno)}` : `Failed to get list sizes.\n${errorLine(result.errno)}`);
      return result.errno;
    }
    if (this.generation === 2) {
      this.io.out(' ID                                     | status\n----------------------------------------+------------\n');
    } else if (result.payloads.length === 0) {
      this.io.out('Nothing to list\n');
      return 0;
    } else {
      this.io.out(' ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n');
    }
    for (const p of result.payloads) {
      const rc = p.rc === 0 ? '' : ` (${-p.rc}, ${errnoInfo(-p.rc).message})`;
      const metadata = this.generation === 2 ? '' : `    | ${p.metadata.join(';')}`;
      this.io.out(`${padBytes(p.name, 40)}| ${state2str(p.state)}${rc}${metadata}\n`);
    }
    return 0;
  }

  private async upload(name: string, file: string): Promise<number> {
    if (this.nameTooLong(name)) return Errno.EINVAL;
    const read = await readFileLikeTool(file);
    if (!read.ok) {
      this.io.err(`${FILE_STEP_MESSAGE[read.step]} ${file}.\n${errorLine(read.errno)}`);
      return read.errno;
    }
    this.io.out(`Uploading ${file}... `);
    const rc = await this.host.upload(name, read.bytes, read.size);
    if (rc) {
      this.io.out('failed\n');
      this.io.err(errorLine(rc));
      return rc;
    }
    this.io.out('completed\n');
    return 0;
  }

  private async load(args: string[]): Promise<number> {
    const file = args[0] as string;
    const name = loadName(file);
    const uploaded = await this.upload(name, file);
    if (uploaded) return uploaded;
    const applied = await this.action('apply', [name, ...args.slice(1)]);
    if (applied) await this.action('unload', [name]);
    return applied;
  }

  /** action_func: the 7 steps of docs/simulator.md. */
  private async action(command: SimActionName, args: string[]): Promise<number> {
    const name = args[0] as string;
    if (this.nameTooLong(name)) return Errno.EINVAL;
    let nodeps = false;
    for (const flag of args.slice(1)) {
      if (command === 'apply' && flag === '--nodeps') nodeps = true;
      else {
        this.io.err(`Unsupported flag: ${flag}.\n`);
        return Errno.EINVAL;
      }
    }
    const spec = ACTIONS[command];
    const before = await this.host.get(name);
    if ('errno' in before) {
      this.io.err(`Failed to get status of ${name}.\n${errorLine(before.errno)}`);
      return before.errno;
    }
    if (before.status.rc === -Errno.EAGAIN) {
      this.io.err(`Cannot execute ${command}.\nOperation already in progress.\n`);
      return Errno.EAGAIN;
    }
    if (before.status.state === spec.expected) {
      this.io.out('No action needed.\n');
      return 0;
    }
    if ((spec.allow & before.status.state) === 0) {
      this.wrongState(name, before.status.state, spec.allow);
      return -1;
    }
    this.io.out(`${spec.verb} ${name}... `);
    const rc = await this.host.action(name, command, { nodeps });
    if (rc) {
      this.io.out('failed\n');
      this.io.err(errorLine(rc));
      return rc;
    }
    await sleep(ACTION_WAIT_MS);
    const after = await this.host.get(name);
    const r = 'errno' in after ? -after.errno : after.status.rc || after.status.state;
    if (r === -Errno.EAGAIN) {
      this.io.out('failed\n');
      this.io.err("Operation didn't complete.\n");
      return Errno.EAGAIN;
    }
    if (r === spec.expected) {
      this.io.out('completed\n');
      return 0;
    }
    this.io.out('failed\n');
    if (r < 0) {
      this.io.err(errorLine(-r));
      return -r;
    }
    this.wrongState(name, r, spec.expected);
    return -1;
  }

  private wrongState(name: string, current: number, expected: number): void {
    this.io.err(`${name} is in the wrong state.\nCurrent state: ${state2str(current)}\nExpected state: ${state2str(expected)}\n`);
  }
}

/** main()'s exit status from 4.9 on: EAGAIN and EBUSY mean "retry" (2), any other failure 1. */
const exitStatus = (ret: number): number => (ret === 0 ? 0 : ret === Errno.EAGAIN || ret === Errno.EBUSY ? 2 : 1);

/**
 * Runs the fake xen-livepatch. `argv` excludes the program name; the state file comes from
 * env.XLP_SIM_STATE (else the default path) and the Xen version from env.XLP_SIM_XEN_VERSION or
 * the state. Throws XlpError only when the simulator itself cannot work (unusable state file).
 */
export async function runFakeXenLivepatch(argv: readonly string[], env: SimEnv = process.env): Promise<FakeResult> {
  const host = new SimHost(resolveStatePath(undefined, env), env);
  const generation = toolGeneration(await host.version());
  const io = new ToolOutput();
  let args = [...argv];
  if (args.length === 0) {
    io.err(helpText(generation));
    return io.finish(0);
  }
  // --force exists from 4.19, and only as the very first argument.
  if (generation === 4 && args[0] === '--force') {
    args = args.slice(1);
    if (args.length === 0) {
      io.err(helpText(generation));
      return io.finish(1);
    }
  }
  const word = args[0] as string;
  const command = lookup(word, generation);
  if (command === undefined) {
    io.err(`Unrecognised command '${word}' -- try 'xen-livepatch help'\n`);
    return io.finish(1);
  }
  if (await host.openHandleFails(command)) {
    io.err(`${HANDLE_FAILURE}failed to get the handler\n`);
    return io.finish(0);
  }
  const ret = await new XenLivepatch(host, generation, io).run(command, args.slice(1));
  return io.finish(exitStatus(ret));
}
