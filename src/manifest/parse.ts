/**
 * The syntax and schema layer, pure: the manifest's text to its entries, with every problem a
 * position. What only xlp's own rules can say is checked here too: payload names by
 * src/model/payload-name.ts, a hypervisor build-id listed twice, a payload name used twice in one
 * hypervisor. Files are not touched: load.ts reads them.
 */
import { isAbsolute, resolve } from 'node:path';

import type { DesiredState, Probe, SourcePosition, UnmanagedPolicy } from '../model/desired.js';
import { NAME_RULE, nameProblem } from '../model/payload-name.js';
import { printable } from '../model/text.js';
import { ManifestError, type ManifestProblem } from './problems.js';
import { checkSchema, pointerOf } from './schema.js';
import { ManifestSource, type PathSegment } from './source.js';

/** One payload entry as written, its paths resolved; nothing of its file is known yet. */
export interface ManifestEntry {
  readonly name: string;
  readonly state: DesiredState;
  /** Absolute: a relative path is resolved against the manifest's directory. */
  readonly file?: string;
  readonly sha256?: string;
  readonly signature?: string;
  /** Empty when none (and always for an absent entry, whose probes are ignored). */
  readonly probes: readonly Probe[];
  /** Where the entry starts. */
  readonly position: SourcePosition;
  /** Where its values are written, for the problems found in the files they name. */
  readonly at: { readonly name: SourcePosition; readonly file?: SourcePosition; readonly sha256?: SourcePosition; readonly signature?: SourcePosition };
  /** Whether file was written as a relative path (a problem with it then names the directory). */
  readonly relative: boolean;
}

export interface ManifestHypervisor {
  readonly buildId: string;
  readonly position: SourcePosition;
  readonly payloads: readonly ManifestEntry[];
}

/** The manifest as written, checked against the schema and the name rule; the payload files unread. */
export interface ParsedManifest {
  readonly version: 1;
  /** Absolute path of the manifest. */
  readonly path: string;
  /** The directory relative paths were resolved against. */
  readonly baseDir: string;
  readonly unmanaged: UnmanagedPolicy;
  readonly hypervisors: readonly ManifestHypervisor[];
}

export interface ParseOptions {
  /** Where relative payload paths start; default the directory of `path`. loadManifest gives the manifest's real directory. */
  readonly baseDir?: string;
}

/** Every entry that is sound, and the problems of the rest, for loadManifest to carry on with. */
export interface Analysis {
  readonly manifest: ParsedManifest;
  readonly problems: readonly ManifestProblem[];
  /** Hypervisors some of whose entries had problems and were left out: their stack order cannot be judged. */
  readonly incomplete: ReadonlySet<ManifestHypervisor>;
}

/**
 * Parses and checks a manifest's text. `path` is the manifest's path as the operator wrote it: it
 * names every position. Throws a ManifestError (exit 16) listing every problem.
 */
export function parseManifest(text: string, path: string, options: ParseOptions = {}): ParsedManifest {
  const analysis = analyseManifest(text, path, options);
  if (analysis.problems.length > 0) throw new ManifestError(analysis.problems);
  return analysis.manifest;
}

export function analyseManifest(text: string, path: string, options: ParseOptions = {}): Analysis {
  const source = new ManifestSource(text, path);
  const absolute = resolve(path);
  const baseDir = options.baseDir ?? resolve(absolute, '..');
  const empty: ParsedManifest = { version: 1, path: absolute, baseDir, unmanaged: 'keep', hypervisors: [] };
  const data = source.data();
  if (data === undefined) return { manifest: empty, problems: source.problems, incomplete: new Set() };
  const schema = checkSchema(source, data);
  const problems: ManifestProblem[] = [...schema.problems];
  const faulty = schema.faulty;
  const sound = (at: readonly PathSegment[]): boolean => {
    const pointer = pointerOf(at);
    return !faulty.some((f) => f === pointer || f.startsWith(`${pointer}/`));
  };
  const root = isRecord(data) ? data : {};
  const unmanaged = root.unmanaged === 'remove' ? 'remove' : 'keep';
  const hypervisors: ManifestHypervisor[] = [];
  const incomplete = new Set<ManifestHypervisor>();
  const seenBuildIds = new Map<string, SourcePosition>();
  const list = Array.isArray(root.hypervisors) ? (root.hypervisors as unknown[]) : [];
  list.forEach((raw, i) => {
    const at: PathSegment[] = ['hypervisors', i];
    if (!isRecord(raw) || typeof raw['build-id'] !== 'string' || !sound([...at, 'build-id']) || !Array.isArray(raw.payloads)) return;
    const buildId = raw['build-id'];
    const idPosition = source.positionOf([...at, 'build-id']);
    const first = seenBuildIds.get(buildId);
    if (first !== undefined) {
      problems.push({ ...idPosition, message: `hypervisor build-id ${buildId} is listed twice (first at line ${first.line}); merge the two entries into one` });
      return;
    }
    seenBuildIds.set(buildId, idPosition);
    const payloads: ManifestEntry[] = [];
    let complete = sound(at);
    const seenNames = new Map<string, SourcePosition>();
    (raw.payloads as unknown[]).forEach((entry, j) => {
      const entryAt: PathSegment[] = [...at, 'payloads', j];
      const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : undefined;
      const namePosition = source.positionOf([...entryAt, 'name']);
      if (name !== undefined && sound([...entryAt, 'name'])) {
        const problem = nameProblem(name);
        if (problem !== undefined) {
          problems.push({ ...namePosition, message: `payload name "${printable(name, 160)}" is not allowed: ${problem}; a payload name is ${NAME_RULE}` });
          complete = false;
          return;
        }
        const firstName = seenNames.get(name);
        if (firstName !== undefined) {
          problems.push({ ...namePosition, message: `payload name ${printable(name, 40)} is used twice in hypervisor ${buildId} (first at line ${firstName.line}); give each entry its own name, or remove one` });
          complete = false;
          return;
        }
        seenNames.set(name, namePosition);
      }
      if (!isRecord(entry) || !sound(entryAt) || name === undefined) {
        complete = false;
        return;
      }
      payloads.push(entryOf(source, entry, entryAt, name, baseDir));
    });
    const hypervisor: ManifestHypervisor = { buildId, position: source.positionOf(at), payloads };
    hypervisors.push(hypervisor);
    if (!complete) incomplete.add(hypervisor);
  });
  return { manifest: { ...empty, unmanaged, hypervisors }, problems, incomplete };
}

function entryOf(source: ManifestSource, entry: Record<string, unknown>, at: readonly PathSegment[], name: string, baseDir: string): ManifestEntry {
  const state = entry.state as DesiredState;
  const place = (key: string): SourcePosition | undefined => (entry[key] === undefined ? undefined : source.positionOf([...at, key]));
  const path = (key: string): string | undefined => (typeof entry[key] === 'string' ? resolve(baseDir, entry[key]) : undefined);
  const present = state !== 'absent';
  const file = present ? path('file') : undefined;
  const signature = present ? path('signature') : undefined;
  const sha256 = present && typeof entry.sha256 === 'string' ? entry.sha256 : undefined;
  const probes = present && Array.isArray(entry.probes) ? (entry.probes as Array<{ argv: string[]; timeout: number }>).map((p) => ({ argv: [...p.argv], timeoutSeconds: p.timeout })) : [];
  const filePosition = place('file');
  const sha256Position = place('sha256');
  const signaturePosition = place('signature');
  return {
    name,
    state,
    ...(file === undefined ? {} : { file }),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(signature === undefined ? {} : { signature }),
    probes,
    position: source.positionOf(at),
    at: {
      name: source.positionOf([...at, 'name']),
      ...(filePosition === undefined ? {} : { file: filePosition }),
      ...(sha256Position === undefined ? {} : { sha256: sha256Position }),
      ...(signaturePosition === undefined ? {} : { signature: signaturePosition }),
    },
    relative: typeof entry.file === 'string' && !isAbsolute(entry.file),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
