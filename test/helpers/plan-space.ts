/**
 * The planner's enumerated state space and its oracle, built on the simulated hypervisor alone:
 *
 * - the cast: real payload files A, B (with writable .data: not reappliable), C stacked on B, B2 (another
 *   build of B, on A, without .data), C2 (on B2) and X (on A, never named by a manifest but one);
 * - startWorlds(): every host reachable from an empty one by anyone's operations (xlp's or the raw
 *   tool's, at most one payload uploaded by hand at a time), as Xen allows them;
 * - shortestPaths(): for one manifest and policy, the fewest xlp operations from each world to one
 *   that is what the manifest asks, by breadth-first search over what the simulator accepts.
 *   Unreachable means the plan must be blocked.
 *
 * "What the manifest asks" (reached()) is written from the manifest's meaning, not from the planner.
 */
import type { DesiredAbsent, DesiredHypervisor, DesiredPayload, DesiredPresent, PlanAction, UnmanagedPolicy } from '../../src/model/desired.js';
import { APPLIED } from '../../src/host/sim/state.js';
import { TEST_XEN_BUILD_ID, copyWorld, emptyWorld, payloadFile, perform, worldKey, type Actor, type PayloadFile, type World } from './plan-world.js';

export interface Cast {
  readonly a: PayloadFile;
  readonly b: PayloadFile;
  readonly b2: PayloadFile;
  readonly c: PayloadFile;
  readonly c2: PayloadFile;
  readonly x: PayloadFile;
}

/** Distinct --returns give distinct build-ids (ld hashes the allocated contents). */
export async function buildCast(): Promise<Cast> {
  const a = await payloadFile({ id: 'pa', returns: '-a' });
  const onA = a.facts.buildId as string;
  const [b, b2, x] = await Promise.all([
    payloadFile({ id: 'pb', returns: '-b', depends: onA, withData: true }),
    payloadFile({ id: 'pb2', returns: '-b2', depends: onA }),
    payloadFile({ id: 'px', returns: '-x', depends: onA }),
  ]);
  const [c, c2] = await Promise.all([
    payloadFile({ id: 'pc', returns: '-c', depends: b.facts.buildId as string }),
    payloadFile({ id: 'pc2', returns: '-c2', depends: b2.facts.buildId as string }),
  ]);
  return { a, b, b2, c, c2, x };
}

/** A manifest entry: a file wanted applied or uploaded, or a name wanted absent. */
export type Entry = readonly [name: string, state: 'applied' | 'uploaded', file: PayloadFile] | readonly [name: string, state: 'absent'];

export function manifest(entries: readonly Entry[]): DesiredHypervisor {
  const payloads = entries.map((entry, i): DesiredPayload => {
    const position = { file: '/etc/xlp/manifest.toml', line: i + 2, column: 1 };
    if (entry[1] === 'absent') return { name: entry[0], state: 'absent', position } satisfies DesiredAbsent;
    const [name, state, file] = entry;
    return { name, state, position, file: file.path, facts: file.facts, probes: [] } satisfies DesiredPresent;
  });
  return { buildId: TEST_XEN_BUILD_ID, payloads, position: { file: '/etc/xlp/manifest.toml', line: 1, column: 1 } };
}

/** The cast's file at `path` (manifests name files by path). */
export function fileAt(cast: Cast): (path: string) => PayloadFile {
  const byPath = new Map(Object.values(cast).map((f: PayloadFile) => [f.path, f]));
  return (path) => {
    const file = byPath.get(path);
    if (file === undefined) throw new Error(`no payload file ${path}`);
    return file;
  };
}

/** The manifests every start state is planned towards, by name. */
export const MANIFESTS: Readonly<Record<string, (cast: Cast) => readonly Entry[]>> = {
  'all applied': ({ a, b, c }) => [['A', 'applied', a], ['B', 'applied', b], ['C', 'applied', c]],
  'top absent': ({ a, b }) => [['A', 'applied', a], ['B', 'applied', b], ['C', 'absent']],
  'middle bytes changed': ({ a, b2, c2 }) => [['A', 'applied', a], ['B', 'applied', b2], ['C', 'applied', c2]],
  'only the bottom uploaded': ({ a }) => [['A', 'uploaded', a], ['B', 'absent'], ['C', 'absent']],
  'all absent': () => [['A', 'absent'], ['B', 'absent'], ['C', 'absent']],
  'middle uploaded': ({ a, b }) => [['A', 'applied', a], ['B', 'uploaded', b], ['C', 'absent']],
  'top uploaded': ({ a, b, c }) => [['A', 'applied', a], ['B', 'applied', b], ['C', 'uploaded', c]],
  'top not named': ({ a, b }) => [['A', 'applied', a], ['B', 'applied', b]],
  'X managed': ({ a, x }) => [['A', 'applied', a], ['X', 'applied', x], ['B', 'absent'], ['C', 'absent']],
};

interface Move {
  readonly action: PlanAction;
  readonly name: string;
  readonly actor: Actor;
  readonly file?: PayloadFile;
}

interface Node {
  readonly world: World;
  /** The worlds one accepted move away, with the payload the move touched. */
  readonly next: Array<{ key: string; name: string }>;
}

/** Breadth-first closure of `starts` under `moves`; each world once (by worldKey), with the moves Xen accepted. */
function explore(starts: readonly World[], moves: (w: World) => readonly Move[]): Map<string, Node> {
  const seen = new Map<string, Node>();
  const queue: Node[] = [];
  const visit = (world: World, key: string): void => {
    if (seen.has(key)) return;
    const node = { world, next: [] };
    seen.set(key, node);
    queue.push(node);
  };
  for (const world of starts) visit(world, worldKey(world));
  for (let i = 0; i < queue.length; i++) {
    const from = queue[i] as Node;
    for (const move of moves(from.world)) {
      const to = copyWorld(from.world);
      if (perform(to, move.action, move.name, move.actor, move.file) !== undefined) continue;
      const key = worldKey(to);
      from.next.push({ key, name: move.name });
      visit(to, key);
    }
  }
  return seen;
}

/** The moves on a loaded payload: apply or unload a CHECKED one, revert an APPLIED one. */
function actionsOn(w: World, name: string, actor: Actor): Move[] {
  const payload = w.sim.payloads.find((p) => p.name === name);
  if (payload === undefined) return [];
  if (payload.state === APPLIED) return [{ action: 'revert', name, actor }];
  return [
    { action: 'apply', name, actor },
    { action: 'unload', name, actor },
  ];
}

/** Every host reachable from an empty one, by xlp or by hand (at most one payload uploaded by hand at a time). */
export function startWorlds(cast: Cast): World[] {
  const files: Record<string, readonly PayloadFile[]> = { A: [cast.a], B: [cast.b, cast.b2], C: [cast.c], X: [cast.x] };
  const moves = (w: World): Move[] =>
    Object.entries(files).flatMap(([name, candidates]) => {
      if (w.sim.payloads.some((p) => p.name === name)) return actionsOn(w, name, w.record.has(name) ? 'xlp' : 'raw');
      const byHand = w.sim.payloads.every((p) => w.record.has(p.name)) ? (['xlp', 'raw'] as const) : (['xlp'] as const);
      return candidates.flatMap((file) => byHand.map((actor): Move => ({ action: 'upload', name, actor, file })));
    });
  return [...explore([emptyWorld()], moves).values()].map((node) => node.world);
}

/** Whether the world is what the manifest asks, the policy applied to what it does not name. */
export function reached(w: World, m: DesiredHypervisor, policy: UnmanagedPolicy): boolean {
  const named = new Set(m.payloads.map((d) => d.name));
  for (const d of m.payloads) {
    const payload = w.sim.payloads.find((p) => p.name === d.name);
    if (d.state === 'absent') {
      if (payload !== undefined) return false;
      continue;
    }
    const bytesOk = payload?.sha256 === d.facts.sha256 && w.record.get(d.name)?.sha256 === d.facts.sha256;
    if (!bytesOk || (payload.state === APPLIED) !== (d.state === 'applied')) return false;
  }
  const stack = m.payloads.filter((d) => d.state === 'applied').map((d) => d.name);
  if (stack.some((name, i) => w.sim.applied[i] !== name)) return false;
  return policy === 'keep' || w.sim.payloads.every((p) => named.has(p.name));
}

/**
 * The differences `check` must report for a world, as "name kind", by the meaning of each kind
 * (src/model/desired.ts): per payload in manifest order its state or place, then its bytes; then
 * the payloads the manifest does not name, in the hypervisor's order, when the policy removes them.
 */
export function expectedDrift(w: World, m: DesiredHypervisor, policy: UnmanagedPolicy): string[] {
  const stack = m.payloads.filter((d) => d.state === 'applied').map((d) => d.name);
  const managed = m.payloads.flatMap((d) => {
    const payload = w.sim.payloads.find((p) => p.name === d.name);
    if (d.state === 'absent') return payload === undefined ? [] : [`${d.name} state`];
    if (payload === undefined) return [`${d.name} missing`];
    const applied = payload.state === APPLIED;
    const below = stack.slice(0, stack.indexOf(d.name) + 1);
    const where = (d.state === 'applied') !== applied ? ['state'] : applied && below.some((name, i) => w.sim.applied[i] !== name) ? ['order'] : [];
    const recorded = w.record.get(d.name);
    const bytes = recorded === undefined ? ['unverified'] : recorded.sha256 !== d.facts.sha256 ? ['bytes'] : [];
    return [...where, ...bytes].map((kind) => `${d.name} ${kind}`);
  });
  const named = new Set(m.payloads.map((d) => d.name));
  const unmanaged = policy === 'remove' ? w.sim.payloads.filter((p) => !named.has(p.name)).map((p) => `${p.name} unmanaged`) : [];
  return [...managed, ...unmanaged];
}

/**
 * The fewest xlp operations from each world to one the manifest asks for. Only the manifest's files
 * are uploaded, only bytes xlp recorded are applied; under `keep`, what the manifest does not name is
 * never touched. Worlds missing from the map cannot reach the manifest.
 */
export function shortestPaths(starts: readonly World[], m: DesiredHypervisor, fileAt: (path: string) => PayloadFile): (policy: UnmanagedPolicy) => Map<string, number> {
  const wanted = m.payloads.filter((d): d is DesiredPresent => d.state !== 'absent');
  const moves = (w: World): Move[] => {
    const loaded = w.sim.payloads.map((p) => p.name);
    const uploads = wanted
      .filter((d) => !loaded.includes(d.name))
      .map((d): Move => ({ action: 'upload', name: d.name, actor: 'xlp', file: fileAt(d.file) }));
    return [...uploads, ...loaded.flatMap((name) => actionsOn(w, name, 'xlp'))];
  };
  const graph = explore(starts, moves);
  const named = new Set(m.payloads.map((d) => d.name));
  return (policy) => {
    const back = new Map<string, string[]>();
    for (const [key, node] of graph) {
      for (const edge of node.next) if (policy === 'remove' || named.has(edge.name)) back.set(edge.key, [...(back.get(edge.key) ?? []), key]);
    }
    const distance = new Map<string, number>();
    const queue = [...graph].filter(([, node]) => reached(node.world, m, policy)).map(([key]) => key);
    for (const key of queue) distance.set(key, 0);
    for (let i = 0; i < queue.length; i++) {
      const key = queue[i] as string;
      for (const before of back.get(key) ?? []) {
        if (distance.has(before)) continue;
        distance.set(before, (distance.get(key) as number) + 1);
        queue.push(before);
      }
    }
    return distance;
  };
}
