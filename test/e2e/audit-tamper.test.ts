/**
 * The adversarial suite: every way of tampering with a sealed journal by hand, each with the exact
 * verdict and exit code of `xlp audit verify`. One journal of four records is made by the built CLI
 * with an HMAC seal; each case edits a copy of it (and of its seal).
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical.js';
import { isolatedEnv, runXlp } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { json } from './audit-helpers.js';

let home: string;
let original: string;
let key: string;
let copies = 0;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'xlp-audit-tamper-'));
  key = join(home, 'seal.key');
  await writeFile(key, 'the HMAC key of the tamper suite', { mode: 0o600 });
  original = join(home, 'original', 'audit.jsonl');
  const env = isolatedEnv(join(home, 'original'), { XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, XLP_AUDIT_LOG: original, XLP_AUDIT_SEAL_KEY: key });
  for (const id of ['t1', 't2']) {
    const upload = await runXlp(['upload', id, await buildPayload({ id, returns: `-${id}` }), '-q', '--backend', 'sim', '--sim-state', join(home, 'original', 'sim.json')], env);
    expect(upload.exitCode, upload.stderr).toBe(0);
  }
}, 120_000);
afterAll(async () => rm(home, { recursive: true, force: true }));

type Line = Record<string, unknown>;
interface Tampered {
  lines: string[];
  seal?: Line;
}

const body = (record: Line): string => {
  const { hash: _hash, ...rest } = record;
  return canonicalJson(rest);
};
/** A record as xlp would write it: canonical, with its hash recomputed. */
const rehash = (record: Line): string => {
  const text = body(record);
  return `${text.slice(0, -1)},"hash":"${createHash('sha256').update(text).digest('hex')}"}`;
};
const parse = (line: string): Line => JSON.parse(line) as Line;

interface Case {
  readonly tamper: (journal: Tampered) => void;
  readonly withKey: boolean;
  readonly verdict: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  'a field edited': {
    tamper: (j) => void (j.lines[1] = (j.lines[1] as string).replace('"result":"done"', '"result":"failed"')),
    withKey: true,
    verdict: { records: 1, problem: { line: 2, message: 'its hash does not match its content: the record was changed after it was written' } },
  },
  'a field edited and its hash recomputed': {
    tamper: (j) => void (j.lines[1] = rehash({ ...parse(j.lines[1] as string), result: 'failed' })),
    withKey: true,
    verdict: { records: 2, problem: { line: 3, message: 'its "prev" does not match the hash of line 2: line 2 was changed or replaced' } },
  },
  'two records swapped': {
    tamper: (j) => void ([j.lines[1], j.lines[2]] = [j.lines[2] as string, j.lines[1] as string]),
    withKey: true,
    verdict: { records: 1, problem: { line: 2, message: 'sequence number is 3, expected 2: records were reordered: record 2 is at line 3' } },
  },
  "a record's members reordered (hash recomputed over them)": {
    tamper: (j) => {
      const { seq, hash: _hash, ...rest } = parse(j.lines[2] as string);
      const text = JSON.stringify({ seq, ...rest });
      j.lines[2] = `${text.slice(0, -1)},"hash":"${createHash('sha256').update(text).digest('hex')}"}`;
    },
    withKey: true,
    verdict: { records: 2, problem: { line: 3, message: 'not in canonical form: members out of order' } },
  },
  'a record duplicated': {
    tamper: (j) => void j.lines.splice(2, 0, j.lines[1] as string),
    withKey: true,
    verdict: { records: 2, problem: { line: 3, message: 'sequence number is 2, expected 3: a duplicate of record 2 (line 2)' } },
  },
  'a member duplicated (hash recomputed over it)': {
    tamper: (j) => {
      const text = `${(j.lines[0] as string).slice(0, -75)},"user":"mallory"}`;
      j.lines[0] = `${text.slice(0, -1)},"hash":"${createHash('sha256').update(text).digest('hex')}"}`;
    },
    withKey: true,
    verdict: { records: 0, problem: { line: 1, message: 'not in canonical form: the member "user" appears twice in one object' } },
  },
  'a record deleted': {
    tamper: (j) => void j.lines.splice(1, 1),
    withKey: true,
    verdict: { records: 1, problem: { line: 2, message: 'sequence number is 3, expected 2: record 2 was deleted' } },
  },
  'the first record deleted, the rest renumbered and re-hashed': {
    tamper: (j) => {
      let prev = '0'.repeat(64);
      j.lines = j.lines.slice(1).map((line, i) => {
        const out = rehash({ ...parse(line), seq: i + 1, prev: i === 0 ? parse(line).prev : prev });
        prev = parse(out).hash as string;
        return out;
      });
    },
    withKey: true,
    verdict: { records: 0, problem: { line: 1, message: 'the first record does not start the chain: records before it were removed' } },
  },
  'the tail truncated by whole records': {
    tamper: (j) => void (j.lines = j.lines.slice(0, 2)),
    withKey: false,
    verdict: { records: 2, seal: { status: 'truncated', message: 'the seal covers record 4 but the journal ends at record 2: records 3 to 4 were removed' } },
  },
  'the tail truncated in the middle of a record': {
    tamper: (j) => void (j.lines[3] = (j.lines[3] as string).slice(0, 100)),
    withKey: true,
    verdict: { records: 3, tail: { condition: 'unexplained', message: expect.stringContaining('100 bytes after record 3 do not end with a newline') } },
  },
  'a forged seal': {
    tamper: (j) => void (j.seal = { ...j.seal, seal: createHmac('sha256', 'a key the forger knows').update('anything').digest('hex') }),
    withKey: true,
    verdict: { records: 4, seal: { status: 'invalid', message: 'the HMAC seal does not match: the seal was forged or the key is wrong' } },
  },
  'the tail truncated and re-sealed with a forged seal': {
    tamper: (j) => {
      j.lines = j.lines.slice(0, 2);
      const head = parse(j.lines[1] as string);
      j.seal = { ...j.seal, seq: 2, hash: head.hash, seal: createHmac('sha256', 'a key the forger knows').update(`xlp-audit-seal v1 seq=2 hash=${String(head.hash)}\n`).digest('hex') };
    },
    withKey: true,
    verdict: { records: 2, seal: { status: 'invalid', message: 'the HMAC seal does not match: the seal was forged or the key is wrong' } },
  },
  'the seal method swapped': {
    tamper: (j) => void (j.seal = { ...j.seal, method: 'ssh' }),
    withKey: true,
    verdict: { records: 4, seal: { status: 'wrong-method', method: 'ssh', message: expect.stringContaining('a seal is valid only by the method of the key that checks it') } },
  },
  'a seal method xlp does not know': {
    tamper: (j) => void (j.seal = { ...j.seal, method: 'trust-me' }),
    withKey: false,
    verdict: { records: 4, seal: { status: 'malformed', message: expect.stringContaining('names a sealing method xlp does not know ("trust-me"') } },
  },
  'the seal deleted': {
    tamper: (j) => void delete j.seal,
    withKey: true,
    verdict: { records: 4, seal: { status: 'absent', message: 'the journal has no seal' } },
  },
  'the seal deleted and the tail truncated': {
    tamper: (j) => {
      delete j.seal;
      j.lines = j.lines.slice(0, 2);
    },
    withKey: true,
    verdict: { records: 2, seal: { status: 'absent', message: 'the journal has no seal' } },
  },
  'records appended without the seal': {
    tamper: (j) => {
      const last = parse(j.lines[3] as string);
      for (const seq of [5, 6]) {
        const prev = parse(j.lines.at(-1) as string).hash;
        j.lines.push(rehash({ ...last, seq, prev, time: '2030-01-01T00:00:00.000Z' }));
      }
    },
    withKey: true,
    verdict: { records: 6, seal: { status: 'unsealed-tail', message: 'records 5 to 6 come after the sealed head (record 4): they were not written by a sealing xlp' } },
  },
};

async function tampered(edit: (journal: Tampered) => void): Promise<{ path: string; env: Record<string, string> }> {
  const dir = join(home, `case-${++copies}`);
  await mkdir(dir, { mode: 0o700 });
  const path = join(dir, 'audit.jsonl');
  const journal: Tampered = { lines: (await readFile(original, 'utf8')).split('\n').slice(0, -1), seal: JSON.parse(await readFile(`${original}.seal`, 'utf8')) as Line };
  edit(journal);
  // A line cut in the middle keeps no newline: it is the last one.
  const cut = journal.lines.length > 0 && !(journal.lines.at(-1) as string).endsWith('}');
  await writeFile(path, journal.lines.map((line, i) => (cut && i === journal.lines.length - 1 ? line : `${line}\n`)).join(''), { mode: 0o600 });
  if (journal.seal !== undefined) await writeFile(`${path}.seal`, `${JSON.stringify(journal.seal)}\n`, { mode: 0o600 });
  return { path, env: isolatedEnv(dir, { XLP_AUDIT_LOG: path }) };
}

describe('xlp audit verify against a tampered journal', () => {
  it('passes the untouched journal', async () => {
    const { env } = await tampered(() => {});
    const verify = await runXlp(['audit', 'verify', '--json', '--seal-key', key], env);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(json(verify)).toMatchObject({ ok: true, journal: { records: 4, problem: null }, seal: { status: 'valid', seq: 4 }, tail: { condition: 'clean' } });
  });

  it.each(Object.entries(CASES))('%s: exit 9 with its own verdict', async (_name, { tamper, withKey, verdict }) => {
    const { env } = await tampered(tamper);
    const verify = await runXlp(['audit', 'verify', '--json', ...(withKey ? ['--seal-key', key] : [])], env);
    expect(verify.exitCode, verify.stdout).toBe(9);
    // The journal's own findings (records proven, the first broken one) are under `journal`, the seal's and tail's beside it.
    const { records, problem, ...rest } = verdict;
    expect(json(verify)).toMatchObject({ ok: false, ...rest, journal: { records, ...(problem === undefined ? {} : { problem }) } });
  });

  it('a deleted seal passes without a key (nothing says there was one), but no sealing xlp writes past it', async () => {
    const { path, env } = await tampered((j) => {
      delete j.seal;
      j.lines = j.lines.slice(0, 2);
    });
    expect((await runXlp(['audit', 'verify'], env)).exitCode).toBe(0);
    const payload = await buildPayload({ id: 't3', returns: '-t3' });
    const upload = await runXlp(['upload', 't3', payload, '-q', '--backend', 'sim', '--sim-state', join(path, '..', 'sim.json')], { ...env, XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, XLP_AUDIT_SEAL_KEY: key });
    expect(upload.exitCode, upload.stderr).toBe(9);
    expect(upload.stderr).toContain('has 2 records but no seal');
    expect(upload.stderr).toContain('xlp audit seal --start');
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
  });
});
