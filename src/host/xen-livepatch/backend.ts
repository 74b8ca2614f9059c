/**
 * The Backend over the real `xen-livepatch` and `xl` tools, on whatever host the Runner reaches.
 * Every run's output must be recognised as success, or it becomes an XlpError: the tool's exit status
 * alone is never trusted (it is 0 when Xen cannot even be reached).
 */
import { XlpError, isXlpError, usageError } from '../../errors.js';
import type { PayloadStatus, ToolOutput } from '../../model/types.js';
import type { Action } from '../../model/vocabulary.js';
import type { ActionOptions, ActionResult, Backend } from '../backend.js';
import { Errno } from '../../model/errno.js';
import type { Runner } from '../runner.js';
import { findFailure } from './diagnose.js';
import { notTopError, toolError, type ToolRequest } from './errors.js';
import { missingToolHint, type XenToolPaths } from './locate.js';
import { validateName } from '../../model/payload-name.js';
import { actionOutcome, uploadSucceeded } from './outcome.js';
import { parseList } from './parse-list.js';
import { parseBuildId } from './parse-xl-info.js';

/**
 * Generous: the tool itself waits 60 ms (4.9+) or up to 30 s (4.7-4.8). Only a hung hypercall or a
 * stuck remote gets anywhere near it, and then a clear error beats waiting forever.
 */
const TOOL_TIMEOUT_MS = 120_000;

export function createXenLivepatchBackend(runner: Runner, paths: XenToolPaths): Backend {
  const tool = paths.xenLivepatch;
  /** A tool that cannot be started gets the hint of where Xen's tools come from. */
  const run = (program: string, args: readonly string[]): Promise<ToolOutput> =>
    runner.run(program, args, { timeoutMs: TOOL_TIMEOUT_MS }).catch((error: unknown) => {
      if (!isXlpError(error) || error.code !== 'tool-missing') throw error;
      throw new XlpError(error.code, error.exitCode, error.message, { hint: missingToolHint(program), detail: error.detail, cause: error });
    });
  /** The error for a run that did not succeed; `line` is the output line that could not be parsed, if any. */
  const failed = (request: ToolRequest, output: ToolOutput, program = tool, line?: string) =>
    toolError(request, findFailure(output) ?? { kind: 'unrecognised', ...(line === undefined ? {} : { line }) }, output, program);

  async function list(): Promise<PayloadStatus[]> {
    const output = await run(tool, ['list']);
    if (output.exitCode !== 0 || findFailure(output) !== undefined) throw failed({ command: 'list' }, output);
    const parsed = parseList(output.stdout);
    if (!parsed.ok) throw failed({ command: 'list' }, output, tool, parsed.line);
    return parsed.payloads;
  }

  /**
   * Xen answers EBUSY both when it is briefly busy and when a revert targets a payload that is not
   * the top of the stack. Only the list tells them apart: an in-flight action (rc EAGAIN anywhere) or
   * a timed-out rendezvous (rc EBUSY on the payload itself) is transient; otherwise, with other
   * payloads applied, retrying cannot help.
   */
  async function notTop(name: string, output: ToolOutput): Promise<Error | undefined> {
    const payloads = await list().catch(() => undefined);
    const target = payloads?.find((p) => p.name === name);
    if (payloads === undefined || target?.state !== 'APPLIED') return undefined;
    if (target.rc === Errno.EBUSY || payloads.some((p) => p.rc === Errno.EAGAIN)) return undefined;
    const others = payloads.filter((p) => p.state === 'APPLIED' && p.name !== name);
    return others.length === 0 ? undefined : notTopError(name, others, output);
  }

  async function action(action: Action, name: string, options: ActionOptions = {}): Promise<ActionResult> {
    validateName(name);
    if (options.nodeps === true && action !== 'apply') {
      throw usageError(`--nodeps applies only to apply, not to ${action}`, 'drop --nodeps');
    }
    const args = options.nodeps === true ? [action, name, '--nodeps'] : [action, name];
    const output = await run(tool, args);
    const outcome = actionOutcome(action, name, output);
    if (outcome !== undefined) return { outcome, output };
    const error = failed({ command: action, name, nodeps: options.nodeps === true }, output);
    if (action === 'revert' && error.code === 'busy' && error.errno === Errno.EBUSY) throw (await notTop(name, output)) ?? error;
    throw error;
  }

  /** The tool echoes the path it is given: a control character in it would corrupt the output parsed here. */
  async function uploadStaged(name: string, path: string): Promise<ToolOutput> {
    // eslint-disable-next-line no-control-regex
    if (path === '' || /[\x00-\x1f\x7f]/.test(path)) throw usageError(`invalid payload path ${JSON.stringify(path)}`, 'use a path without control characters');
    const output = await run(tool, ['upload', name, path]);
    if (uploadSucceeded(path, output)) return output;
    throw failed({ command: 'upload', name, file: path }, output);
  }

  async function upload(name: string, bytes: Uint8Array, fileName: string): Promise<ToolOutput> {
    validateName(name);
    const staged = await runner.stage(bytes, fileName);
    try {
      return await uploadStaged(name, staged.path);
    } finally {
      await staged.remove();
    }
  }

  async function hypervisorBuildId(): Promise<string> {
    const output = await run(paths.xl, ['info']);
    // xl warns on stderr freely; a build_id line on a clean exit is the only thing that counts.
    const buildId = output.exitCode === 0 ? parseBuildId(output.stdout) : undefined;
    if (buildId !== undefined) return buildId;
    throw failed({ command: 'xl-info' }, output, paths.xl);
  }

  /**
   * The hypervisor's own livepatch dump (`xl debug-keys x`, then `xl dmesg`), which names build-ids
   * that `list` never shows. undefined when the host forbids it (XSM may deny debug keys to dom0).
   * Never `xl dmesg -c`: the console ring belongs to the operator.
   */
  async function livepatchConsole(): Promise<string | undefined> {
    const keys = await run(paths.xl, ['debug-keys', 'x']);
    if (keys.exitCode !== 0) return undefined;
    const dmesg = await run(paths.xl, ['dmesg']);
    return dmesg.exitCode === 0 ? dmesg.stdout : undefined;
  }

  const where = runner.target === 'localhost' ? '' : ` on ${runner.target}`;
  return {
    host: runner.target,
    description: `xen-livepatch at ${tool}${where}`,
    list,
    upload,
    action,
    hypervisorBuildId,
    livepatchConsole,
    close: () => runner.close(),
    removeLeftovers: (run) => runner.removeLeftovers(run),
  };
}
