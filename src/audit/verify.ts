/** `xlp audit verify`: the whole chain proven, the seal compared with its head, and the tail judged. */
import { auditError } from './journal-errors.js';
import { journalRef, scanJournal, type JournalRef } from './journal-reader.js';
import { checkSeal, sealOk, type SealCheckConfig, type SealReport } from './seal-check.js';
import { journalTail, type TailReport } from './tail.js';

export interface VerifyResult {
  /** The journal: its file, the records proven, its head, the first broken record (journal.problem). */
  readonly journal: JournalRef;
  readonly ok: boolean;
  readonly seal: SealReport;
  /** What follows the last whole record: only a clean tail (or an append under way) passes. */
  readonly tail: Pick<TailReport, 'condition' | 'message' | 'writer'>;
}

export async function verifyJournal(path: string, config: SealCheckConfig): Promise<VerifyResult> {
  const scan = await scanJournal(path);
  if (!scan.exists) throw auditError('audit-missing', `there is no audit journal at ${path}`, 'check --audit-log / XLP_AUDIT_LOG');
  const keyGiven = config.hmacKeyFile !== undefined || config.allowedSigners !== undefined;
  // A broken chain has no trustworthy head to compare a seal with, nor a tail after it.
  const broken = scan.problem !== undefined;
  const seal: SealReport = broken ? { status: 'unchecked', message: 'not checked: the chain is broken' } : await checkSeal(path, scan.head, config);
  const found = broken ? undefined : await journalTail(path);
  const tail = found === undefined ? { condition: 'clean' as const, message: 'not judged: the chain is broken' } : { condition: found.condition, message: found.message, ...(found.writer === undefined ? {} : { writer: found.writer }) };
  const ok = !broken && sealOk(seal, keyGiven, scan.records) && (tail.condition === 'clean' || tail.condition === 'appending');
  return { journal: journalRef(scan), ok, seal, tail };
}
