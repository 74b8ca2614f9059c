#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark, one after the other (they would disturb each other if run together).
 * real-xen.mjs boots a VM and runs only with XLP_BENCH_REAL_XEN=1 (it says so otherwise).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
let failed = false;
for (const script of ['startup.mjs', 'manifest.mjs', 'check.mjs', 'inspect.mjs', 'audit.mjs', 'ops.mjs', 'interrupt.mjs', 'plan.mjs', 'ansible.mjs', 'real-xen.mjs']) {
  console.log(`\n== ${script}`);
  const result = spawnSync(process.execPath, [here(script)], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exitCode = failed ? 1 : 0;
