/**
 * What the operations ask before they touch the hypervisor, in this order:
 *   1. integrity: --sha256 pin, then the signature (required by config, or asked for with --signature);
 *   2. the file itself: everything Xen 4.14+ would refuse (PayloadInfo.problems);
 *   3. identity: a payload already loaded under the name counts as this file only when xlp uploaded
 *      these very bytes (same sha256 in its record) and the hypervisor does not contradict that;
 *      apply and replace need a payload xlp can vouch for the same way;
 *   4. pre-flight against the host: build-ids (src/verify/preflight.ts).
 * 2 and 4 are skipped only by --skip-preflight, 3 only by --accept-unverified (for apply and
 * replace), a required signature only by --no-require-signature (src/verify/policy.ts); what was
 * skipped or could not be checked is returned so the journal and the operator hear about it.
 */
import { ExitCode, XlpError } from '../errors.js';
import type { Backend } from '../host/backend.js';
import { Errno } from '../model/errno.js';
import type { PayloadStatus } from '../model/types.js';
import type { PayloadState } from '../model/vocabulary.js';
import type { PayloadInfo } from '../payload/types.js';
import { gatherHostView, type HostView } from './host-view.js';
import { verifyIntegrity, type IntegrityOptions } from './integrity.js';
import { defectRefusal, problemRefusal } from './payload-refusals.js';
import { NO_POLICY, type SignaturePolicy } from './policy.js';
import { runPreflight, type PayloadIds, type PreflightOperation } from './preflight.js';
import type { PayloadRecord, PayloadRecords } from './store.js';

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
  /** xlp's record of what it uploaded to this host and the order it applied it in. */
  readonly records: PayloadRecords;
}

export const SKIP_PREFLIGHT = '--skip-preflight';
export const ACCEPT_UNVERIFIED = '--accept-unverified';

export interface FileCheck {
  /** What the file is checked for: an upload alone, or an upload followed by an apply (load) or a replace. */
  readonly operation: 'upload' | 'load' | 'replace';
  readonly name: string;
  readonly file: string;
  readonly info: PayloadInfo;
  readonly bytes: Uint8Array;
  readonly listed: readonly PayloadStatus[];
  readonly nodeps: boolean;
  readonly options: VerifyOptions;
}

/** The action that follows the upload of a file, checked on its own when the bytes are already uploaded. */
const THEN: Readonly<Record<FileCheck['operation'], PreflightOperation | undefined>> = { upload: undefined, load: 'apply', replace: 'replace' };
/** The pre-flight checks of a file not yet uploaded ('load' is upload and apply in one). */
const FRESH: Readonly<Record<FileCheck['operation'], readonly PreflightOperation[]>> = { upload: ['upload'], load: ['load'], replace: ['upload', 'replace'] };

export interface FileVerdict extends VerifyOutcome {
  /** These very bytes are already loaded under the name, in this state: a re-run has nothing to upload. */
  readonly present?: PayloadState;
}

export async function verifyPayloadFile(host: HostAccess, check: FileCheck): Promise<FileVerdict> {
  // xlp's own refusals come first and cannot be skipped: they protect the operator's terminal.
  refuseDefects(check.file, check.info);
  const integrity = await verifyIntegrity(check.file, check.bytes, check.info, check.options);
  const base = { ...withSigner(integrity.signer), passed: integrity.passed };
  const existing = check.listed.find((p) => p.name === check.name);
  if (check.options.skipPreflight === true) {
    // Identity is not a pre-flight check: even unchecked, only the very same bytes count as present.
    const present = existing === undefined ? undefined : identify(check, existing, (await host.records.read()).payloads[check.name]);
    return { ...base, unchecked: [...integrity.unchecked], skippedChecks: [...integrity.skipped, SKIP_PREFLIGHT], ...(present === undefined ? {} : { present }) };
  }
  refuseProblems(check.file, check.info);
  const view = await gatherHostView(host.backend, host.records, check.listed);
  const passed = [...integrity.passed, 'the file is acceptable to Xen 4.14+'];
  if (existing !== undefined) {
    const present = identify(check, existing, view.vouched.get(check.name));
    passed.push(`${check.name} is already loaded (${present}) with these very bytes (sha256 ${check.info.sha256})`);
    // A CHECKED copy is applied (or replaces) next: those checks still apply to it.
    const next = present === 'CHECKED' ? THEN[check.operation] : undefined;
    const action = next === undefined ? undefined : runPreflight({ operation: next, name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view });
    return { ...base, passed: [...passed, ...(action?.passed ?? [])], unchecked: [...integrity.unchecked, ...view.notes, ...(action?.unchecked ?? [])], skippedChecks: [...integrity.skipped], present };
  }
  const reports = FRESH[check.operation].map((operation) => runPreflight({ operation, name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view }));
  return { ...base, passed: [...passed, ...reports.flatMap((r) => r.passed)], unchecked: [...integrity.unchecked, ...view.notes, ...reports.flatMap((r) => r.unchecked)], skippedChecks: [...integrity.skipped] };
}

/** The loaded payload is this file when xlp's (reconciled, uncontradicted) record has its sha256; anything else is refused. */
function identify(check: FileCheck, existing: PayloadStatus, record: PayloadRecord | undefined): PayloadState {
  if (record === undefined) throw unverified(check.name, existing, `it was not uploaded by xlp from this machine, or its record no longer matches the hypervisor`, `unload it (xlp unload ${check.name}) and load the file again`);
  if (record.sha256 !== check.info.sha256) {
    const loaded = `build-id ${record.buildId ?? 'none'}, sha256 ${record.sha256}`;
    const file = `build-id ${check.info.buildId ?? 'none'}, sha256 ${check.info.sha256}`;
    throw new XlpError('rejected', ExitCode.REJECTED, `the name ${check.name} is taken by a different payload (${loaded}; this file's: ${file}), ${existing.state}`, {
      hint: `choose another name with --name, or revert and unload ${check.name} first`,
      errno: Errno.EEXIST,
    });
  }
  if (existing.state === 'unknown') throw unverified(check.name, existing, 'the hypervisor lists it in an unknown state', 'inspect it with xlp list and xl dmesg');
  return existing.state;
}

function unverified(name: string, existing: PayloadStatus, why: string, hint: string): XlpError {
  return new XlpError('unverified', ExitCode.UNVERIFIED, `xlp cannot vouch for the payload loaded as ${name} (${existing.state}): ${why}`, { hint, errno: Errno.EEXIST });
}

export interface ActionCheck {
  readonly operation: 'apply' | 'replace';
  readonly name: string;
  /** The host's list, taken once by the operation (it is also the audit's state before). */
  readonly listed: readonly PayloadStatus[];
  readonly nodeps: boolean;
  readonly skipPreflight: boolean;
  /** Apply or replace a payload xlp cannot vouch for (recorded as a skipped check). */
  readonly acceptUnverified: boolean;
  /** Whether the payload must carry a signature xlp verified when it uploaded it; none by default. */
  readonly policy?: SignaturePolicy;
}

export async function verifyAction(host: HostAccess, check: ActionCheck): Promise<VerifyOutcome> {
  const listed = check.listed.find((p) => p.name === check.name);
  // Unknown names and wrong states are the action's to report, with the tool's own words.
  if (listed === undefined || listed.state !== 'CHECKED') return { passed: [], unchecked: [], skippedChecks: [] };
  const view = await gatherHostView(host.backend, host.records, check.listed);
  const vouch = vouchFor(view, check, listed);
  if (check.skipPreflight) return { ...vouch, skippedChecks: [...vouch.skippedChecks, SKIP_PREFLIGHT] };
  const known = view.known.get(check.name);
  const report = runPreflight({ operation: check.operation, name: check.name, ...(known === undefined ? {} : { payload: known }), nodeps: check.nodeps, view });
  return { ...withSigner(vouch.signer), passed: [...vouch.passed, ...report.passed], unchecked: [...view.notes, ...report.unchecked], skippedChecks: vouch.skippedChecks };
}

/** The bytes about to be applied must be bytes xlp uploaded and verified, or the operator must say so. */
function vouchFor(view: HostView, check: ActionCheck, listed: PayloadStatus): VerifyOutcome {
  const record = view.vouched.get(check.name);
  const policy = check.policy ?? NO_POLICY;
  if (record !== undefined) {
    const vouched = { ...withSigner(record.signer), passed: [`${check.name} holds the bytes xlp uploaded (sha256 ${record.sha256})`], unchecked: [], skippedChecks: [] };
    return signedEnough(vouched, check, policy, record.signer, 'xlp uploaded it without verifying a signature');
  }
  if (!check.acceptUnverified) {
    const also = policy.required ? ` and --no-require-signature (signatures are required by ${policy.requiredBy})` : '';
    throw unverified(check.name, listed, 'xlp did not upload it (or its record no longer matches the hypervisor), so the bytes it would apply were never verified', `unload it and load the payload file with xlp, or pass ${ACCEPT_UNVERIFIED}${also} to ${check.operation} it anyway (journaled)`);
  }
  const accepted = { passed: [], unchecked: [], skippedChecks: [`${ACCEPT_UNVERIFIED}: ${check.operation} of ${check.name}, whose bytes xlp did not upload`] };
  return signedEnough(accepted, check, policy, undefined, 'xlp did not upload it, so no signature of its bytes was verified');
}

/**
 * Under a signature requirement, the payload must be one whose signature xlp verified when it
 * uploaded it (by the required signer, if one is set); --no-require-signature waives that, journaled
 * only where it let through a payload without one.
 */
function signedEnough(outcome: VerifyOutcome, check: ActionCheck, policy: SignaturePolicy, signer: string | undefined, why: string): VerifyOutcome {
  if (!policy.required) {
    const waived = policy.waiver !== undefined && signer === undefined;
    return waived ? { ...outcome, skippedChecks: [...outcome.skippedChecks, policy.waiver as string] } : outcome;
  }
  if (signer !== undefined && (policy.signer === undefined || policy.signer === signer)) {
    return { ...outcome, passed: [...outcome.passed, `signature by ${signer}, verified when xlp uploaded it (required by ${policy.requiredBy})`] };
  }
  const problem = signer === undefined ? why : `it was signed by ${signer}, not by the required signer ${policy.signer}`;
  throw new XlpError('signature-unverified', ExitCode.INVALID_PAYLOAD, `${check.name} has no verified signature: ${problem} (signatures are required by ${policy.requiredBy})`, {
    hint: `unload it and load its signed file with xlp, or pass --no-require-signature to ${check.operation} it anyway (journaled)`,
  });
}

/** The record xlp keeps of a payload it uploaded. */
export function uploadRecord(info: PayloadInfo, signer: string | undefined, now = new Date()): PayloadRecord {
  return { sha256: info.sha256, size: info.size, ...idsOf(info), hooks: info.hooks, ...withSigner(signer), uploadedAt: now.toISOString(), reappliable: info.writableSections.length === 0, reverted: false, ...(info.modinfo === undefined ? {} : { modinfo: info.modinfo }) };
}

function refuseDefects(file: string, info: PayloadInfo): void {
  const refusal = defectRefusal(file, info);
  if (refusal !== undefined) throw refusal;
}

function refuseProblems(file: string, info: PayloadInfo): void {
  const refusal = problemRefusal(file, info);
  if (refusal !== undefined) throw refusal;
}

const idsOf = (info: PayloadInfo): PayloadIds & { hooks: PayloadInfo['hooks'] } => ({
  ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
  ...(info.depends === undefined ? {} : { depends: info.depends }),
  ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
  hooks: info.hooks,
});

const withSigner = (signer: string | undefined): { signer?: string } => (signer === undefined ? {} : { signer });
