/**
 * loadManifest: a manifest read and checked whole, its payload files included. Each payload file is
 * read once (src/payload/read-file.ts: bounded, no FIFO or device, one descriptor), and its sha256,
 * its facts and xlp's and Xen's refusals all come from those bytes, which sync then uploads without
 * reading the file again (bytesOf). Every problem, in the manifest or in the files it names, is
 * collected and thrown as one ManifestError (exit 16).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { XlpError } from '../errors.js';
import type { DesiredHypervisor, DesiredPayload, DesiredPresent, Manifest, PayloadFacts } from '../model/desired.js';
import { printable } from '../model/text.js';
import { readPayloadFile } from '../payload/read-file.js';
import type { PayloadInfo } from '../payload/types.js';
import { defectRefusal, problemRefusal } from '../verify/payload-refusals.js';
import { analyseManifest, type ManifestEntry, type ManifestHypervisor } from './parse.js';
import { ManifestError, type ManifestProblem } from './problems.js';
import { readManifestFile } from './read.js';
import { stackProblems, xenDependsProblem, type CheckedEntry } from './stack.js';

/**
 * Which payloads' checked bytes loadManifest keeps for bytesOf: all of them (the default), none
 * (check needs the facts only), or one hypervisor build's (sync: the running hypervisor's). The
 * others are read, checked and dropped, a few files at a time (FILES_AT_ONCE).
 */
export type KeepBytes = 'all' | 'none' | { readonly hypervisor: string };

export interface LoadOptions {
  readonly keepBytes?: KeepBytes;
}

export interface LoadedManifest {
  readonly manifest: Manifest;
  /**
   * The very bytes whose sha256 and facts were checked, to upload as they are (never read the file
   * again); undefined when loadManifest was told not to keep them. Shared: do not modify.
   */
  bytesOf(payload: DesiredPresent): Uint8Array | undefined;
}

/**
 * Reads the manifest at `path` (a symbolic link is followed; relative payload paths start at the
 * directory of the file it resolves to) and every payload file it names, and checks them all.
 * Throws a usage error (exit 2) when the manifest file cannot be read, and a ManifestError
 * (exit 16) listing every problem found.
 */
/** What the planner needs of a payload file, read from its bytes once. */
export const factsOf = (info: PayloadInfo): PayloadFacts => ({
  sha256: info.sha256,
  ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
  ...(info.depends === undefined ? {} : { depends: info.depends }),
  ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
  reappliable: info.writableSections.length === 0,
});

export async function loadManifest(path: string, options: LoadOptions = {}): Promise<LoadedManifest> {
  const file = await readManifestFile(path);
  const analysis = analyseManifest(file.text, path, { baseDir: file.realDir });
  const problems: ManifestProblem[] = [...analysis.problems];
  const kept = new Map<string, Uint8Array>();
  const keep = options.keepBytes ?? 'all';
  const hypervisors: DesiredHypervisor[] = [];
  for (const h of analysis.manifest.hypervisors) {
    const keepThis = keep === 'all' || (typeof keep === 'object' && keep.hypervisor === h.buildId);
    hypervisors.push(await loadHypervisor(h, !analysis.incomplete.has(h), analysis.manifest.baseDir, problems, keepThis ? kept : undefined));
  }
  if (problems.length > 0) throw new ManifestError(problems);
  const manifest: Manifest = { version: 1, path: resolve(path), unmanaged: analysis.manifest.unmanaged, hypervisors };
  return { manifest, bytesOf: (payload) => kept.get(payload.facts.sha256) };
}

async function loadHypervisor(h: ManifestHypervisor, complete: boolean, baseDir: string, problems: ManifestProblem[], kept: Map<string, Uint8Array> | undefined): Promise<DesiredHypervisor> {
  const payloads: DesiredPayload[] = [];
  const checked: CheckedEntry[] = [];
  let stackable = complete;
  const results = await checkFiles(h, baseDir);
  for (const [index, entry] of h.payloads.entries()) {
    const result = results[index];
    if (entry.state === 'absent' || result === undefined) {
      payloads.push({ name: entry.name, state: 'absent', position: entry.position });
      continue;
    }
    problems.push(...result.problems);
    if (result.facts === undefined || result.bytes === undefined) {
      stackable = false;
      continue;
    }
    if (!result.sound) stackable = false;
    else checked.push({ entry, facts: result.facts });
    kept?.set(result.facts.sha256, result.bytes);
    payloads.push({
      name: entry.name,
      state: entry.state,
      file: entry.file ?? '',
      ...(entry.signature === undefined ? {} : { signature: entry.signature }),
      facts: result.facts,
      probes: entry.probes,
      position: entry.position,
    });
  }
  // The order is judged only when every entry and every file could be read: a missing one would
  // make the next look out of place.
  if (stackable) problems.push(...stackProblems(h.buildId, checked));
  return { buildId: h.buildId, payloads, position: h.position };
}

/**
 * The file checks of a hypervisor's present entries (undefined for an absent one), by index. Files
 * are read a few at a time: their reads and stats overlap (a check polled every minute reads every
 * file, docs/performance.md), while the bytes held at once stay bounded.
 */
async function checkFiles(h: ManifestHypervisor, baseDir: string): Promise<(FileCheck | undefined)[]> {
  const results: (FileCheck | undefined)[] = [];
  for (let start = 0; start < h.payloads.length; start += FILES_AT_ONCE) {
    const batch = h.payloads.slice(start, start + FILES_AT_ONCE);
    results.push(...(await Promise.all(batch.map((entry) => (entry.state === 'absent' ? undefined : checkFile(h.buildId, entry, baseDir))))));
  }
  return results;
}

/** At most 8 payload files (2 MiB each at most) in memory at once while they are checked. */
const FILES_AT_ONCE = 8;

interface FileCheck {
  readonly problems: readonly ManifestProblem[];
  readonly facts?: PayloadFacts;
  readonly bytes?: Uint8Array;
  /** The file is the one written, valid, and built for the hypervisor: its ids can be judged in the stack. */
  readonly sound: boolean;
}

async function checkFile(buildId: string, entry: ManifestEntry, baseDir: string): Promise<FileCheck> {
  const name = printable(entry.name, 40);
  const at = entry.at.file ?? entry.position;
  const problems: ManifestProblem[] = [];
  problems.push(...(await signatureProblems(entry, baseDir)));
  let read: { bytes: Uint8Array; info: PayloadInfo };
  try {
    read = await readPayloadFile(entry.file ?? '');
  } catch (error) {
    if (!(error instanceof XlpError)) throw error;
    const fix = error.code === 'usage' ? `fix file:${entry.relative ? ` (a relative path starts at ${printable(baseDir, 256)}, the manifest's directory)` : ''}` : 'rebuild it, or name the right file';
    return { problems: [...problems, { ...at, message: `payload ${name}: ${error.message}; ${fix}` }], sound: false };
  }
  const { bytes, info } = read;
  const facts = factsOf(info);
  if (entry.sha256 !== undefined && entry.sha256 !== info.sha256) {
    const message = `payload ${name}: the file's sha256 is ${info.sha256}, not ${entry.sha256}: it is not the payload this manifest names; check the file and where it came from (write sha256: ${info.sha256} only if it is the file you meant)`;
    return { problems: [...problems, { ...(entry.at.sha256 ?? at), message }], facts, bytes, sound: false };
  }
  const refusal = defectRefusal(entry.file ?? '', info) ?? problemRefusal(entry.file ?? '', info);
  if (refusal !== undefined) return { problems: [...problems, { ...at, message: `payload ${name}: ${refusal.message}; rebuild it, or name the right file` }], facts, bytes, sound: false };
  const mismatch = xenDependsProblem(buildId, entry, facts);
  if (mismatch !== undefined) return { problems: [...problems, mismatch], facts, bytes, sound: false };
  return { problems, facts, bytes, sound: true };
}

/** The signature file must be there; sync verifies it against the bytes. */
async function signatureProblems(entry: ManifestEntry, baseDir: string): Promise<ManifestProblem[]> {
  if (entry.signature === undefined) return [];
  const at = entry.at.signature ?? entry.position;
  const shown = printable(entry.signature, 256);
  const where = ` (a relative path starts at ${printable(baseDir, 256)}, the manifest's directory)`;
  try {
    const st = await stat(entry.signature);
    if (st.isFile()) return [];
    return [{ ...at, message: `payload ${printable(entry.name, 40)}: signature ${shown} is not a regular file; fix signature:` }];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : code === 'EACCES' ? 'cannot be reached: permission denied' : `cannot be examined: ${code ?? String(error)}`;
    return [{ ...at, message: `payload ${printable(entry.name, 40)}: signature ${shown} ${what}; fix signature:${where}` }];
  }
}
