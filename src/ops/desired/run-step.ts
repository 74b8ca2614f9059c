/**
 * One step of a plan, carried out as the operation of the same name: each one journaled change of
 * the session. An upload sends the bytes the manifest's check read (pinned by their sha256); an
 * apply runs the payload's health probes.
 */
import type { Backend } from '../../host/backend.js';
import type { DesiredHypervisor, PlanStep } from '../../model/desired.js';
import type { OperationResult } from '../../model/results.js';
import type { VerifyOptions } from '../../verify/verify-stage.js';
import { changePayload, uploadPayload } from '../operations.js';
import type { Session } from '../session.js';
import { presentIn } from './target.js';

export interface StepSources {
  readonly desired: DesiredHypervisor;
  /** The checked bytes of a payload the manifest names (src/manifest bytesOf). */
  readonly bytesOf: (name: string) => Uint8Array | undefined;
  /** Signature policy and the other verification settings. */
  readonly verify: VerifyOptions;
}

export function runStep(session: Session, step: PlanStep, sources: StepSources): Promise<OperationResult> {
  const wanted = presentIn(sources.desired, step.name);
  switch (step.action) {
    case 'upload': {
      // The planner uploads only what the manifest wants loaded.
      if (wanted === undefined) throw new Error(`plan uploads ${step.name}, which the manifest does not want loaded`);
      const bytes = sources.bytesOf(step.name);
      return uploadPayload(session, {
        file: wanted.file,
        name: step.name,
        ...(bytes === undefined ? {} : { bytes }),
        verify: { ...sources.verify, sha256: wanted.facts.sha256, ...(wanted.signature === undefined ? {} : { signature: wanted.signature }) },
      });
    }
    case 'apply':
      return changePayload(session, 'apply', { name: step.name, probes: wanted?.probes ?? [], ...(sources.verify.policy === undefined ? {} : { policy: sources.verify.policy }) });
    case 'revert':
    case 'unload':
      return changePayload(session, step.action, { name: step.name });
  }
}

/** The tool command a step runs (an upload's staged path as a placeholder): what plan and a dry run show. */
export const stepCommand = (backend: Backend, step: PlanStep): readonly string[] =>
  backend.commandFor(step.action === 'upload' ? { command: 'upload', name: step.name, fileName: `${step.name}.livepatch` } : { command: step.action, name: step.name });
