/**
 * Nothing a payload carries reaches the terminal raw. Real payloads whose .modinfo is rewritten in
 * place (same length, so the ELF stays valid) to carry an escape sequence, a forged list row, a
 * carriage return, a direction override or a C1 control:
 *   - xlp refuses to upload them (exit 8) and says so in one escaped line;
 *   - `xlp inspect` reports them, escaped, in text and JSON;
 *   - uploaded behind xlp's back with the raw tool, `xlp list` and `xlp status` show them escaped,
 *     and a forged row is never taken for a payload xlp can vouch for.
 */
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { buildPayload, fixtureDir } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

/** Anything but a newline that a terminal would act on: C0, DEL, C1, direction and format controls. */
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

const PLACEHOLDER = 'Z'.repeat(64);
/** The crafted text, padded with dots to the placeholder's length so the ELF keeps its layout. */
const craft = (text: Buffer): Buffer => Buffer.concat([text, Buffer.alloc(PLACEHOLDER.length - text.length, '.')]);
const CRAFTED: Record<string, Buffer> = {
  'an escape sequence that clears the screen': craft(Buffer.from('\x1b[2J\x1b[H gotcha', 'latin1')),
  'a forged list row': craft(Buffer.from(`\nforged${' '.repeat(34)}| APPLIED    | x`, 'latin1')),
  'a carriage return': craft(Buffer.from('ok\roverwritten on screen', 'latin1')),
  'a right-to-left override': craft(Buffer.from('xsa-\u202ekcap-lamron', 'utf8')),
  'a C1 control (CSI on an 8-bit terminal)': craft(Buffer.from('\x9b2J then plain text', 'latin1')),
};

let sim: SimCli;
const files: Record<string, string> = {};

beforeAll(async () => {
  sim = await simCli();
  const base = await buildPayload({ id: 'esc', modinfo: [`NOTE=${PLACEHOLDER}`] });
  const bytes = await readFile(base);
  const at = bytes.indexOf(PLACEHOLDER);
  expect(at).toBeGreaterThan(0);
  for (const [what, text] of Object.entries(CRAFTED)) {
    expect(text.length, what).toBe(PLACEHOLDER.length);
    const crafted = Buffer.from(bytes);
    text.copy(crafted, at);
    const path = join(await fixtureDir(), `${what.replace(/\W+/g, '-')}.livepatch`);
    await writeFile(path, crafted, { mode: 0o600 });
    files[what] = path;
  }
}, 120_000);

/** Uploads with the simulator's own xen-livepatch, as someone with root on the dom0 could. */
async function rawUpload(name: string, file: string): Promise<void> {
  const result = await execa(process.execPath, [join(REPO, 'bin', 'sim', 'xen-livepatch'), 'upload', name, file], { env: sim.env, extendEnv: false, reject: false });
  expect(result.exitCode, result.stderr).toBe(0);
}

describe.each(Object.keys(CRAFTED))('a .modinfo with %s', (what) => {
  it('is refused before upload (exit 8), in one escaped line', async () => {
    await sim.reset();
    const result = await sim.xlp('load', files[what] as string, '--name', 'esc');
    expect(result.exitCode).toBe(8);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('xlp: error:'));
    expect(errors).toEqual([expect.stringMatching(/xlp will not upload it: the \.modinfo entry ".*" holds control characters/)]);
    expect(result.stderr).not.toMatch(RAW);
    expect((await sim.state()).payloads).toEqual([]);
    const json = await sim.json<{ error: { code: string } }>('load', files[what] as string, '--name', 'esc');
    expect(json.body.error.code).toBe('unsafe-payload-text');
    expect(json.result.stdout).not.toMatch(RAW);
  });

  it('is shown escaped by inspect, which exits 8', async () => {
    const text = await sim.xlp('inspect', files[what] as string);
    expect(text.exitCode).toBe(8);
    expect(text.stdout).toContain('xlp will not upload this payload:');
    expect(text.stdout).not.toMatch(RAW);
    const json = await sim.json<{ acceptable: boolean; defects: unknown[] }>('inspect', files[what] as string);
    expect(json.result.stdout).not.toMatch(RAW);
    expect(json.body.acceptable).toBe(false);
    expect(json.body.defects).toHaveLength(1);
  });

  it('is shown escaped by list and status when uploaded behind xlp\'s back, and never vouched for', async () => {
    await sim.reset();
    await rawUpload('esc', files[what] as string);
    for (const args of [['list'], ['list', '--json'], ['status'], ['status', '--json']]) {
      const result = await sim.xlp(...args);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout, args.join(' ')).not.toMatch(RAW);
    }
    const status = await sim.json<{ payloads: Array<{ name: string; source: string }> }>('status');
    expect(status.body.payloads.every((p) => p.source === 'outside')).toBe(true);
    const apply = await sim.xlp('apply', 'esc');
    expect(apply.exitCode).toBe(13);
  });
});
