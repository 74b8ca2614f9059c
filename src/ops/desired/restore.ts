/**
 * A sync that fails puts the host back as it started, where Xen allows: the steps it carried out are
 * undone in reverse, each by its inverse (an upload by an unload, an apply by a revert, a revert by an
 * apply, an unload by an upload of the same bytes), journaled like any change. Xen allows it because
 * the steps followed its stack rules, so their inverses in reverse order do too. A payload with
 * writable data cannot be applied again after a revert: it is unloaded and uploaded again first. Bytes
 * come from the manifest or from the copies kept on the host; a payload whose bytes xlp never had
 * (loaded outside xlp) cannot come back, and the restore says so and stops there.
 */
import { asXlpError } from '../../errors.js';
import type { LiveHost, LivePayload, PlanStep } from '../../model/desired.js';
import { changePayload, uploadPayload } from '../operations.js';
import type { Session } from '../session.js';

export interface RestoreSources {
  /** The state the sync started from. */
  readonly start: LiveHost;
  /** Bytes with this sha256, from the manifest or kept on the host; undefined when xlp has none. */
  readonly bytesWithSha256: (sha256: string) => Promise<Uint8Array | undefined>;
}

export interface Restore {
  /** Every inverse step succeeded: the host is as it started. */
  readonly complete: boolean;
  /** The inverse steps carried out, in order ("unload xsa-2"). */
  readonly steps: readonly string[];
  /** Why it stopped short, when it did. */
  readonly stopped?: string;
}

export async function restoreStart(session: Session, done: readonly PlanStep[], sources: RestoreSources): Promise<Restore> {
  const steps: string[] = [];
  const fresh = new Set<string>();
  const startOf = (name: string): LivePayload | undefined => sources.start.payloads.find((p) => p.name === name);
  const run = async (what: string, change: () => Promise<unknown>): Promise<void> => {
    steps.push(what);
    await change();
  };
  const reupload = async (name: string): Promise<void> => {
    const sha256 = startOf(name)?.vouched?.sha256;
    const bytes = sha256 === undefined ? undefined : await sources.bytesWithSha256(sha256);
    if (bytes === undefined) throw new Error(`xlp has no copy of the bytes ${name} was loaded with, so it cannot load it again`);
    await run(`upload ${name}`, () => uploadPayload(session, { file: `${name}.livepatch`, name, bytes, verify: { sha256: sha256 as string } }));
    fresh.add(name);
  };
  try {
    for (const step of [...done].reverse()) {
      const { name } = step;
      switch (step.action) {
        case 'upload':
          await run(`unload ${name}`, () => changePayload(session, 'unload', { name }));
          break;
        case 'apply':
          await run(`revert ${name}`, () => changePayload(session, 'revert', { name }));
          break;
        case 'unload':
          await reupload(name);
          break;
        case 'revert':
          if (!fresh.has(name) && startOf(name)?.vouched?.reappliable !== true) {
            await run(`unload ${name}`, () => changePayload(session, 'unload', { name }));
            await reupload(name);
          }
          await run(`apply ${name}`, () => changePayload(session, 'apply', { name }));
          break;
      }
    }
    return { complete: true, steps };
  } catch (error) {
    return { complete: false, steps, stopped: asXlpError(error).message };
  }
}
