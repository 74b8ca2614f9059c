/**
 * What xlp refuses in a payload file before it reaches any host: text unsafe to show (its own rule,
 * never skipped) and anything Xen 4.14+ would refuse at upload (skipped only by --skip-preflight).
 * The operations (verify-stage.ts) and the manifest (src/manifest) refuse with the same words.
 */
import { ExitCode, XlpError } from '../errors.js';
import { errnoInfo } from '../model/errno.js';
import { printable } from '../model/text.js';
import type { PayloadInfo } from '../payload/types.js';

/** xlp's own refusal of text in the payload that is unsafe to show, or undefined. */
export function defectRefusal(file: string, info: PayloadInfo): XlpError | undefined {
  const first = info.defects[0];
  if (first === undefined) return undefined;
  const more = info.defects.length > 1 ? ` (and ${info.defects.length - 1} more: see xlp inspect)` : '';
  return new XlpError('unsafe-payload-text', ExitCode.INVALID_PAYLOAD, `${printable(file, 256)}: xlp will not upload it: ${first.message}${more}`, {
    hint: 'text in a payload reaches terminals (xen-livepatch list prints .modinfo as it is): rebuild it with plain text in .modinfo and names',
  });
}

/** The first thing Xen 4.14+ would refuse in the file, or undefined. */
export function problemRefusal(file: string, info: PayloadInfo): XlpError | undefined {
  const first = info.problems[0];
  if (first === undefined) return undefined;
  const more = info.problems.length > 1 ? ` (and ${info.problems.length - 1} more: see xlp inspect ${file})` : '';
  return new XlpError('payload-rejected-by-xen', ExitCode.INVALID_PAYLOAD, `${file}: Xen would refuse it: ${first.message} (${errnoInfo(first.errno).name})${more}`, {
    hint: 'rebuild the payload; --skip-preflight sends it anyway if it targets an older Xen',
    errno: first.errno,
  });
}
