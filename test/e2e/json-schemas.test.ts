/**
 * The JSON contract: every command that prints JSON is run through the built CLI against a simulated
 * host, in the order a person would, and its real output is validated with ajv against its JSON
 * Schema in docs/schema/ (draft 2020-12, the shared vocabulary in defs.schema.json); so is the error
 * document. A command of the CLI with no schema here fails the test.
 */
import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { buildIdOf } from '../helpers/sim-host.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

const SCHEMAS = join(REPO, 'docs', 'schema');
/** The documents that are not command output. */
const NOT_OUTPUT = new Set(['config', 'manifest']);

/** The schema of each command's --json document (docs/schema/<kind>.schema.json). */
const SCHEMA_OF: Record<string, string> = {
  version: 'version',
  'sim:reset': 'sim-reset',
  'sim:show': 'sim-show',
  'sim:fault': 'sim-fault',
  inspect: 'inspect',
  list: 'list',
  status: 'status',
  upload: 'operation',
  apply: 'operation',
  load: 'operation',
  revert: 'operation',
  replace: 'operation',
  unload: 'operation',
  prune: 'prune',
  plan: 'plan',
  check: 'check',
  sync: 'sync',
  boot: 'boot',
  'boot:clear': 'boot-clear',
  'boot:enable': 'boot-unit',
  'boot:disable': 'boot-unit',
  'boot:status': 'boot-unit',
  sign: 'sign',
  'audit:log': 'audit-log',
  'audit:export': 'audit-export',
  'audit:verify': 'audit-verify',
  'audit:seal': 'audit-record',
  'audit:recover-tail': 'audit-record',
};

const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, strictTuples: false });
let sim: SimCli;
/** Each command id, with the kinds of document it was seen to print. */
const seen = new Map<string, Set<string>>();

beforeAll(async () => {
  for (const file of await readdir(SCHEMAS)) {
    if (!file.endsWith('.schema.json') || NOT_OUTPUT.has(file.replace('.schema.json', ''))) continue;
    ajv.addSchema(JSON.parse(await readFile(join(SCHEMAS, file), 'utf8')) as object);
  }
  sim = await simCli();
});
afterAll(() => sim.remove());

const validator = (kind: string) => {
  const validate = ajv.getSchema(`urn:xlp:schema:${kind}:1`);
  if (validate === undefined) throw new Error(`docs/schema/${kind}.schema.json is missing`);
  return validate;
};

/**
 * Runs `xlp ARGS --json` (env added), checks the exit code, and validates stdout against the
 * command's schema, or the error document's when `exitCode` is not 0 (unless `result`: check's drift, verify's failed proof).
 */
async function documentOf(id: string, args: readonly string[], { exitCode = 0, env = {}, result: resultKind }: { exitCode?: number; env?: Record<string, string>; result?: boolean } = {}): Promise<Record<string, unknown>> {
  const result = await execa(process.execPath, [join(REPO, 'bin', 'run.js'), ...args, '--json'], { env: { ...sim.env, ...env }, extendEnv: false, reject: false, cwd: sim.home });
  expect(result.exitCode, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(exitCode);
  const body = JSON.parse(result.stdout) as Record<string, unknown>;
  const kind = exitCode === 0 || resultKind === true ? SCHEMA_OF[id] : 'error';
  if (kind === undefined) throw new Error(`no schema for xlp ${id}`);
  const validate = validator(kind);
  expect(validate(body) ? [] : validate.errors, `${args.join(' ')} against ${kind}.schema.json`).toEqual([]);
  seen.set(id, (seen.get(id) ?? new Set()).add(kind));
  return body;
}

describe('every command prints JSON its schema allows', () => {
  it('has a schema for every command', async () => {
    const manifest = JSON.parse(await readFile(join(REPO, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
    expect(Object.keys(manifest.commands).filter((id) => SCHEMA_OF[id] === undefined)).toEqual([]);
    for (const kind of new Set(Object.values(SCHEMA_OF))) expect(() => validator(kind), kind).not.toThrow();
  });

  it('validates the real output of each command and of its errors', async () => {
    const [a, c] = await Promise.all([buildPayload({ id: 'schema_a', modinfo: ['XSA=466'] }), buildPayload({ id: 'schema_c', returns: '-c' })]);
    const b = await buildPayload({ id: 'schema_b', returns: '-b', depends: await buildIdOf(a) });
    const key = join(sim.home, 'id_ed25519');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer', '-f', key]);

    await documentOf('version', ['version']);
    await documentOf('sim:reset', ['sim', 'reset', '--build-id', TEST_XEN_BUILD_ID]);
    await documentOf('sim:show', ['sim', 'show']);
    await documentOf('sim:fault', ['sim', 'fault', 'sync-errno', '--action', 'list', '--errno', '16']);
    await documentOf('sim:fault', ['sim', 'fault', '--clear']);
    await documentOf('inspect', ['inspect', a]);
    const inspected = await documentOf('inspect', ['inspect', a, '--backend', 'sim']);
    expect(inspected.host).toBe(`sim:${sim.statePath}`);
    await documentOf('list', ['list']);
    await documentOf('upload', ['upload', 'a', a]);
    await documentOf('apply', ['apply', 'a']);
    await documentOf('load', ['load', b, '--name', 'b']);
    const listed = await documentOf('list', ['list']);
    expect(listed.patchLevel).toMatchObject({ order: ['a', 'b'], top: 'b' });
    await documentOf('status', ['status']);
    await documentOf('revert', ['revert', 'b']);
    await documentOf('load', ['load', b, '--name', 'b', '--dry-run']);
    await documentOf('unload', ['unload', 'b']);
    await documentOf('upload', ['upload', 'c', c]);
    await documentOf('replace', ['replace', 'c']);
    await documentOf('prune', ['prune', '--dry-run']);
    await documentOf('prune', ['prune']);

    const manifest = join(sim.home, 'site.yaml');
    const sha256 = createHash('sha256').update(await readFile(a)).digest('hex');
    await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: a\n        file: ${a}\n        sha256: ${sha256}\n        state: applied\n`);
    expect(await documentOf('check', ['check', '-f', manifest], { exitCode: 11, result: true })).toMatchObject({ inSync: false });
    await documentOf('plan', ['plan', '-f', manifest]);
    await documentOf('sync', ['sync', '-f', manifest, '--unmanaged', 'remove', '--dry-run']);
    await documentOf('sync', ['sync', '-f', manifest, '--unmanaged', 'remove']);
    await documentOf('check', ['check', '-f', manifest]);
    // A reboot into the same build (a fresh simulated host) right after the sync's apply: the
    // crash-loop guard holds the payload back (exit 18, boot's own document) until it is cleared.
    await execa(process.execPath, [join(REPO, 'bin', 'run.js'), 'sim', 'reset', '--build-id', TEST_XEN_BUILD_ID], { env: sim.env, extendEnv: false });
    expect(await documentOf('boot', ['boot'], { exitCode: 18, result: true })).toMatchObject({ outcome: 'held-back', heldBack: [{ name: 'a' }] });
    expect(await documentOf('status', ['status'])).toMatchObject({ boot: { critical: true, guard: { state: 'tripped', payloads: expect.arrayContaining(['a']) } } });
    expect(await documentOf('boot:clear', ['boot', 'clear'])).toMatchObject({ cleared: expect.arrayContaining(['a']) });
    expect(await documentOf('boot', ['boot'])).toMatchObject({ outcome: 'reapplied', reapplied: ['a'] });
    await documentOf('boot:enable', ['boot', 'enable']);
    expect(await documentOf('boot:status', ['boot', 'status'])).toMatchObject({ installed: true, current: true });
    await documentOf('boot:disable', ['boot', 'disable']);
    await documentOf('sign', ['sign', a, '--key', key, '--output', join(sim.home, 'a.sig')]);

    await documentOf('audit:log', ['audit', 'log']);
    await documentOf('audit:export', ['audit', 'export']);
    await documentOf('audit:verify', ['audit', 'verify']);
    const sealKey = join(sim.home, 'seal.key');
    await writeFile(sealKey, 'an HMAC key of at least 16 bytes', { mode: 0o600 });
    await documentOf('audit:seal', ['audit', 'seal', '--start'], { env: { XLP_AUDIT_SEAL_KEY: sealKey } });
    await appendFile(sim.env.XLP_AUDIT_LOG as string, '{"torn');
    expect(await documentOf('audit:verify', ['audit', 'verify'], { exitCode: 9, env: { XLP_AUDIT_SEAL_KEY: sealKey }, result: true })).toMatchObject({ ok: false, tail: { condition: 'unexplained' } });
    await documentOf('audit:recover-tail', ['audit', 'recover-tail'], { env: { XLP_AUDIT_SEAL_KEY: sealKey } });

    // Errors: each names the host, the operation and the payload it was about, null where none applies.
    const notFound = await documentOf('apply', ['apply', 'nope'], { exitCode: 7 });
    expect(notFound.error).toMatchObject({ code: 'not-found', host: `sim:${sim.statePath}`, operation: 'apply', payload: 'nope', hint: expect.any(String), rollback: null });
    // An invalid manifest: every problem at its line and column, in the error document.
    const badManifest = join(sim.home, 'bad.yaml');
    await writeFile(badManifest, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: a\n        state: applied\n        colour: blue\n`);
    const invalid = await documentOf('check', ['check', '-f', badManifest], { exitCode: 16 });
    expect((invalid.error as { problems: Array<{ line: number }> }).problems.map((p) => p.line)).toEqual([5, 5, 7]);
    const usage = await documentOf('list', ['list', '--bogus'], { exitCode: 2 });
    expect(usage.error).toMatchObject({ code: 'usage', host: null, operation: 'list', payload: null });
    await sim.fault({ kind: 'no-handle', persistent: true });
    const unreachable = await documentOf('list', ['list'], { exitCode: 3 });
    expect(unreachable.error).toMatchObject({ host: `sim:${sim.statePath}`, operation: 'list', payload: null });
    expect(await documentOf('status', ['status'], { exitCode: 3 })).toMatchObject({ error: { host: `sim:${sim.statePath}`, operation: 'status' } });

    // Every command was run to a document of its own kind.
    expect(Object.keys(SCHEMA_OF).filter((id) => !seen.get(id)?.has(SCHEMA_OF[id] as string))).toEqual([]);
  }, 240_000);
});
