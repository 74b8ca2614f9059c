/** Upload: exactly the verified bytes, as a private copy on the host; undone by unloading them again. */
import { basename } from 'node:path';
import type { Step } from '../step.js';
import { uploadRecord } from '../../verify/verify-stage.js';
import { actionStage } from './action.js';
import type { VerifiedFile } from './verify-file.js';

export async function upload(step: Step, payload: VerifiedFile): Promise<void> {
  const { backend } = step.session;
  await step.change({
    title: `Upload ${step.name}`,
    effect: 'upload',
    uploads: uploadRecord(payload.info, payload.verdict.signer),
    metadata: payload.info.modinfo ?? [],
    run: async () => {
      step.outputs.push(await backend.upload(step.name, payload.bytes, basename(payload.file)));
    },
    // The file's checks (run before this stage) refuse a name already loaded with other bytes.
    rehearse: () => Promise.resolve({ value: undefined, command: backend.commandFor({ command: 'upload', name: step.name, fileName: basename(payload.file) }) }),
    undo: actionStage(step, 'unload', {}, 'Roll back: unload'),
  });
}
