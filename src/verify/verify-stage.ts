/**
 * What the operations ask before they touch the hypervisor, in this order:
 *   1. integrity: --sha256 pin, then the signature (required by config, or asked for with --signature);
 *   2. the file itself: everything Xen 4.14+ would refuse (PayloadInfo.problems);
 *   3. identity: a payload already loaded under the name counts as this file only when xlp uploaded
 *      these very bytes (same sha256 in its record) and the hypervisor does not contradict that;
 *      apply and replace need a payload xlp can vouch for the same way;
 *   4. pre-flight against the host: build-ids (src/verify/preflight.ts).
 * 2 and 4 are skipped only by --skip-preflight, 3 only by --accept-unverified (for apply and
 * replace); what was skipped or could not be checked is returned so the journal and the operator
 * hear about it.
 */
import { ExitCode, XlpError } from '../errors.js';
import type { Backend } from '../host/backend.js';
import { Errno, errnoInfo } from '../model/errno.js';
import type { PayloadStatus } from '../model/types.js';
import type { PayloadState } from '../model/vocabulary.js';
import { printable } from '../model/text.js';
import type { PayloadInfo } from '../payload/types.js';
import { gatherHostView, type HostView } from './host-view.js';
import { verifyIntegrity, type IntegrityOptions } from './integrity.js';
import { runPreflight, type PayloadIds } from './preflight.js';
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
  readonly operation: 'upload' | 'load';
  readonly name: string;
  readonly file: string;
  readonly info: PayloadInfo;
  readonly bytes: Uint8Array;
  readonly listed: readonly PayloadStatus[];
  readonly nodeps: boolean;
  readonly options: VerifyOptions;
}

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
    return { ...base, unchecked: [], skippedChecks: [...integrity.skipped, SKIP_PREFLIGHT], ...(present === undefined ? {} : { present }) };
  }
  refuseProblems(check.file, check.info);
  const view = await gatherHostView(host.backend, host.records, check.listed);
  const passed = [...integrity.passed, 'the file is acceptable to Xen 4.14+'];
  if (existing !== undefined) {
    const present = identify(check, existing, view.vouched.get(check.name));
    passed.push(`${check.name} is already loaded (${present}) with these very bytes (sha256 ${check.info.sha256})`);
    // A CHECKED copy is applied by load: the apply checks still apply to it.
    const apply = check.operation === 'load' && present === 'CHECKED' ? runPreflight({ operation: 'apply', name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view }) : undefined;
    return { ...base, passed: [...passed, ...(apply?.passed ?? [])], unchecked: [...view.notes, ...(apply?.unchecked ?? [])], skippedChecks: [...integrity.skipped], present };
  }
  const report = runPreflight({ operation: check.operation, name: check.name, payload: idsOf(check.info), nodeps: check.nodeps, view });
  return { ...base, passed: [...passed, ...report.passed], unchecked: [...view.notes, ...report.unchecked], skippedChecks: [...integrity.skipped] };
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
  return { passed: [...vouch.passed, ...report.passed], unchecked: [...view.notes, ...report.unchecked], skippedChecks: vouch.skippedChecks };
}

/** The bytes about to be applied must be bytes xlp uploaded and verified, or the operator must say so. */
function vouchFor(view: HostView, check: ActionCheck, listed: PayloadStatus): VerifyOutcome {
  const record = view.vouched.get(check.name);
  if (record !== undefined) return { ...withSigner(record.signer), passed: [`${check.name} holds the bytes xlp uploaded (sha256 ${record.sha256})`], unchecked: [], skippedChecks: [] };
  if (check.acceptUnverified) return { passed: [], unchecked: [], skippedChecks: [`${ACCEPT_UNVERIFIED}: ${check.operation} of ${check.name}, whose bytes xlp did not upload`] };
  throw unverified(check.name, listed, 'xlp did not upload it (or its record no longer matches the hypervisor), so the bytes it would apply were never verified', `unload it and load the payload file with xlp, or pass ${ACCEPT_UNVERIFIED} to ${check.operation} it anyway (journaled)`);
}

/** The record xlp keeps of a payload it uploaded. */
export function uploadRecord(info: PayloadInfo, signer: string | undefined, now = new Date()): PayloadRecord {
  return { sha256: info.sha256, size: info.size, ...idsOf(info), hooks: info.hooks, ...withSigner(signer), uploadedAt: now.toISOString(), reappliable: info.writableSections.length === 0 };
}

function refuseDefects(file: string, info: PayloadInfo): void {
  const first = info.defects[0];
  if (first === undefined) return;
  const more = info.defects.length > 1 ? ` (and ${info.defects.length - 1} more: see xlp inspect)` : '';
  throw new XlpError('unsafe-payload-text', ExitCode.INVALID_PAYLOAD, `${printable(file, 256)}: xlp will not upload it: ${first.message}${more}`, {
    hint: 'text in a payload reaches terminals (xen-livepatch list prints .modinfo as it is): rebuild it with plain text in .modinfo and names',
  });
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

const idsOf = (info: PayloadInfo): PayloadIds & { hooks: PayloadInfo['hooks'] } => ({
  ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
  ...(info.depends === undefined ? {} : { depends: info.depends }),
  ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
  hooks: info.hooks,
});

const withSigner = (signer: string | undefined): { signer?: string } => (signer === undefined ? {} : { signer });
