/** `xlp audit verify`: the whole chain proven, then the seal compared with its head. */
import { auditError } from './journal-errors.js';
import { scanJournal, type ScanProblem } from './journal-reader.js';
import { checkSeal, type SealCheckConfig, type SealReport } from './seal.js';

export interface VerifyResult {
  readonly path: string;
  readonly ok: boolean;
  readonly records: number;
  readonly head?: { readonly seq: number; readonly hash: string };
  /** The first broken record. */
  readonly problem?: ScanProblem;
  readonly seal: SealReport;
}

/** A seal that was asked for (a key given) must be present and valid; any seal present must match the head. */
const SEAL_OK: Record<SealReport['status'], (keyGiven: boolean) => boolean> = {
  valid: () => true,
  unchecked: () => true,
  absent: (keyGiven) => !keyGiven,
  invalid: () => false,
  truncated: () => false,
  'unsealed-tail': () => false,
};

export async function verifyJournal(path: string, config: SealCheckConfig): Promise<VerifyResult> {
  const scan = await scanJournal(path);
  if (!scan.exists) throw auditError('audit-missing', `there is no audit journal at ${path}`, 'check --audit-log / XLP_AUDIT_LOG');
  const keyGiven = config.hmacKeyFile !== undefined || config.allowedSigners !== undefined;
  // A broken chain has no trustworthy head to compare a seal with.
  const seal: SealReport = scan.problem === undefined ? await checkSeal(path, scan.head, config) : { status: 'unchecked', message: 'not checked: the chain is broken' };
  const ok = scan.problem === undefined && SEAL_OK[seal.status](keyGiven);
  return {
    path,
    ok,
    records: scan.records,
    ...(scan.head === undefined ? {} : { head: scan.head }),
    ...(scan.problem === undefined ? {} : { problem: scan.problem }),
    seal,
  };
}
