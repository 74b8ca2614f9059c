/**
 * How progress looks, through the built CLI: plain ASCII lines for TERM=dumb and a non-UTF-8 locale,
 * a rollback as a stage of its own, a failure reported once (not also in the failed stage's line),
 * the verification facts still on a real terminal's screen (tmux) after success, and a load of a
 * payload already uploaded saying so.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { XLP_BIN } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let payload: string;

beforeAll(async () => {
  sim = await simCli();
  payload = await buildPayload({ id: 'progress' });
});
afterAll(() => sim.remove());
beforeEach(() => sim.reset());

const MESSAGE = 'the hypervisor refused to apply xsa: errno 22 EINVAL (Invalid argument)';
const occurrences = (text: string, part: string): number => text.split(part).length - 1;

describe('without a terminal', () => {
  for (const [what, extra] of [
    ['TERM=dumb', { TERM: 'dumb', LANG: 'C.UTF-8' }],
    ['a non-UTF-8 locale', { LANG: 'C' }],
  ] as const) {
    it(`${what}: ASCII marks, the rollback a stage of its own, the error once`, async () => {
      await sim.fault({ kind: 'sync-errno', action: 'apply', errno: 22 });
      const result = await execa(process.execPath, [XLP_BIN, 'load', payload, '--name', 'xsa'], { env: { ...sim.env, ...extra }, extendEnv: false, reject: false, stdin: 'ignore' });
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toMatch(/^[\x20-\x7e\n]*$/);
      const lines = result.stderr.split('\n');
      expect(lines).toEqual(expect.arrayContaining(['ok Upload xsa', '> Apply xsa', 'FAILED Apply xsa', '> Roll back: unload xsa', 'ok Roll back: unload xsa']));
      expect(lines.indexOf('FAILED Apply xsa')).toBeLessThan(lines.indexOf('> Roll back: unload xsa'));
      expect(occurrences(result.stderr, MESSAGE)).toBe(1);
      expect(lines.at(-1)).toMatch(/^xlp: error: the hypervisor refused to apply xsa: .*; rolled back: xsa was unloaded again, nothing changed;/);
    });
  }

  it('prints a failing apply once, with stdout piped', async () => {
    const result = await sim.xlp('apply', 'nosuch');
    expect(result).toEqual({ exitCode: 7, stdout: '', stderr: "xlp: error: no payload named nosuch is loaded (loaded: none); check the name with 'xlp list'\n" });
  });
});

describe('a load of a payload already uploaded', () => {
  it('applies it and says it was already uploaded (exit 0); with different bytes under the name it refuses (exit 4)', async () => {
    expect((await sim.xlp('upload', 'xsa', payload)).exitCode).toBe(0);
    const load = await sim.xlp('load', payload, '--name', 'xsa');
    expect(load.exitCode).toBe(0);
    expect(load.stdout).toBe(`xsa: applied (it was already uploaded) on sim:${sim.statePath} (now APPLIED).\n`);
    expect(load.stderr).toMatch(/ok: xsa is already loaded \(CHECKED\) with these very bytes/);
    expect(load.stderr).not.toMatch(/Upload xsa/);
    const other = await buildPayload({ id: 'progress_other' });
    const taken = await sim.xlp('load', other, '--name', 'xsa');
    expect(taken.exitCode).toBe(4);
    expect(taken.stderr).toMatch(/^xlp: error: the name xsa is taken by a different payload .*; choose another name with --name, or revert and unload xsa first$/m);
  });
});

describe('on a terminal', () => {
  /** Runs xlp in a 120x40 tmux window and returns the screen once it has exited. */
  async function onScreen(args: readonly string[]): Promise<string> {
    const server = `xlp-progress-${process.pid}`;
    const env = Object.entries({ ...sim.env, LANG: 'C.UTF-8', TERM: 'xterm-256color' }).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    const command = [process.execPath, XLP_BIN, ...args].map((word) => `'${word}'`).join(' ');
    await execa('tmux', ['-L', server, '-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '40', ...env, `${command}; echo "EXIT=$?"; sleep 60`], { env: sim.env, extendEnv: false });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const screen = (await execa('tmux', ['-L', server, 'capture-pane', '-p', '-t', '0'], { env: sim.env, extendEnv: false })).stdout;
        if (/^EXIT=\d+$/m.test(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`xlp did not finish:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await execa('tmux', ['-L', server, 'kill-server'], { env: sim.env, extendEnv: false, reject: false });
    }
  }

  it('keeps the verification facts on the screen after a successful load', async () => {
    const screen = await onScreen(['load', payload, '--name', 'xsa']);
    expect(screen).toMatch(/^EXIT=0$/m);
    expect(screen).toMatch(/^✔ Verify .*\n.*sha256 [0-9a-f]{64}\n.*ok: the file is acceptable to Xen 4\.14\+/m);
    expect(screen).toMatch(/ok: depends is the hypervisor's build-id/);
    expect(screen).toMatch(/^✔ Upload xsa\n✔ Apply xsa\nxsa: uploaded and applied on /m);
  });

  it('shows a rollback as a stage of its own and the error once', async () => {
    await sim.fault({ kind: 'sync-errno', action: 'apply', errno: 22 });
    const screen = await onScreen(['load', payload, '--name', 'xsa']);
    expect(screen).toMatch(/^EXIT=4$/m);
    expect(screen).toMatch(/^✖ Apply xsa\n✔ Roll back: unload xsa\nxlp: error: the hypervisor refused to apply xsa/m);
    expect(occurrences(screen.replace(/\n/g, ''), MESSAGE)).toBe(1);
  });
});
