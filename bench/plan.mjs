#!/usr/bin/env node
/**
 * The planner's speed over its whole enumerated state space, against a baseline measured side by
 * side in the same run: JSON.parse(JSON.stringify(live)) of the same LiveHost, i.e. what merely
 * reading the live state back from JSON costs. The state space is that of the planner's tests, as
 * data: payloads A, B (with .data), C (on B), B's other build B2, X (on A); every stack Xen allows,
 * every other payload absent, CHECKED or CHECKED after a revert, and each loaded payload in turn
 * uploaded by hand (xlp cannot vouch for it); planned towards nine manifests under both policies.
 * Rounds alternate the two sides; the first round warms the JIT and is not counted.
 * Needs `npm run build` (tsc output in dist/src). Usage: node bench/plan.mjs [rounds]   (default 15)
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 15);
const { planSync } = await import(join(REPO, 'dist/src/plan/plan.js'));

const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';
const fact = (n, depends, reappliable = true) => ({ sha256: n.repeat(64), buildId: n.repeat(40), depends, xenDepends: XEN, reappliable });
const a = fact('a', XEN);
const b = fact('b', a.buildId, false);
const b2 = fact('e', a.buildId);
const c = fact('c', b.buildId);
const c2 = fact('d', b2.buildId);
const x = fact('f', a.buildId);

function liveHosts() {
  const hosts = [];
  for (const bytesOfB of [b, b2]) {
    const bytes = { A: a, B: bytesOfB, C: c, X: x };
    const stacks = [[], ['A'], ['A', 'B'], ...(bytesOfB === b ? [['A', 'B', 'C']] : []), ['A', 'X']];
    for (const stack of stacks) {
      const others = Object.keys(bytes).filter((name) => !stack.includes(name));
      for (let pick = 0; pick < 3 ** others.length; pick++) {
        const payloads = stack.map((name) => ({ name, state: 'APPLIED', rc: 0, vouched: bytes[name], reverted: false }));
        others.forEach((name, i) => {
          const how = Math.floor(pick / 3 ** i) % 3;
          if (how > 0) payloads.push({ name, state: 'CHECKED', rc: 0, vouched: bytes[name], reverted: how === 2 });
        });
        hosts.push({ xenBuildId: XEN, payloads, stack });
        for (const byHand of payloads) {
          const unvouched = payloads.map((p) => (p === byHand ? { name: p.name, state: p.state, rc: 0 } : p));
          hosts.push({ xenBuildId: XEN, payloads: unvouched, stack: stack.filter((name) => name !== byHand.name) });
        }
      }
    }
  }
  return hosts;
}

const present = (name, state, facts) => ({ name, state, facts, file: `/srv/${name}.livepatch`, probes: [], position: { file: 'm', line: 1, column: 1 } });
const absent = (name) => ({ name, state: 'absent', position: { file: 'm', line: 1, column: 1 } });
const hv = (...payloads) => ({ buildId: XEN, payloads, position: { file: 'm', line: 1, column: 1 } });
const MANIFESTS = [
  hv(present('A', 'applied', a), present('B', 'applied', b), present('C', 'applied', c)),
  hv(present('A', 'applied', a), present('B', 'applied', b), absent('C')),
  hv(present('A', 'applied', a), present('B', 'applied', b2), present('C', 'applied', c2)),
  hv(present('A', 'uploaded', a), absent('B'), absent('C')),
  hv(absent('A'), absent('B'), absent('C')),
  hv(present('A', 'applied', a), present('B', 'uploaded', b), absent('C')),
  hv(present('A', 'applied', a), present('B', 'applied', b), present('C', 'uploaded', c)),
  hv(present('A', 'applied', a), present('B', 'applied', b)),
  hv(present('A', 'applied', a), present('X', 'applied', x), absent('B'), absent('C')),
];

const hosts = liveHosts();
const cases = hosts.flatMap((live) => MANIFESTS.flatMap((m) => ['keep', 'remove'].map((policy) => ({ live, m, policy }))));
let sink = 0;
const sides = {
  'planSync': () => {
    for (const { live, m, policy } of cases) sink += planSync(m, live, policy).steps.length;
  },
  'JSON round trip of the LiveHost': () => {
    for (const { live } of cases) sink += JSON.parse(JSON.stringify(live)).payloads.length;
  },
};
const samples = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const [side, run] of Object.entries(sides)) {
    const start = performance.now();
    run();
    if (round > 0) samples[side].push(((performance.now() - start) * 1000) / cases.length);
  }
}
if (sink === 0) throw new Error('the planner found nothing to do anywhere: the bench measures nothing');

const median = (values) => [...values].sort((p, q) => p - q)[Math.floor(values.length / 2)];
const baseline = median(samples['JSON round trip of the LiveHost']);
console.log(`${hosts.length} live states x ${MANIFESTS.length} manifests x 2 policies = ${cases.length} plans per round, ${ROUNDS} rounds, median time per plan`);
for (const [side, values] of Object.entries(samples)) {
  const us = median(values);
  console.log(`${side.padEnd(34)} ${us.toFixed(2).padStart(8)} µs   ${(us / baseline).toFixed(2)}x`);
}
