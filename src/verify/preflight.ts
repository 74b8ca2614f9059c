/**
 * The hypervisor's own refusals, made before it is touched (xen/common/livepatch.c, Xen 4.14+), so
 * the operator hears which build-ids disagree and what to do, instead of "Error 22: Invalid argument":
 *
 *   upload   .livepatch.xen_depends = the running Xen's build-id (EINVAL; ENODATA if Xen has none);
 *            no loaded payload has the same build-id (EEXIST)
 *   apply    .livepatch.depends = Xen's build-id when nothing is applied, else the top applied
 *            payload's (EINVAL; skipped by --nodeps, as Xen skips it)
 *   replace  .livepatch.depends = Xen's build-id (EINVAL); no pre/post hooks on it or on any applied
 *            payload (EOPNOTSUPP)
 *
 * Every refusal is ExitCode.REJECTED, the code Xen's own refusal gives. What cannot be checked (a
 * payload xlp did not upload, an apply order it does not know) is reported, never guessed.
 */
import { ExitCode, XlpError } from '../errors.js';
import { Errno } from '../model/errno.js';
import type { HookKind } from '../payload/types.js';
import type { HostView, KnownPayload } from './host-view.js';

export type PreflightOperation = 'upload' | 'load' | 'apply' | 'replace';

export interface PayloadIds {
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  readonly hooks?: readonly HookKind[];
}

export interface PreflightInput {
  readonly operation: PreflightOperation;
  readonly name: string;
  /** The payload's ids: from the file for upload/load; from the record or console for apply/replace. */
  readonly payload?: PayloadIds;
  readonly nodeps: boolean;
  readonly view: HostView;
}

export interface PreflightReport {
  /** Checks that ran and passed. */
  readonly passed: readonly string[];
  /** Checks that could not run, with why: said, never silently dropped. */
  readonly unchecked: readonly string[];
}

const VETOING: readonly HookKind[] = ['preapply', 'postapply', 'prerevert', 'postrevert'];

export function runPreflight(input: PreflightInput): PreflightReport {
  const passed: string[] = [];
  const unchecked: string[] = [];
  const { operation, payload, view } = input;
  const subject = input.name;
  if (payload === undefined) {
    unchecked.push(`build-ids of ${input.name}: xlp did not upload it and the hypervisor console did not show it`);
    return { passed, unchecked };
  }
  if (operation === 'upload' || operation === 'load') {
    throwIf(xenDependsRefusal(input.name, payload, view.xenBuildId));
    passed.push('xen_depends matches the running hypervisor');
    checkDuplicateBuildId(input.name, payload, view, passed, unchecked);
  }
  const alreadyApplied = view.listed.some((p) => p.name === input.name && p.state === 'APPLIED');
  if (operation === 'replace' && !alreadyApplied) {
    throwIf(dependsRefusal(subject, payload, { kind: 'xen', buildId: view.xenBuildId }, 'replace'));
    passed.push("depends is the hypervisor's build-id, as replace requires");
    checkVetoingHooks(input.name, payload, view, passed, unchecked);
  }
  if ((operation === 'apply' || operation === 'load') && !alreadyApplied) {
    if (input.nodeps) unchecked.push('depends against the top of the stack: skipped by --nodeps');
    else {
      const top = stackTop(view, input.name);
      if (top.kind === 'unknown') unchecked.push(`depends against the top of the stack: ${top.why}`);
      else {
        throwIf(dependsRefusal(subject, payload, top, 'apply'));
        passed.push(top.kind === 'xen' ? "depends is the hypervisor's build-id (nothing applied)" : `depends is the build-id of the top payload ${top.name}`);
      }
    }
  }
  return { passed, unchecked };
}

/**
 * Xen's upload rule (4.14+): .livepatch.xen_depends must be the hypervisor's build-id, and a
 * hypervisor without a build-id refuses every payload. The refusal, or undefined when Xen accepts.
 * `hypervisor` names whose build-id `xenBuildId` is, for the message.
 */
export function xenDependsRefusal(name: string, payload: PayloadIds, xenBuildId: string, hypervisor = "the running hypervisor's build-id"): XlpError | undefined {
  if (xenBuildId === '') {
    return rejected('xen-no-build-id', `the running hypervisor has no build-id, so it refuses every payload (ENODATA)`, 'boot a Xen built with a build-id (any Xen 4.14+ built by its own makefiles has one)', Errno.ENODATA);
  }
  if (payload.xenDepends === xenBuildId) return undefined;
  return rejected(
    'xen-build-id-mismatch',
    `${name} was built for Xen build-id ${payload.xenDepends ?? '(none)'}, but ${hypervisor} is ${xenBuildId}`,
    `use the payload built for this hypervisor, or rebuild it with livepatch-build --xen-depends ${xenBuildId}; check that you are on the intended host`,
  );
}

function checkDuplicateBuildId(name: string, payload: PayloadIds, view: HostView, passed: string[], unchecked: string[]): void {
  const twin = [...view.known].find(([other, ids]) => other !== name && ids.buildId !== undefined && ids.buildId === payload.buildId);
  if (twin !== undefined) {
    throw rejected(
      'duplicate-build-id',
      `a payload with build-id ${payload.buildId} is already loaded as ${twin[0]}; Xen refuses the same payload twice (EEXIST)`,
      `use ${twin[0]} as it is, or unload it first (xlp unload ${twin[0]})`,
      Errno.EEXIST,
    );
  }
  const unknown = view.listed.filter((p) => !view.known.has(p.name)).map((p) => p.name);
  if (unknown.length > 0) unchecked.push(`duplicate build-id against ${unknown.join(', ')}: their build-ids are unknown`);
  else passed.push('no loaded payload has the same build-id');
}

/** What Xen checks an applied payload's .livepatch.depends against: the hypervisor, or the top applied payload. */
export type StackBase = { readonly kind: 'xen'; readonly buildId: string } | { readonly kind: 'payload'; readonly name: string; readonly buildId: string };

type StackTop = StackBase | { kind: 'unknown'; why: string };

/**
 * Xen's apply rule: a payload applied now stacks on the hypervisor itself when nothing is applied,
 * else on the top (last) applied payload. `applied` is the applied stack, bottom first.
 */
export function applyBase(xenBuildId: string, applied: readonly { readonly name: string; readonly buildId: string }[]): StackBase {
  const top = applied.at(-1);
  return top === undefined ? { kind: 'xen', buildId: xenBuildId } : { kind: 'payload', name: top.name, buildId: top.buildId };
}

function stackTop(view: HostView, applying: string): StackTop {
  const applied = view.listed.filter((p) => p.state === 'APPLIED' && p.name !== applying);
  if (applied.length === 0) return applyBase(view.xenBuildId, []);
  if (view.appliedOrder === undefined) {
    return { kind: 'unknown', why: `${applied.length} payloads are applied (${applied.map((p) => p.name).join(', ')}) and xlp does not know their order` };
  }
  const name = view.appliedOrder.at(-1) ?? '';
  const buildId = (view.known.get(name) as KnownPayload | undefined)?.buildId;
  if (buildId === undefined) return { kind: 'unknown', why: `the build-id of the top payload ${name} is unknown` };
  return applyBase(view.xenBuildId, [{ name, buildId }]);
}

/**
 * Xen's check of .livepatch.depends at apply (against `base`, from applyBase) and at replace
 * (always against the hypervisor): the refusal, or undefined when Xen accepts.
 */
export function dependsRefusal(subject: string, payload: PayloadIds, base: StackBase, action: 'apply' | 'replace'): XlpError | undefined {
  if (payload.depends === base.buildId) return undefined;
  const what = base.kind === 'xen' ? (action === 'replace' ? "the hypervisor's build-id" : "the hypervisor's build-id (nothing is applied)") : `the build-id of the top applied payload ${base.name}`;
  const hint =
    action === 'replace'
      ? `replace needs a cumulative payload built on the hypervisor itself (livepatch-build --depends ${base.buildId}); to stack this one, use xlp apply`
      : base.kind === 'xen'
        ? 'apply the payload it was built on first, or rebuild it on the hypervisor (livepatch-build --depends ' + base.buildId + ')'
        : `revert to the payload it was built on, or rebuild it on ${base.name} (livepatch-build --depends ${base.buildId}); --nodeps skips this check if you are sure`;
  return rejected('depends-mismatch', `${subject} depends on build-id ${payload.depends ?? '(none)'}, but ${action} needs ${what}, ${base.buildId}`, hint);
}

function throwIf(refusal: XlpError | undefined): void {
  if (refusal !== undefined) throw refusal;
}

function checkVetoingHooks(name: string, payload: PayloadIds, view: HostView, passed: string[], unchecked: string[]): void {
  const own = (payload.hooks ?? []).filter((h) => VETOING.includes(h));
  if (own.length > 0) {
    throw rejected('replace-vetoing-hooks', `${name} has ${own.join('/')} hooks, and Xen refuses replace for payloads with such hooks (EOPNOTSUPP)`, 'revert the applied payloads and apply it instead', Errno.EOPNOTSUPP);
  }
  const applied = view.listed.filter((p) => p.state === 'APPLIED');
  for (const p of applied) {
    const hooks = view.known.get(p.name)?.hooks;
    if (hooks?.some((h) => VETOING.includes(h)) === true) {
      throw rejected('replace-vetoing-hooks', `the applied payload ${p.name} has pre/post hooks, and Xen refuses replace while such a payload is applied (EOPNOTSUPP)`, `revert ${p.name} first`, Errno.EOPNOTSUPP);
    }
  }
  const unknown = applied.filter((p) => view.known.get(p.name)?.hooks === undefined).map((p) => p.name);
  if (payload.hooks === undefined) unchecked.push(`hooks of ${name}: unknown`);
  if (unknown.length > 0) unchecked.push(`hooks of the applied ${unknown.join(', ')}: unknown`);
  if (payload.hooks !== undefined && unknown.length === 0) passed.push('no pre/post hooks in the way of replace');
}

const rejected = (code: string, message: string, hint: string, errno: number = Errno.EINVAL): XlpError =>
  new XlpError(code, ExitCode.REJECTED, message, { hint, errno });
