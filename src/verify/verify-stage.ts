/**
 * What the operations call before they touch the hypervisor (src/ops/change.ts), in this order:
 *   1. integrity: --sha256 pin, then the signature (required by config, or asked for with --signature);
 *   2. the file itself: everything Xen 4.14+ would refuse (PayloadInfo.problems);
 *   3. pre-flight against the host: build-ids (src/verify/preflight.ts).
 * 2 and 3 are skipped only by --skip-preflight; what was skipped or could not be checked is
 * returned so the audit journal and the operator hear about it. After a change succeeds,
 * recordOutcome() keeps xlp's per-host record of uploads and apply order up to date.
 */
import { ExitCode, XlpError } from '../errors.js';
import type { Backend, PayloadStatus } from '../host/backend.js';
import { Errno, errnoInfo } from '../model/errno.js';
import type { PayloadInfo } from '../payload/types.js';
import { gatherHostView } from './host-view.js';
import { verifyIntegrity, type IntegrityOptions } from './integrity.js';
import { runPreflight, type PayloadIds } from './preflight.js';
import { PayloadStore, applyChange, type StoreChange } from './store.js';

export interface VerifyOptions extends IntegrityOptions {
  /** Skip the checks of the file's structure and against the host (recorded as skipped). */
  readonly skipPreflight?: boolean;
}

export interface VerifyOutcome {
  readonly signer?: string;
  readonly passed: readonly string[];
  /** Checks that could not run, and why. */
  readonly unchecked: readonly string[];
  /** Checks the operator skipped; goes into the audit intent's skippedChecks. */
  readonly skippedChecks: readonly string[];
}

export interface HostAccess {
  readonly backend: Backend;
  /** The runner's target, which names the host's record. */
  readonly host: string;
}

export const SKIP_PREFLIGHT = '--skip-preflight';

export interface FileCheck {
  readonly operation: 'upload' | 'load';
  readonly name: string;
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly info: PayloadInfo;
  readonly listed: readonly PayloadStatus[];
  readonly nodeps: boolean;
  readonly options: VerifyOptions;
}

export interface FileVerdict extends VerifyOutcome {
  /**
   * The same payload (same build-id, by xlp's record or the hypervisor's console) is already loaded
   * under this name, in this state: a re-run has nothing to upload.
   */
  readonly present?: PayloadStatus['state'];
}

export async function verifyPayloadFile(host: HostAccess, check: FileCheck): Promise<FileVerdict> {
  const integrity = await verifyIntegrity(check.file, check.bytes, check.info, check.options);
  const skippedChecks = [...integrity.skipped];
  const existing = check.listed.find((p) => p.name === check.name);
  if (check.options.skipPreflight === true) {
    if (existing !== undefined) throw nameTaken(check.name, existing);
    return { ...withSigner(integrity.signer), passed: integrity.passed, unchecked: [], skippedChecks: [...skippedChecks, SKIP_PREFLIGHT] };
  }
  refuseProblems(check.file, check.info);
  const view = await gatherHostView(host.backend, new PayloadStore(host.host), check.listed);
  const passed = [...integrity.passed, 'the file is acceptable to Xen 4.14+'];
  if (existing !== undefined) {
    const loaded = view.known.get(check.name)?.buildId;
    if (loaded === undefined || loaded !== check.info.buildId) throw nameTaken(check.name, existing, loaded, check.info.buildId);
    passed.push(`${check.name} is already loaded (${existing.state}) with this build-id`);
    // A CHECKED copy is applied by load: the apply checks still apply to it.
    const apply = check.operation === 'load' && existing.state === 'CHECKED' ? runPreflight({ operation: 'apply', name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view }) : undefined;
    return { ...withSigner(integrity.signer), passed: [...passed, ...(apply?.passed ?? [])], unchecked: [...view.notes, ...(apply?.unchecked ?? [])], skippedChecks, present: existing.state };
  }
  const report = runPreflight({ operation: check.operation, name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view });
  return { ...withSigner(integrity.signer), passed: [...passed, ...report.passed], unchecked: [...view.notes, ...report.unchecked], skippedChecks };
}

/** The name is taken by a payload that is not (or not provably) this one. */
function nameTaken(name: string, existing: PayloadStatus, loadedId?: string, fileId?: string): XlpError {
  const which = loadedId === undefined ? 'a payload whose build-id xlp cannot establish' : `a different payload (build-id ${loadedId}; this file's is ${fileId ?? 'missing'})`;
  return new XlpError('rejected', ExitCode.REJECTED, `the name ${name} is taken by ${which}, ${existing.state}`, {
    hint: `choose another name with --name, or revert and unload ${name} first`,
    errno: Errno.EEXIST,
  });
}

export interface ActionCheck {
  readonly operation: 'apply' | 'replace';
  readonly name: string;
  /** The host's list, taken once by the operation (it is also the audit's state before). */
  readonly listed: readonly PayloadStatus[];
  readonly nodeps: boolean;
  readonly options: Pick<VerifyOptions, 'skipPreflight'>;
}

export async function verifyAction(host: HostAccess, check: ActionCheck): Promise<VerifyOutcome> {
  if (check.options.skipPreflight === true) return { passed: [], unchecked: [], skippedChecks: [SKIP_PREFLIGHT] };
  const { listed } = check;
  // Unknown names and wrong states are the action's to report, with the tool's own words.
  if (!listed.some((p) => p.name === check.name)) return { passed: [], unchecked: [], skippedChecks: [] };
  const view = await gatherHostView(host.backend, new PayloadStore(host.host), listed);
  const known = view.known.get(check.name);
  const report = runPreflight({ operation: check.operation, name: check.name, ...(known === undefined ? {} : { payload: known }), nodeps: check.nodeps, view });
  return { passed: report.passed, unchecked: [...view.notes, ...report.unchecked], skippedChecks: [] };
}

export interface RunOutcome {
  readonly operation: 'upload' | 'load' | 'apply' | 'replace' | 'revert' | 'unload';
  readonly name: string;
  readonly payload?: { readonly info: PayloadInfo };
  /** This run uploaded the payload (and did not unload it again). */
  readonly uploaded: boolean;
  /** The action changed the hypervisor (not "No action needed."). */
  readonly done: boolean;
}

/**
 * Records what a run changed. Never fails the operation, whose change is already made: a record
 * that missed an update only makes later checks say "unknown", because every use reconciles it.
 */
export async function recordOutcome(host: HostAccess, outcome: RunOutcome): Promise<void> {
  const changes: StoreChange[] = [];
  if (outcome.uploaded && outcome.payload !== undefined) changes.push(uploadedChange(outcome.name, outcome.payload.info));
  if (outcome.done && outcome.operation !== 'upload') changes.push({ kind: ACTION_CHANGE[outcome.operation], name: outcome.name });
  if (changes.length === 0) return;
  await new PayloadStore(host.host)
    .update((record) => changes.reduce(applyChange, record))
    .catch(() => undefined);
}

const ACTION_CHANGE = { load: 'applied', apply: 'applied', replace: 'replaced', revert: 'reverted', unload: 'unloaded' } as const;

function uploadedChange(name: string, info: PayloadInfo): StoreChange {
  return {
    kind: 'uploaded',
    name,
    record: { sha256: info.sha256, size: info.size, ...idsOf(info), hooks: info.hooks, uploadedAt: new Date().toISOString() },
  };
}

function refuseProblems(file: string, info: PayloadInfo): void {
  const first = info.problems[0];
  if (first === undefined) return;
  const more = info.problems.length > 1 ? ` (and ${info.problems.length - 1} more: see xlp inspect ${file})` : '';
  throw new XlpError('payload-rejected-by-xen', ExitCode.INVALID_PAYLOAD, `${file}: Xen would refuse it: ${first.message} (${errnoInfo(first.errno).name})${more}`, {
    hint: 'rebuild the payload; --skip-preflight sends it anyway if it targets an older Xen',
    errno: first.errno,
  });
}

const idsOf = (info: PayloadInfo): PayloadIds => ({
  ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
  ...(info.depends === undefined ? {} : { depends: info.depends }),
  ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
  hooks: info.hooks,
});

const withSigner = (signer: string | undefined): { signer?: string } => (signer === undefined ? {} : { signer });
