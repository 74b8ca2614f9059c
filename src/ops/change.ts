/**
 * The operations that change a hypervisor, as stages: verify (read and check what will be sent),
 * then the tool's steps, then confirm (list again: trust the hypervisor's state, not the exit code).
 * Each records its intent in the audit journal before the hypervisor is touched and its outcome after.
 * A load whose apply fails unloads what this run uploaded, so nothing is left half-done.
 */
import { basename } from 'node:path';
import { ExitCode, XlpError, asXlpError, isXlpError } from '../errors.js';
import type { ActionName, PayloadStatus, ToolOutput } from '../host/backend.js';
import { validateName } from '../host/xen-livepatch/name.js';
import { readPayloadFile } from '../payload/read-file.js';
import type { PayloadInfo } from '../payload/types.js';
import type { AuditEntry, AuditIntent } from '../audit/types.js';
import { runStages, type Stage } from '../ui/progress.js';
import type { OperationContext } from './context.js';
import { performAction } from './perform-action.js';
import { nameFromFile } from './payload-name.js';
import type { OperationName, OperationResult } from './result.js';
import { recordOutcome, verifyAction, verifyPayloadFile, type VerifyOptions, type VerifyOutcome } from '../verify/verify-stage.js';

export interface UploadRequest {
  readonly file: string;
  /** Defaults to the file's basename without its last extension, as xen-livepatch load does. */
  readonly name?: string;
  /** Integrity (sha256 pin, signature) and pre-flight settings; see src/verify/. */
  readonly verify?: VerifyOptions;
}

export interface LoadRequest extends UploadRequest {
  readonly nodeps?: boolean;
}

export interface ActionRequest {
  readonly name: string;
  readonly nodeps?: boolean;
  /** Skip the build-id pre-flight of apply/replace (recorded in the audit journal). */
  readonly skipPreflight?: boolean;
}

/** Mutable record of one run, filled in by the stages. */
interface Run {
  readonly operation: OperationName;
  readonly name: string;
  readonly started: number;
  readonly outputs: ToolOutput[];
  /** The host's list before the change: the audit's state before, and what pre-flight checks against. */
  before?: PayloadStatus[];
  payload?: { bytes: Uint8Array; info: PayloadInfo; file: string };
  outcome: 'done' | 'unchanged';
  state: PayloadStatus['state'] | 'absent';
  uploaded: boolean;
  rolledBack: boolean;
  audit?: AuditEntry;
  /** The list of the confirm stage, recorded as the state after. */
  after?: PayloadStatus[];
  checks?: VerifyOutcome;
  /** This very payload is already loaded under the name, in this state: a re-run uploads nothing. */
  present?: PayloadStatus['state'];
}

export async function uploadPayload(ctx: OperationContext, request: UploadRequest): Promise<OperationResult> {
  const run = newRun('upload', validateName(request.name ?? nameFromFile(request.file)));
  return execute(ctx, run, [verifyFile(ctx, run, request), uploadStage(ctx, run), confirmStage(ctx, run, 'CHECKED')]);
}

export async function loadPayload(ctx: OperationContext, request: LoadRequest): Promise<OperationResult> {
  const run = newRun('load', validateName(request.name ?? nameFromFile(request.file)));
  return execute(ctx, run, [
    verifyFile(ctx, run, request),
    uploadStage(ctx, run),
    actionStage(ctx, run, 'apply', request.nodeps === true),
    confirmStage(ctx, run, 'APPLIED'),
  ]);
}

/**
 * apply, revert, unload and replace run the tool once: its "completed" already rests on a fresh
 * GET of the payload's state (or on a poll of `list` when it gave up waiting), so a second list
 * would only cost time (the audit journal derives the state after; it lists once for the state
 * before). Unknown names are explained with what is loaded.
 */
export async function changePayload(ctx: OperationContext, action: ActionName, request: ActionRequest): Promise<OperationResult> {
  validateName(request.name);
  const run = newRun(action, request.name);
  run.state = action === 'revert' ? 'CHECKED' : action === 'unload' ? 'absent' : 'APPLIED';
  try {
    const preflight = action === 'apply' || action === 'replace' ? [preflightStage(ctx, run, action, request)] : [];
    return await execute(ctx, run, [...preflight, actionStage(ctx, run, action, request.nodeps === true)]);
  } catch (error) {
    if (isXlpError(error) && error.code === 'not-found') throw await explainNotFound(ctx, error, request.name);
    throw error;
  }
}

const newRun = (operation: OperationName, name: string): Run => ({
  operation,
  name,
  started: Date.now(),
  outputs: [],
  outcome: 'done',
  state: 'absent',
  uploaded: false,
  rolledBack: false,
});

/** The host lock is held from the first look at the host to the last record, so changes never interleave. */
async function execute(ctx: OperationContext, run: Run, stages: Stage[]): Promise<OperationResult> {
  const hold = await ctx.audit.hold?.({ host: ctx.runner.target, command: ['xlp', ...ctx.argv].join(' '), liveState: () => ctx.backend.list() });
  try {
    return await executeHeld(ctx, run, stages);
  } finally {
    await hold?.release();
  }
}

async function executeHeld(ctx: OperationContext, run: Run, stages: Stage[]): Promise<OperationResult> {
  try {
    await runStages(stages, ctx.progress);
  } catch (error) {
    const failure = await rollBack(ctx, run, asXlpError(error));
    if (run.uploaded && !run.rolledBack) await recordOutcome(hostOf(ctx), { ...run, done: false });
    await run.audit?.finish({
      result: run.rolledBack ? 'rolled-back' : 'failed',
      error: { code: failure.code, message: failure.message, errno: failure.errno, exitCode: failure.exitCode },
      outputs: run.outputs,
      stateAfter: await ctx.backend.list().catch(() => undefined),
    });
    throw failure;
  }
  const result: OperationResult = {
    host: ctx.runner.target,
    operation: run.operation,
    name: run.name,
    outcome: run.outcome,
    state: run.state,
    ...(run.payload === undefined ? {} : { sha256: run.payload.info.sha256, buildId: run.payload.info.buildId }),
    durationMs: Date.now() - run.started,
    ...(run.checks === undefined ? {} : { checks: checksOf(run.checks) }),
    outputs: run.outputs,
  };
  await recordOutcome(hostOf(ctx), { ...run, done: run.outcome === 'done' });
  await run.audit?.finish({ result: run.outcome === 'done' ? 'ok' : 'unchanged', outputs: run.outputs, ...(run.after === undefined ? {} : { stateAfter: run.after }) });
  return result;
}

/** A failed load must not leave its payload behind: unload what this run uploaded, and say so. */
async function rollBack(ctx: OperationContext, run: Run, failure: XlpError): Promise<XlpError> {
  if (run.operation !== 'load' || !run.uploaded) return failure;
  try {
    await performAction(ctx, 'unload', run.name, {}, run.outputs);
    run.rolledBack = true;
    return new XlpError(failure.code, failure.exitCode, `${failure.message}; ${run.name} was unloaded again, nothing changed`, failure);
  } catch (error) {
    const why = isXlpError(error) ? error.message : String(error);
    return new XlpError(failure.code, failure.exitCode, `${failure.message}; unloading ${run.name} failed too (${why}): it is still loaded`, {
      ...failure,
      hint: `run 'xlp unload ${run.name}' once the hypervisor is idle`,
    });
  }
}

function verifyFile(ctx: OperationContext, run: Run, request: LoadRequest): Stage {
  const file = request.file;
  return {
    title: `Verify ${file}`,
    run: async (note) => {
      const { bytes, info } = await readPayloadFile(file);
      run.payload = { bytes, info, file };
      note(`sha256 ${info.sha256}`);
      run.before = await ctx.backend.list();
      const operation = run.operation === 'load' ? 'load' : 'upload';
      const verdict = await verifyPayloadFile(hostOf(ctx), { operation, name: run.name, file, bytes, info, listed: run.before, nodeps: request.nodeps === true, options: request.verify ?? {} });
      run.checks = verdict;
      run.present = verdict.present;
      noteChecks(run.checks, note);
    },
  };
}

/** apply/replace: the build-id checks Xen would make, against xlp's record of what it uploaded. */
function preflightStage(ctx: OperationContext, run: Run, action: 'apply' | 'replace', request: ActionRequest): Stage {
  return {
    title: `Check ${run.name} against the host`,
    run: async (note) => {
      run.before = await ctx.backend.list();
      run.checks = await verifyAction(hostOf(ctx), { operation: action, name: run.name, listed: run.before, nodeps: request.nodeps === true, options: { skipPreflight: request.skipPreflight } });
      noteChecks(run.checks, note);
    },
  };
}

const checksOf = ({ passed, unchecked, skippedChecks, signer }: VerifyOutcome): NonNullable<OperationResult['checks']> => ({
  passed,
  unchecked,
  skipped: skippedChecks,
  ...(signer === undefined ? {} : { signer }),
});

const hostOf = (ctx: OperationContext) => ({ backend: ctx.backend, host: ctx.runner.target });

function noteChecks(checks: VerifyOutcome, note: (message: string) => void): void {
  const said = [...checks.passed.map((c) => `ok: ${c}`), ...checks.unchecked.map((c) => `not checked: ${c}`), ...checks.skippedChecks.map((c) => `skipped: ${c}`)];
  if (said.length > 0) note(said.join('\n'));
}

async function explainNotFound(ctx: OperationContext, error: XlpError, name: string): Promise<XlpError> {
  const loaded = await ctx.backend.list().then(
    (payloads) => payloads.map((p) => p.name).join(', ') || 'none',
    () => undefined,
  );
  if (loaded === undefined) return error;
  return new XlpError('not-found', ExitCode.NOT_FOUND, `no payload named ${name} is loaded (loaded: ${loaded})`, {
    hint: "check the name with 'xlp list'",
    errno: 2,
    detail: error.detail,
  });
}

function uploadStage(ctx: OperationContext, run: Run): Stage {
  return {
    title: `Upload ${run.name}`,
    changesHost: true,
    run: async (note) => {
      const payload = run.payload;
      if (payload === undefined) throw new Error('upload stage before verify');
      if (run.present !== undefined) {
        run.outcome = 'unchanged';
        note('already loaded with this build-id: nothing to upload');
        return;
      }
      await beginAudit(ctx, run);
      const staged = await ctx.runner.stage(payload.bytes, basename(payload.file));
      try {
        run.outputs.push(await ctx.backend.upload(run.name, staged.path));
        run.uploaded = true;
      } finally {
        await staged.remove();
      }
    },
  };
}

function actionStage(ctx: OperationContext, run: Run, action: ActionName, nodeps: boolean): Stage {
  const verb = { apply: 'Apply', revert: 'Revert', unload: 'Unload', replace: 'Replace everything with' }[action];
  return {
    title: `${verb} ${run.name}`,
    changesHost: true,
    run: async (note) => {
      await beginAudit(ctx, run);
      run.outcome = await performAction(ctx, action, run.name, nodeps ? { nodeps } : {}, run.outputs);
      if (run.outcome === 'unchanged') note('no action needed: already in that state');
    },
  };
}

function confirmStage(ctx: OperationContext, run: Run, expected: PayloadStatus['state'] | 'absent'): Stage {
  return {
    title: 'Confirm',
    run: async () => {
      run.after = await ctx.backend.list();
      const found = run.after.find((p) => p.name === run.name);
      run.state = found?.state ?? 'absent';
      // Uploading what is already loaded and applied leaves it applied: that is what was asked.
      const wanted = run.operation === 'upload' && run.present !== undefined ? run.present : expected;
      if (run.state !== wanted) {
        throw new XlpError('unconfirmed', ExitCode.FAILED, `${run.operation} of ${run.name} reported success, but the hypervisor now lists it as ${run.state}`, {
          hint: "inspect with 'xlp list' and 'xl dmesg' before retrying",
        });
      }
    },
  };
}

/** Records the intent once, just before the first step that changes the hypervisor. */
async function beginAudit(ctx: OperationContext, run: Run): Promise<void> {
  if (run.audit !== undefined) return;
  const info = run.payload?.info;
  // revert and unload have not listed yet: the journal needs the state before.
  run.before ??= await ctx.backend.list();
  const intent: AuditIntent = {
    operation: run.operation,
    name: run.name,
    host: ctx.runner.target,
    argv: ctx.argv,
    stateBefore: run.before,
    ...(run.checks?.signer === undefined ? {} : { signer: run.checks.signer }),
    ...(run.checks === undefined || run.checks.skippedChecks.length === 0 ? {} : { skippedChecks: run.checks.skippedChecks }),
    ...(info === undefined ? {} : { sha256: info.sha256, buildId: info.buildId, depends: info.depends, xenDepends: info.xenDepends }),
  };
  run.audit = await ctx.audit.begin(intent);
}
