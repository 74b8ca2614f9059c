/**
 * xlp's record, per host, of the bytes it uploaded under each name and of the order it applied them
 * in: `xen-livepatch list` shows neither build-ids nor apply order, and the pre-flight checks need
 * both. One JSON file per host under dataDir()/hosts/, 0600 in 0700 directories owned by the user
 * (root on a dom0), replaced atomically (write, fsync, rename) under a flock so two xlp processes
 * never lose each other's updates. The record is a cache of what xlp did, never the truth: every
 * use reconciles it with what the hypervisor lists (see reconcile()).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ExitCode, XlpError } from '../errors.js';
import type { PayloadStatus } from '../model/types.js';
import { stackAfter, TARGET, type Operation } from '../model/vocabulary.js';
import type { HookKind } from '../payload/types.js';
import { dataDir } from '../paths.js';
import { acquireLock } from '../util/lock-file.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { UnusableFile, readPrivateFile, writePrivateFile } from '../util/private-file.js';

export interface PayloadRecord {
  readonly sha256: string;
  readonly size: number;
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  readonly hooks: readonly HookKind[];
  /** The allowed-signers principal whose signature was verified before the upload. */
  readonly signer?: string;
  readonly uploadedAt: string;
  /** False when it has writable sections besides .livepatch.funcs: Xen will not apply it again after a revert. */
  readonly reappliable?: boolean;
  /** Set once it was reverted (by revert, or demoted by a replace) since its upload. */
  readonly reverted?: boolean;
  /** The payload's .modinfo strings as uploaded: what status and list show where Xen's list omits them (before 4.14). */
  readonly modinfo?: readonly string[];
}

export interface HostRecord {
  readonly version: 1;
  /** The runner's target: 'localhost', the ssh destination or 'sim:<state file>'. */
  readonly host: string;
  /** The hypervisor build-id the records belong to; a different one means a reboot: all stale. */
  readonly xenBuildId?: string;
  readonly payloads: Readonly<Record<string, PayloadRecord>>;
  /** Names xlp applied, bottom of the stack first. */
  readonly applied: readonly string[];
}

const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export const emptyRecord = (host: string): HostRecord => ({ version: 1, host, payloads: {}, applied: [] });

/** A file name for the host that cannot escape the directory, and stays readable in `ls`. */
export function hostFileName(host: string): string {
  const slug = host.replace(/[^A-Za-z0-9_.@-]+/g, '_').slice(0, 48);
  const digest = createHash('sha256').update(host).digest('hex').slice(0, 16);
  return `${slug}-${digest}.json`;
}

export const storeDir = (base = dataDir()): string => join(base, 'hosts');

/** xlp's record of one host, handed to the operations through the session (a file in production). */
export interface PayloadRecords {
  readonly host: string;
  /** The record as last written (empty when there is none). */
  read(): Promise<HostRecord>;
  /** Read-modify-write, serialised against other xlp processes; `change` must be quick and must not touch the hypervisor. */
  update(change: (record: HostRecord) => HostRecord): Promise<HostRecord>;
}

export class PayloadStore implements PayloadRecords {
  private readonly path: string;

  constructor(
    readonly host: string,
    private readonly dir = storeDir(),
  ) {
    this.path = join(dir, hostFileName(host));
  }

  /** The record as last written (empty when there is none); creates nothing. */
  read(): Promise<HostRecord> {
    return this.load();
  }

  /** Read-modify-write under the store lock; `change` must be quick and must not touch the hypervisor. */
  async update(change: (record: HostRecord) => HostRecord): Promise<HostRecord> {
    await ensurePrivateDir(this.dir);
    const lock = await acquireLock(`${this.path}.lock`, { timeoutMs: 10_000, command: `xlp (pid ${process.pid})`, what: 'the payload record' });
    try {
      const next = change(await this.load());
      await this.write(next);
      return next;
    } finally {
      await lock.release();
    }
  }

  private async load(): Promise<HostRecord> {
    const bytes = await readPrivateFile(this.path, MAX_RECORD_BYTES).catch((error: unknown) => {
      throw error instanceof UnusableFile ? unusable(this.path, error.message) : error;
    });
    return bytes === undefined ? emptyRecord(this.host) : parseRecord(bytes.toString('utf8'), this.host, this.path);
  }

  private async write(record: HostRecord): Promise<void> {
    await writePrivateFile(this.dir, hostFileName(this.host), `${JSON.stringify(record, null, 2)}\n`);
  }
}

const unusable = (path: string, why: string): XlpError =>
  new XlpError('store-unusable', ExitCode.FAILED, `cannot use xlp's payload record ${path}: ${why}`, {
    hint: 'remove the file: xlp rebuilds it (checks that need it then say what they could not verify)',
  });

function parseRecord(text: string, host: string, path: string): HostRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unusable(path, 'it is not valid JSON');
  }
  const value = parsed as Partial<HostRecord>;
  if (value.version !== 1 || typeof value.payloads !== 'object' || value.payloads === null || !Array.isArray(value.applied)) {
    throw unusable(path, 'it is not a version 1 payload record');
  }
  // A record is named by a digest of the host, so a mismatch means it was copied from elsewhere.
  if (value.host !== host) throw unusable(path, `it belongs to host ${String(value.host)}, not ${host}`);
  return value as HostRecord;
}

/**
 * The record made consistent with the hypervisor's list: payloads no longer loaded are forgotten,
 * applied names that are not APPLIED any more leave the stack, and a different hypervisor build-id
 * (a reboot into another Xen) voids everything.
 */
export function reconcile(record: HostRecord, listed: readonly PayloadStatus[], xenBuildId: string): HostRecord {
  if (record.xenBuildId !== undefined && record.xenBuildId !== xenBuildId) return { ...emptyRecord(record.host), xenBuildId };
  const state = new Map(listed.map((p) => [p.name, p.state]));
  // Applied by xlp and CHECKED now: reverted behind xlp's back, which Xen remembers too.
  const revertedSince = (name: string): boolean => record.applied.includes(name) && state.get(name) === 'CHECKED';
  const payloads = Object.fromEntries(
    Object.entries(record.payloads)
      .filter(([name]) => state.has(name))
      .map(([name, entry]) => [name, revertedSince(name) ? { ...entry, reverted: true } : entry]),
  );
  const applied = record.applied.filter((name) => state.get(name) === 'APPLIED' && name in payloads);
  return { ...record, xenBuildId, payloads, applied };
}

/**
 * The record after `operation` on `name` succeeded: what an upload brought (`uploaded`), the applied
 * stack as the vocabulary moves it, and an unloaded payload forgotten.
 */
export function recordChange(record: HostRecord, operation: Operation, name: string, uploaded?: PayloadRecord): HostRecord {
  const payloads = { ...record.payloads };
  if (uploaded !== undefined) payloads[name] = uploaded;
  if (TARGET[operation] === 'absent') delete payloads[name];
  const applied = stackAfter(record.applied, operation, name);
  // Whatever left the stack was reverted: by a revert, or by a replace demoting it.
  for (const left of record.applied.filter((n) => !applied.includes(n))) {
    const entry = payloads[left];
    if (entry !== undefined) payloads[left] = { ...entry, reverted: true };
  }
  return { ...record, payloads, applied };
}
