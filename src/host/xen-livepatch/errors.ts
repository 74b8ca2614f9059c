/**
 * Turns what xen-livepatch (or `xl info`) reported into an XlpError: a stable code, the exit code,
 * the errno (number in `errno`, name and text in the message) and the raw output in `detail`.
 * Codes: host-unsupported, tool-missing, not-found, in-progress, incomplete, busy, not-top,
 * wrong-state, rejected, usage, tool-failed (docs/xen-livepatch-backend.md has the full table).
 */
import { ExitCode, XlpError, type ExitCodeValue } from '../../errors.js';
import type { PayloadStatus, ToolOutput } from '../../model/types.js';
import type { Action } from '../../model/vocabulary.js';
import { Errno, describeErrno } from '../../model/errno.js';
import type { FileStep, ToolFailure } from './diagnose.js';
import { missingToolHint } from './locate.js';
import { STATE_HINTS, inFlight, notTop, wrongState } from '../../model/refusals.js';

export type ToolRequest =
  | { readonly command: 'list' }
  | { readonly command: 'upload'; readonly name: string; readonly file: string }
  | { readonly command: Action; readonly name: string; readonly nodeps?: boolean }
  | { readonly command: 'xl-info' };

/** What went wrong when nothing recognisable was printed: the line that did not parse, if one did not. */
export type Unrecognised = { readonly kind: 'unrecognised'; readonly line?: string };

const XL_DMESG = "`xl dmesg | grep livepatch` shows the hypervisor's reason";
const MALFORMED_EXPECTATIONS = "the payload's expectation data is malformed: rebuild it";

/** Why the hypervisor usually refuses a payload with this errno, for each command that can be refused. */
const REJECTION_HINTS: Partial<Record<ToolRequest['command'], Partial<Record<number, string>>>> = {
  upload: {
    [Errno.EINVAL]: `usually its .livepatch.xen_depends build-id is not the running hypervisor's (compare \`xl info\` build_id), or the ELF is malformed, empty or over 2 MiB; ${XL_DMESG}`,
    [Errno.EEXIST]: 'a payload with this name or the same build-id is already loaded (or it exports a symbol another payload exports): see `xlp list`',
    [Errno.EOPNOTSUPP]: 'it was built for another architecture or payload format version, or uses a section this hypervisor does not support',
    [Errno.ENOENT]: 'it refers to a symbol the running hypervisor does not have: it was built for a different Xen',
    [Errno.ENODATA]: 'the running hypervisor has no build-id, so it accepts no payload: boot a Xen built with one',
  },
  apply: {
    [Errno.EINVAL]: `usually its .livepatch.depends build-id is not that of the top of the applied stack (the hypervisor's when nothing is applied): it was built on top of something else; or it was reverted before and has data (unload and upload it again); ${XL_DMESG}`,
    [Errno.EFAULT]: MALFORMED_EXPECTATIONS,
    [Errno.EOVERFLOW]: MALFORMED_EXPECTATIONS,
    [Errno.ERANGE]: MALFORMED_EXPECTATIONS,
  },
  replace: {
    [Errno.EINVAL]: `replace needs a cumulative payload whose .livepatch.depends is the hypervisor's build-id, or an expectation check failed; ${XL_DMESG}`,
    [Errno.EOPNOTSUPP]: 'a payload with pre- or post-action hooks (this one or an applied one) cannot take part in a replace: revert hooked payloads first',
    [Errno.EFAULT]: MALFORMED_EXPECTATIONS,
    [Errno.EOVERFLOW]: MALFORMED_EXPECTATIONS,
    [Errno.ERANGE]: MALFORMED_EXPECTATIONS,
  },
};

const FILE_VERBS: Record<FileStep, string> = { open: 'open', size: 'read the size of', map: 'map' };

function subject(request: ToolRequest): string {
  switch (request.command) {
    case 'list':
      return 'listing payloads';
    case 'xl-info':
      return "reading the hypervisor's build-id";
    case 'upload':
      return `uploading ${request.name}`;
    default:
      return `${request.command} of ${request.name}`;
  }
}

function toolName(request: ToolRequest, program: string): string {
  return request.command === 'xl-info' ? `${program} info` : `${program} ${request.command}`;
}

const firstLine = (text: string): string => text.split('\n').find((line) => line.trim() !== '') ?? '';

interface Made {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly message: string;
  readonly hint: string;
  readonly errno?: number;
}

/** A refusal the model words (src/model/refusals.ts), as this file's tables hold them. */
const madeOf = (error: XlpError): Made => ({ code: error.code, exitCode: error.exitCode, message: error.message, hint: error.hint ?? '', ...(error.errno === undefined ? {} : { errno: error.errno }) });

function noHandle(failure: Extract<ToolFailure, { kind: 'no-handle' }>, program: string): Made {
  const base = { code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: failure.errno } as const;
  if (failure.errno === Errno.ENOENT) {
    return {
      ...base,
      message: `this host is not a Xen dom0: ${program} found no hypervisor interface (${failure.line})`,
      hint: 'run xlp in dom0 of a host booted into Xen (the privcmd driver provides /dev/xen/privcmd), or reach one with --host',
    };
  }
  if (failure.errno === Errno.EACCES || failure.errno === Errno.EPERM) {
    return {
      ...base,
      message: `xlp is not running as root: ${program} was refused the hypervisor interface (${failure.line})`,
      hint: 'run xlp as root in dom0',
    };
  }
  return {
    ...base,
    message: `this host is not a Xen dom0, or xlp is not running as root: ${program} could not open the hypervisor interface`,
    hint: 'run xlp as root in dom0 of a host booted into Xen',
  };
}

function fromErrno(request: ToolRequest, failure: Extract<ToolFailure, { kind: 'errno' }>, program: string): Made {
  const { errno } = failure;
  const what = `${subject(request)} failed: ${describeErrno(errno)}`;
  const name = 'name' in request ? request.name : '';
  if (failure.step === 'file' && request.command === 'upload') {
    return {
      code: 'usage',
      exitCode: ExitCode.USAGE,
      errno,
      message: `${program} could not ${FILE_VERBS[failure.fileStep ?? 'open']} ${request.file}: ${describeErrno(errno)}`,
      hint: 'the payload file must exist, be readable and not be empty',
    };
  }
  if (errno === Errno.ENOENT && request.command !== 'upload' && (failure.step === 'status' || failure.step === 'operation')) {
    return { code: 'not-found', exitCode: ExitCode.NOT_FOUND, errno, message: `no payload named ${name} is loaded`, hint: 'see `xlp list` for the loaded payloads' };
  }
  if (errno === Errno.ENOSYS) {
    return {
      code: 'host-unsupported',
      exitCode: ExitCode.HOST_UNSUPPORTED,
      errno,
      message: `this hypervisor cannot live-patch: ${what}`,
      hint: 'Xen was built without CONFIG_LIVEPATCH: boot a hypervisor built with CONFIG_LIVEPATCH=y',
    };
  }
  // After a successful GET the caller's privileges are not in question: the action itself was
  // refused, by a payload hook (its return value is the errno) or by the hypervisor's policy.
  if ((errno === Errno.EPERM || errno === Errno.EACCES) && failure.step === 'operation' && request.command in STATE_HINTS) {
    return {
      code: 'rejected',
      exitCode: ExitCode.REJECTED,
      errno,
      message: `the hypervisor refused to ${request.command} ${name}: ${describeErrno(errno)}`,
      hint: `a pre-${request.command === 'revert' ? 'revert' : 'apply'} hook of the payload may have vetoed it, or an XSM policy forbids it: ${XL_DMESG}`,
    };
  }
  if (errno === Errno.EPERM || errno === Errno.EACCES) {
    return {
      code: 'host-unsupported',
      exitCode: ExitCode.HOST_UNSUPPORTED,
      errno,
      message: `the hypervisor refused the request: ${what}`,
      hint: 'run xlp as root in dom0; an XSM/FLASK policy may also forbid live patching',
    };
  }
  if (errno === Errno.EBUSY || errno === Errno.EAGAIN) {
    return { code: 'busy', exitCode: ExitCode.BUSY, errno, message: `the hypervisor is busy: ${what}`, hint: 'another live-patch action is running: retry shortly' };
  }
  const rejection = failure.step === 'operation' ? REJECTION_HINTS[request.command]?.[errno] : undefined;
  if (rejection !== undefined) {
    const verb = request.command === 'upload' ? 'rejected payload' : `refused to ${request.command}`;
    return { code: 'rejected', exitCode: ExitCode.REJECTED, errno, message: `the hypervisor ${verb} ${name}: ${describeErrno(errno)}`, hint: rejection };
  }
  if (request.command === 'unload' && errno === Errno.EINVAL && failure.step === 'operation') {
    return { code: 'wrong-state', exitCode: ExitCode.WRONG_STATE, errno, message: `cannot unload ${name}: ${describeErrno(errno)}`, hint: STATE_HINTS.unload };
  }
  return {
    code: 'tool-failed',
    exitCode: ExitCode.FAILED,
    errno,
    message: `${toolName(request, program)} failed: ${describeErrno(errno)}`,
    hint: 'see the tool output in the error detail (--json) and `xl dmesg`',
  };
}

function make(request: ToolRequest, failure: ToolFailure | Unrecognised, output: ToolOutput, program: string): Made {
  const name = 'name' in request ? request.name : '';
  switch (failure.kind) {
    case 'no-handle':
      return noHandle(failure, program);
    case 'cannot-start':
      return { code: 'tool-missing', exitCode: ExitCode.HOST_UNSUPPORTED, message: `cannot run ${program}: ${failure.line}`, hint: missingToolHint(program) };
    case 'usage':
      return {
        code: 'usage',
        exitCode: ExitCode.USAGE,
        message: failure.line.startsWith('xen-livepatch: live patching')
          ? `${program} refused its command line and printed its usage text`
          : `${program} refused its command line: ${failure.line}`,
        hint:
          'nodeps' in request && request.nodeps === true
            ? '--nodeps needs xen-livepatch from Xen 4.14 or later'
            : 'this xen-livepatch does not accept what xlp sent: please report it with the error detail (--json)',
      };
    case 'in-progress':
      return madeOf(inFlight(request.command, name));
    case 'incomplete':
      return {
        code: 'incomplete',
        exitCode: ExitCode.BUSY,
        errno: Errno.EAGAIN,
        message: `${subject(request)} did not complete within xen-livepatch's wait; the hypervisor may still finish it`,
        hint: 'check `xlp list`: the state shown there is the outcome',
      };
    case 'wrong-state':
      // Not the tool's "expected" state: before 4.9 it names the state the action would reach.
      return madeOf(wrongState(request.command, name, failure.current));
    case 'errno':
      return fromErrno(request, failure, program);
    case 'unrecognised': {
      const quoted = failure.line ?? (firstLine(output.stderr) || firstLine(output.stdout));
      const status = output.exitCode === 0 ? 'printed output xlp does not recognise' : `failed (exit status ${output.exitCode})`;
      return {
        code: 'tool-failed',
        exitCode: ExitCode.FAILED,
        message: `${toolName(request, program)} ${status}: ${quoted === '' ? 'no output' : JSON.stringify(quoted)}`,
        hint: 'see the tool output in the error detail (--json)',
      };
    }
  }
}

/** The XlpError for a failed (or unrecognised) run of the tool. */
export function toolError(request: ToolRequest, failure: ToolFailure | Unrecognised, output: ToolOutput, program: string): XlpError {
  const made = make(request, failure, output, program);
  return new XlpError(made.code, made.exitCode, made.message, {
    hint: made.hint,
    ...(made.errno === undefined ? {} : { errno: made.errno }),
    detail: { stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode },
  });
}

/** A revert refused with EBUSY while other payloads are applied: Xen reverts only the top of the stack. */
export const notTopError = (name: string, othersApplied: readonly PayloadStatus[], output: ToolOutput): XlpError =>
  notTop(
    name,
    othersApplied.map((p) => p.name),
    { detail: { stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode } },
  );
