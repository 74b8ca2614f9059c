/**
 * The operations that change a hypervisor, each one journaled change of a session made of stages:
 *   upload  = verify, upload
 *   load    = verify, upload (undone by unload if what follows fails), apply
 *   apply   = pre-flight, apply;  replace = pre-flight, replace
 *   revert, unload = the action alone
 * Re-runs are idempotent: these very bytes already loaded are not uploaded again, and an action
 * whose payload is already in its target state changes nothing ("No action needed.").
 */
import { isXlpError, usageError } from '../errors.js';
import { notLoaded } from '../model/refusals.js';
import type { Probe } from '../model/desired.js';
import type { OperationResult } from '../model/results.js';
import { TARGET, type Action } from '../model/vocabulary.js';
import { fileNameProblem, nameFromFile, validateName } from '../model/payload-name.js';
import { printable } from '../model/text.js';
import type { SignaturePolicy } from '../verify/policy.js';
import type { VerifyOptions } from '../verify/verify-stage.js';
import type { Session } from './session.js';
import type { Step, StepEnd } from './step.js';
import { actionStage } from './stages/action.js';
import { checkReport } from './stages/checks.js';
import { preflight } from './stages/preflight.js';
import { runProbes } from './stages/probes.js';
import { upload } from './stages/upload.js';
import { verifyFile, type VerifiedFile } from './stages/verify-file.js';

export interface FileRequest {
  readonly file: string;
  /**
   * The file's bytes, already read (a manifest's payloads, read once when it was checked; a payload
   * kept on the host): used as they are, so the bytes verified are the bytes uploaded; `file` then
   * only names them.
   */
  readonly bytes?: Uint8Array;
  /** Defaults to the file's basename without its last extension, as xen-livepatch load does. */
  readonly name?: string;
  readonly nodeps?: boolean;
  /** Integrity (sha256 pin, signature) and pre-flight settings; see src/verify/. */
  readonly verify?: VerifyOptions;
}

export interface ActionRequest {
  readonly name: string;
  readonly nodeps?: boolean;
  /** Skip the build-id pre-flight of apply/replace (recorded in the journal). */
  readonly skipPreflight?: boolean;
  /** Apply or replace a payload xlp cannot vouch for (recorded in the journal). */
  readonly acceptUnverified?: boolean;
  /** Health probes to run after an apply; the first that fails reverts it (the change fails with exit 14). */
  readonly probes?: readonly Probe[];
  /** Whether apply and replace need a payload whose signature xlp verified (src/verify/policy.ts). */
  readonly policy?: SignaturePolicy;
}

export function uploadPayload(session: Session, request: FileRequest): Promise<OperationResult> {
  return session.change('upload', payloadName(request), async (step) => {
    const payload = await verifyFile(step, fileChecks(request), 'upload');
    const present = payload.verdict.present;
    if (present === undefined) await upload(step, payload);
    return end(step, present === undefined ? 'done' : 'unchanged', present ?? TARGET.upload, fileFacts(payload));
  });
}

export const loadPayload = (session: Session, request: FileRequest): Promise<OperationResult> => uploadThen(session, 'load', request);

/** Replace from a file: verify, upload (undone if the replace fails), replace every applied payload with it. */
export const replaceWithFile = (session: Session, request: FileRequest): Promise<OperationResult> => uploadThen(session, 'replace', request);

/** The action that follows the upload in each file operation. */
const FOLLOWED_BY = { load: 'apply', replace: 'replace' } as const;

function uploadThen(session: Session, operation: 'load' | 'replace', request: FileRequest): Promise<OperationResult> {
  return session.change(operation, payloadName(request), async (step) => {
    const payload = await verifyFile(step, fileChecks(request), operation);
    const present = payload.verdict.present;
    if (present === 'APPLIED') return end(step, 'unchanged', present, fileFacts(payload));
    if (present === undefined) await upload(step, payload);
    await session.armGuard(step.name);
    const performed = await step.change(actionStage(step, FOLLOWED_BY[operation], request.nodeps === true ? { nodeps: true } : {}));
    return end(step, present === undefined || performed.outcome === 'done' ? 'done' : 'unchanged', TARGET[operation], fileFacts(payload));
  });
}

/**
 * apply, revert, unload or replace of a loaded payload. A name the hypervisor does not list is
 * refused before anything is journaled, with what is loaded; the tool still has the last word.
 */
export async function changePayload(session: Session, action: Action, request: ActionRequest): Promise<OperationResult> {
  const name = validateName(request.name);
  return session.change(action, name, async (step) => {
    const listed = await step.before();
    if (!listed.some((p) => p.name === name)) throw notLoaded(name, listed);
    try {
      if (action === 'apply' || action === 'replace') {
        const checks = await preflight(step, action, {
          nodeps: request.nodeps === true,
          skipPreflight: request.skipPreflight === true,
          acceptUnverified: request.acceptUnverified === true,
          ...(request.policy === undefined ? {} : { policy: request.policy }),
        });
        const probes = action === 'apply' ? (request.probes ?? []) : [];
        const stage = actionStage(step, action, request.nodeps === true ? { nodeps: true } : {});
        // An apply of an applied payload changes nothing: nothing to guard.
        if (action === 'replace' || listed.find((p) => p.name === name)?.state !== 'APPLIED') await session.armGuard(name);
        // Probed, the apply is undone when a probe fails.
        const performed = await step.change(probes.length === 0 ? stage : { ...stage, undo: actionStage(step, 'revert', {}, 'Roll back: revert') });
        if (performed.outcome === 'done' && !session.dryRun) await runProbes(step, probes);
        return end(step, performed.outcome, TARGET[action], { checks: checkReport(checks) });
      }
      const performed = await step.change(actionStage(step, action, {}));
      return end(step, performed.outcome, TARGET[action]);
    } catch (error) {
      // Unloaded behind xlp's back between its list and the action.
      if (isXlpError(error) && error.code === 'not-found') throw notLoaded(name, await session.backend.list().catch(() => listed), error);
      throw error;
    }
  });
}

/** The payload's name, and a file whose name can be handed to the tool: both checked before anything is done. */
function payloadName(request: FileRequest): string {
  const problem = fileNameProblem(request.file);
  if (problem !== undefined) throw usageError(`payload file ${JSON.stringify(printable(request.file, 256))}: ${problem}`, 'rename the file (the tool echoes its name back)');
  return validateName(request.name ?? nameFromFile(request.file));
}

const fileChecks = (request: FileRequest) => ({ file: request.file, ...(request.bytes === undefined ? {} : { bytes: request.bytes }), nodeps: request.nodeps === true, verify: request.verify ?? {} });

type ResultFacts = Partial<Pick<OperationResult, 'sha256' | 'buildId' | 'checks'>>;

const fileFacts = (payload: VerifiedFile): ResultFacts => ({ sha256: payload.info.sha256, buildId: payload.info.buildId ?? null, checks: checkReport(payload.verdict) });

function end(step: Step, result: OperationResult['result'], state: OperationResult['state'], facts: ResultFacts = {}): StepEnd<OperationResult> {
  const value: OperationResult = {
    host: step.session.backend.host,
    operation: step.operation,
    name: step.name,
    result,
    state,
    steps: [...step.done],
    sha256: facts.sha256 ?? null,
    buildId: facts.buildId ?? null,
    checks: facts.checks ?? null,
    durationMs: step.elapsedMs,
    outputs: step.outputs,
    dryRun: step.session.dryRun,
    wouldRun: step.session.dryRun ? step.wouldRun : null,
  };
  return { value, result, state };
}
