/**
 * Audit journal benchmark (run after `npm run build`): the cost of one durable append (journal lock,
 * write, fsync) and of `verify` over 100,000 records. Prints one line per measurement.
 * Export: runAuditBench() for bench/run.mjs; run directly with `node bench/audit.mjs`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/src/audit/', import.meta.url);
const { Journal } = await import(new URL('journal-writer.js', dist).href);
const { encodeRecord, GENESIS } = await import(new URL('record.js', dist).href);
const { verifyJournal } = await import(new URL('verify.js', dist).href);
const { createJournalSink } = await import(new URL('sink.js', dist).href);

const payload = (name, state) => ({ name, state, rc: 0, metadata: ['XSA=466', 'CVE=CVE-2024-1234'] });
const before = [payload('xsa-460', 'APPLIED'), payload('xsa-463', 'APPLIED'), payload('xsa-466', 'CHECKED')];

/** A realistic pair: an apply's intent (state before) and outcome (tool output, state after). */
function draft(i) {
  const common = { time: new Date(1_700_000_000_000 + i * 1000).toISOString(), host: 'localhost', operation: 'apply', name: `xsa-${i}` };
  if (i % 2 === 0) {
    return { ...common, type: 'intent', controller: 'dom0', user: 'root', uid: 0, sudoUser: 'alice', pid: 4242, xlp: '0.1.0', argv: ['apply', `xsa-${i}`], stateBefore: before };
  }
  return {
    ...common, type: 'outcome', intent: i, pid: 4242, result: 'done', state: 'APPLIED', durationMs: 71, stateAfter: before,
    outputs: [{ stdout: `Applying xsa-${i}... completed\n`, stderr: '', exitCode: 0 }],
  };
}

async function measureAppend(dir, count) {
  const journal = new Journal({ path: join(dir, 'append', 'audit.jsonl'), lockTimeoutMs: 5000 });
  await journal.append(draft(0));
  const start = performance.now();
  for (let i = 1; i <= count; i++) await journal.append(draft(i));
  const perAppend = (performance.now() - start) / count;
  await journal.close();
  return perAppend;
}

/** What the audit adds to one change: host lock, intent, outcome (each append durable), release. */
async function measureChange(dir, count) {
  const sink = createJournalSink({
    journalPath: join(dir, 'change', 'audit.jsonl'),
    lockDir: join(dir, 'change', 'locks'),
    lockTimeoutMs: 5000,
    actor: { controller: 'dom0', user: 'root', uid: 0, pid: process.pid, xlp: '0.1.0' },
    note: () => {},
  });
  const once = async (i) => {
    const hold = await sink.hold({ host: 'localhost', command: 'xlp apply bench', liveState: async () => before });
    const entry = await sink.begin({ operation: 'apply', name: `xsa-${i}`, host: 'localhost', argv: ['apply', `xsa-${i}`], stateBefore: before });
    await entry.finish({ result: 'ok', outputs: [{ stdout: 'Applying... completed\n', stderr: '', exitCode: 0 }] });
    await hold.release();
  };
  await once(0);
  const start = performance.now();
  for (let i = 1; i <= count; i++) await once(i);
  return (performance.now() - start) / count;
}

async function measureVerify(dir, count) {
  const path = join(dir, 'verify', 'audit.jsonl');
  let prev = GENESIS;
  const lines = [];
  for (let i = 0; i < count; i++) {
    const { line, hash } = encodeRecord({ v: 1, seq: i + 1, prev, ...draft(i) });
    lines.push(line);
    prev = hash;
  }
  await (await import('node:fs/promises')).mkdir(join(dir, 'verify'), { mode: 0o700 });
  const content = lines.join('');
  await writeFile(path, content, { mode: 0o600 });
  const start = performance.now();
  const result = await verifyJournal(path, {});
  const ms = performance.now() - start;
  if (!result.ok || result.records !== count) throw new Error(`verify failed: ${JSON.stringify(result)}`);
  return { ms, bytes: Buffer.byteLength(content) };
}

export async function runAuditBench({ appends = 200, records = 100_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'xlp-bench-audit-'));
  try {
    const perAppend = await measureAppend(dir, appends);
    console.log(`audit append (lock + write + fsync), mean of ${appends}: ${perAppend.toFixed(2)} ms`);
    const perChange = await measureChange(dir, Math.ceil(appends / 4));
    console.log(`audit per change (host lock + intent + outcome + release), mean of ${Math.ceil(appends / 4)}: ${perChange.toFixed(2)} ms`);
    const verify = await measureVerify(dir, records);
    console.log(`audit verify of ${records} records (${(verify.bytes / 1e6).toFixed(1)} MB): ${verify.ms.toFixed(0)} ms (goal: 2000 ms)`);
    return { appendMs: perAppend, changeMs: perChange, verifyMs: verify.ms, verifyBytes: verify.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAuditBench();
