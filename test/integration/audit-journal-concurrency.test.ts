/**
 * Several processes appending to one journal at once (changes of different hosts run in parallel):
 * the journal lock serialises the appends, so the chain stays whole and nothing is lost. Runs the
 * built library (`npm run build`) in real child processes.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyJournal } from '../../src/audit/verify.js';

const writer = fileURLToPath(new URL('../../dist/src/audit/journal-writer.js', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-concurrent-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Each writer says it is ready, then waits for the start signal, so all of them append at once. */
const script = `
const { existsSync, writeFileSync } = await import('node:fs');
const { Journal } = await import(process.argv[1]);
const [path, host, count, barrier] = process.argv.slice(2);
writeFileSync(barrier + '.' + host, '');
while (!existsSync(barrier)) await new Promise((r) => setTimeout(r, 5));
const journal = new Journal({ path, lockTimeoutMs: 30000 });
for (let i = 0; i < Number(count); i++) {
  await journal.append({ type: 'intent', time: new Date().toISOString(), host, controller: 'c', user: 'root', uid: 0, pid: process.pid, xlp: '0', argv: [], operation: 'apply', name: 'p' + i });
}
await journal.close();
`;

it('keeps one unbroken chain with every record of every writer', async () => {
  const path = join(dir, 'j', 'audit.jsonl');
  const writers = ['h1', 'h2', 'h3', 'h4'];
  const perWriter = 15;
  const barrier = join(dir, 'go');
  const runs = writers.map((host) => execa(process.execPath, ['--input-type=module', '-e', script, writer, path, host, String(perWriter), barrier]));
  const ready = async () => (await Promise.all(writers.map((host) => stat(`${barrier}.${host}`).then(() => true, () => false)))).every(Boolean);
  while (!(await ready())) await new Promise((resolve) => setTimeout(resolve, 10));
  await writeFile(barrier, '');
  await Promise.all(runs);
  const result = await verifyJournal(path, {});
  expect(result).toMatchObject({ ok: true, journal: { records: writers.length * perWriter } });
  const records = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { host: string; name: string });
  for (const host of writers) expect(records.filter((r) => r.host === host).map((r) => r.name)).toEqual(Array.from({ length: perWriter }, (_, i) => `p${i}`));
});
