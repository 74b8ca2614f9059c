/** For the audit unit tests: a private directory per test, a journal path in it, an HMAC key, and records to append. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { Sealer } from '../../src/audit/seal.js';
import type { Operation } from '../../src/model/vocabulary.js';

export interface JournalFixture {
  /** This test's private directory. */
  readonly dir: string;
  /** The journal, in a directory of its own that the first append creates. */
  readonly path: string;
  /** An HMAC seal key file (0600). */
  readonly key: string;
}

/** Registers the set-up and clean-up of a fresh fixture around each test; read its fields inside tests. */
export function journalFixture(prefix: string): JournalFixture {
  const fixture = { dir: '', path: '', key: '' };
  beforeEach(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), prefix));
    fixture.path = join(fixture.dir, 'j', 'audit.jsonl');
    fixture.key = join(fixture.dir, 'seal.key');
    await writeFile(fixture.key, 'k'.repeat(32), { mode: 0o600 });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

export const draft = (name: string, operation: Operation = 'apply'): RecordDraft => ({
  type: 'intent', time: new Date().toISOString(), host: 'h', controller: 'c', user: 'root', uid: 0, pid: 1, xlp: '0', argv: [], operation, name, stateBefore: [],
});

/** A writer of the fixture's journal, sealing with its key when `sealed`. */
export const journalOf = (fixture: JournalFixture, sealed = false): Journal =>
  new Journal({ path: fixture.path, lockTimeoutMs: 1000, ...(sealed ? { sealer: Sealer.from(fixture.path, { hmacKeyFile: fixture.key }) } : {}) });

/** Appends one intent per name, as one writer. */
export async function appendNamed(fixture: JournalFixture, names: readonly string[], sealed = false): Promise<void> {
  const journal = journalOf(fixture, sealed);
  try {
    for (const name of names) await journal.append(draft(name));
  } finally {
    await journal.close();
  }
}

/** What a writer killed while holding the append lock leaves in the lock file. */
export const leaveDeadWriter = (fixture: JournalFixture): Promise<void> =>
  writeFile(`${fixture.path}.lock`, JSON.stringify({ pid: 999999, command: 'xlp (pid 999999) appending', host: 'ctl', since: '2026-01-01T00:00:00.000Z' }));
