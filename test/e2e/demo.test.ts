/**
 * The README's first quick-start line runs scripts/demo.sh after the build: it must work as written,
 * end to end, on the simulated host (the test suite's own build is the one it uses).
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

describe('npm run demo', () => {
  it('loads, reverts and unloads a payload, syncs a manifest, and proves the journal', async () => {
    const result = await execa('bash', ['scripts/demo.sh'], { cwd: REPO, reject: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', CI: 'true' }, extendEnv: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/xsa-demo: missing: want APPLIED/);
    expect(result.stdout).toMatch(/now matches .*site\.yaml \(upload xsa-demo, apply xsa-demo\)/);
    expect(result.stdout).toMatch(/carries what .*site\.yaml says/);
    expect(result.stdout).toMatch(/10 records, chain intact/);
  }, 180_000);
});
