/**
 * Shell completion as a user installs it: `xlp autocomplete bash` (the plugin's set-up, xlp's
 * functions), then a real bash sources the line `xlp autocomplete script bash` prints and completes
 * command lines through the function it registered (COMP_LINE, COMP_WORDS as bash sets them); zsh
 * runs xlp's zsh function with compadd and _files standing in for its completion system. The xlp on
 * PATH is the built CLI, on a simulated host with payloads in both states.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XLP_BIN } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await simCli();
  const bin = join(sim.home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'xlp'), `#!/bin/sh\nexec '${process.execPath}' '${XLP_BIN}' "$@"\n`);
  await chmod(join(bin, 'xlp'), 0o755);
  env = { ...sim.env, PATH: `${bin}:${sim.env.PATH}` };
  const applied = await buildPayload({ id: 'completion_applied' });
  const checked = await buildPayload({ id: 'completion_checked' });
  for (const args of [['load', applied, '--name', 'xsa-466'], ['upload', 'xsa-470', checked], ['autocomplete', 'bash']]) {
    const result = await execa('xlp', args, { env, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(result.exitCode, `xlp ${args.join(' ')}: ${result.stderr}`).toBe(0);
  }
});
afterAll(() => sim.remove());

/** Completes each line (the cursor at its end) in one bash, as bash would on TAB: the candidates of each. */
async function bashComplete(lines: readonly string[]): Promise<string[][]> {
  const script = `
eval "$(xlp autocomplete script bash)"
fn=$(complete -p xlp | sed -E 's/.* -F ([^ ]+) .*/\\1/')
for line in "$@"; do
  COMP_LINE="$line"; COMP_POINT=\${#line}
  # bash's own word split: at blanks and at COMP_WORDBREAKS characters such as '='.
  words=$(printf '%s' "$line" | sed -E 's/=/ = /g')
  read -r -a COMP_WORDS <<< "$words"
  [[ "$line" =~ [[:space:]=]$ ]] && COMP_WORDS+=("")
  COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
  "$fn" xlp "\${COMP_WORDS[COMP_CWORD]}"
  printf '%s\\n' "\${COMPREPLY[@]}" "--end--"
done`;
  const result = await execa('bash', ['-c', script, 'bash', ...lines], { env, extendEnv: false, stdin: 'ignore' });
  return splitRuns(`${result.stdout}\n`);
}

const splitRuns = (stdout: string): string[][] =>
  stdout
    .split('--end--\n')
    .slice(0, -1)
    .map((run) => run.split('\n').filter((line) => line !== ''));

describe('bash', () => {
  const cases: Array<[string, string[]]> = [
    ['xlp au', ['audit', 'autocomplete']],
    ['xlp s', ['sign', 'sim', 'status', 'sync']],
    ['xlp audit ', ['export', 'log', 'recover-tail', 'seal', 'verify']],
    ['xlp audit l', ['log']],
    ['xlp help au', ['audit', 'autocomplete']],
    ['xlp sim fault ', ['incomplete', 'rendezvous-busy', 'sync-errno', 'no-handle', 'no-livepatch', 'hook-veto']],
    ['xlp sim fault incomplete --act', ['--action']],
    ['xlp audit export --format ', ['jsonl', 'csv']],
    ['xlp audit export --format=c', ['csv']],
    ['xlp audit log --op re', ['revert', 'replace']],
    ['xlp list --backend ', ['xen-livepatch', 'sim']],
    ['xlp list --backend sim --j', ['--json']],
    ['xlp autocomplete ', ['zsh', 'bash', 'powershell']],
    ['xlp apply ', ['xsa-470']],
    ['xlp replace xsa', ['xsa-470']],
    ['xlp unload ', ['xsa-470']],
    ['xlp revert ', ['xsa-466']],
    ['xlp revert --json x', ['xsa-466']],
    // Never over ssh: a TAB opens no connection.
    ['xlp apply --host root@dom0 ', []],
    // Nothing to complete from xlp: the shell's file names (complete -o default) take over.
    ['xlp inspect ', []],
  ];

  it('completes commands once each, values from fixed sets, and payload names from the simulated host', async () => {
    const results = await bashComplete(cases.map(([line]) => line));
    expect(Object.fromEntries(cases.map(([line], i) => [line, results[i]]))).toEqual(Object.fromEntries(cases));
  });

  it('creates no simulated host for a state file that does not exist', async () => {
    const missing = join(sim.home, 'nowhere', 'state.json');
    expect(await bashComplete([`xlp apply --sim-state ${missing} `])).toEqual([[]]);
    await expect(execa('test', ['-e', join(sim.home, 'nowhere')], { reject: false })).resolves.toMatchObject({ exitCode: 1 });
  });
});

describe('zsh', () => {
  it('offers the same candidates through compadd, and file names when xlp has none', async () => {
    const script = `
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" '--end--'; }
_files() { print -rl -- '<files>' '--end--'; }
source "$HOME/.cache/xlp/autocomplete/functions/zsh/_xlp" >/dev/null
for line in "$@"; do
  words=(\${(z)line}); [[ $line == *' ' ]] && words+=('')
  CURRENT=\${#words}
  _xlp
done`;
    const lines = ['xlp au', 'xlp audit ', 'xlp audit export --format=', 'xlp revert ', 'xlp inspect '];
    const result = await execa('zsh', ['-fc', script, 'zsh', ...lines], { env, extendEnv: false, stdin: 'ignore' });
    expect(splitRuns(`${result.stdout}\n`)).toEqual([
      ['audit', 'autocomplete'],
      ['export', 'log', 'recover-tail', 'seal', 'verify'],
      ['--format=jsonl', '--format=csv'],
      ['xsa-466'],
      ['<files>'],
    ]);
  });
});
