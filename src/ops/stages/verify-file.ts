/** Verify: read the file once (the bytes checked are the bytes uploaded), check it and the host, describe the intent. */
import { parsePayload } from '../../payload/parse.js';
import { readPayloadFile } from '../../payload/read-file.js';
import type { PayloadInfo } from '../../payload/types.js';
import { verifyPayloadFile, type FileCheck, type FileVerdict, type VerifyOptions } from '../../verify/verify-stage.js';
import type { Step } from '../step.js';
import { intentFacts, noteChecks } from './checks.js';

export interface VerifiedFile {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly info: PayloadInfo;
  readonly verdict: FileVerdict;
}

export function verifyFile(step: Step, request: { file: string; bytes?: Uint8Array; nodeps: boolean; verify: VerifyOptions }, operation: FileCheck['operation']): Promise<VerifiedFile> {
  return step.check(`Verify ${request.file}`, async (report) => {
    const { bytes, info } = request.bytes === undefined ? await readPayloadFile(request.file) : { bytes: request.bytes, info: parsePayload(request.bytes) };
    report.note(`sha256 ${info.sha256}`);
    const listed = await step.before();
    const { backend, records } = step.session.options;
    const verdict = await verifyPayloadFile({ backend, records }, { operation, name: step.name, file: request.file, bytes, info, listed, nodeps: request.nodeps, options: request.verify });
    noteChecks(verdict, report);
    step.describe({ sha256: info.sha256, buildId: info.buildId, depends: info.depends, xenDepends: info.xenDepends, ...intentFacts(verdict) });
    return { file: request.file, bytes, info, verdict };
  });
}
