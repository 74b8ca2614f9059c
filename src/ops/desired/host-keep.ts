/**
 * What a sync keeps on the host it changes, so that boot (`xlp boot`) can re-apply without the
 * manifest's paths: every verified payload under its sha256 (payloads/<sha256>), and what the last
 * successful sync left for a hypervisor build (desired/<build-id>.json), in stack order.
 */
import { createHash } from 'node:crypto';
import { ExitCode, XlpError } from '../../errors.js';
import type { Backend } from '../../host/backend.js';
import type { DesiredHypervisor, DesiredPresent, Probe } from '../../model/desired.js';
import { SHA256_HEX } from '../../model/build-id.js';
import { validateName } from '../../model/payload-name.js';
import { MAX_PAYLOAD_SIZE } from '../../payload/xen-checks.js';

export const keptPayloadName = (sha256: string): string => `payloads/${sha256}`;
const desiredName = (xenBuildId: string): string => `desired/${xenBuildId}.json`;

/** The kept form of a sync's result for one hypervisor build. */
export interface KeptDesired {
  readonly version: 1;
  readonly xenBuildId: string;
  readonly syncedAt: string;
  /** The manifest the sync ran from (for people: boot does not read it). */
  readonly manifest: string;
  readonly payloads: readonly { readonly name: string; readonly state: 'applied' | 'uploaded'; readonly sha256: string; readonly probes: readonly Probe[] }[];
}

const MAX_DESIRED_BYTES = 1024 * 1024;

export async function keepPayload(backend: Backend, bytes: Uint8Array): Promise<void> {
  await backend.keepFile(keptPayloadName(createHash('sha256').update(bytes).digest('hex')), bytes);
}

/** A kept payload's bytes, checked against the name they are kept under; undefined when not kept. */
export async function keptPayload(backend: Backend, sha256: string): Promise<Uint8Array | undefined> {
  const bytes = await backend.readKeptFile(keptPayloadName(sha256), MAX_PAYLOAD_SIZE);
  if (bytes === undefined) return undefined;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) {
    throw new XlpError('sha256-mismatch', ExitCode.INVALID_PAYLOAD, `the payload kept on ${backend.host} as ${sha256} has changed: its sha256 is now ${actual}`, {
      hint: 'the host\'s copy was altered: run the sync again from the manifest to replace it',
    });
  }
  return bytes;
}

export async function keepDesired(backend: Backend, desired: DesiredHypervisor, manifest: string, now = new Date()): Promise<void> {
  const kept: KeptDesired = {
    version: 1,
    xenBuildId: desired.buildId,
    syncedAt: now.toISOString(),
    manifest,
    payloads: desired.payloads
      .filter((p): p is DesiredPresent => p.state !== 'absent')
      .map((p) => ({ name: p.name, state: p.state, sha256: p.facts.sha256, probes: p.probes })),
  };
  await backend.keepFile(desiredName(desired.buildId), new TextEncoder().encode(`${JSON.stringify(kept, null, 2)}\n`));
}

/** What the last successful sync left for this build, or undefined when none did. */
export async function keptDesired(backend: Backend, xenBuildId: string): Promise<KeptDesired | undefined> {
  const bytes = await backend.readKeptFile(desiredName(xenBuildId), MAX_DESIRED_BYTES);
  if (bytes === undefined) return undefined;
  const unusable = (): XlpError =>
    new XlpError('kept-file-unusable', ExitCode.FAILED, `cannot use ${desiredName(xenBuildId)} on ${backend.host}: not what a sync keeps`, {
      hint: 'remove it and run the sync again',
    });
  let value: Partial<KeptDesired>;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<KeptDesired>;
  } catch {
    throw unusable();
  }
  if (value.version !== 1 || value.xenBuildId !== xenBuildId || !Array.isArray(value.payloads) || !value.payloads.every(isKeptEntry)) throw unusable();
  return value as KeptDesired;
}

function isKeptEntry(entry: unknown): boolean {
  const e = entry as Partial<KeptDesired['payloads'][number]>;
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || (e.state !== 'applied' && e.state !== 'uploaded')) return false;
  if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256) || !Array.isArray(e.probes)) return false;
  try {
    validateName(e.name);
  } catch {
    return false;
  }
  return e.probes.every((p: Partial<Probe>) => Array.isArray(p.argv) && p.argv.every((a) => typeof a === 'string') && typeof p.timeoutSeconds === 'number');
}
