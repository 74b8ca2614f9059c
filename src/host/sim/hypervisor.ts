/**
 * The hypervisor side of live patching (xen/common/livepatch.c, Xen 4.14+ unless noted): what each
 * XEN_SYSCTL_LIVEPATCH_* operation does to the state, the errno it returns, and the console lines
 * Xen prints. Pure functions over a SimState; persistence and locking are the caller's (host.ts).
 * Errnos are returned positive (0 = success), as libxc hands them to the tool.
 */
import { Errno } from '../../model/errno.js';
import { livepatchLog, printk } from './console-ring.js';
import type { LoadOutcome, UploadHost } from './elf/load-payload.js';
import { LIVEPATCH_MAX_SIZE } from './elf/xen-limits.js';
import { takeFault } from './faults.js';
import { PAYLOAD_AREA, xenSymbolAddress } from './xen-addresses.js';
import { hasXenDepends, type XenVersion } from './xen-version.js';
import {
  APPLIED,
  CHECKED,
  type AsyncAction,
  type Hypercall,
  type SimActionName,
  type SimPayload,
  type SimHookKind,
  type SimPayloadState,
  type SimState,
} from './state.js';

/** XEN_LIVEPATCH_NAME_SIZE, terminating NUL included. */
export const NAME_SIZE = 128;
/** LIVEPATCH_MAX_SIZE. */
export const MAX_PAYLOAD_SIZE = Number(LIVEPATCH_MAX_SIZE);
/** Online CPUs besides the one running the rendezvous (the simulated host has 2). */
const OTHER_CPUS = 1;

export interface HvContext {
  /** Wall-clock now, ms since the epoch. */
  readonly now: number;
  readonly version: XenVersion;
  /** Xen's payload loader (elf/load-payload.ts loadPayload), handed in so that only UPLOAD loads it. */
  readonly load: (name: string, bytes: Uint8Array, version: XenVersion, host: UploadHost) => LoadOutcome;
}

export interface PayloadStatusHv {
  readonly state: SimPayloadState;
  readonly rc: number;
}

const VETOING_HOOKS: readonly SimHookKind[] = ['preapply', 'postapply', 'prerevert', 'postrevert'];
const hasVetoingHooks = (p: SimPayload): boolean => p.hooks.some((h) => VETOING_HOOKS.includes(h));
const ACTION_LOG_NAME: Record<AsyncAction, string> = { apply: 'APPLY', revert: 'REVERT', replace: 'REPLACE' };

/** The hypercall-level faults every operation honours first: no livepatch support, or an injected errno. */
function syncFault(state: SimState, call: Hypercall, name?: string): number {
  if (takeFault(state, { kinds: ['no-livepatch'], action: call, ...(name === undefined ? {} : { name }) })) return Errno.ENOSYS;
  const injected = takeFault(state, {
    kinds: ['sync-errno'],
    action: call,
    ...(name === undefined ? {} : { name }),
    defaultActions: ['upload', 'apply', 'revert', 'unload', 'replace'],
  });
  return injected?.errno ?? 0;
}

/** libxc wants strlen(name) + 1 <= 128 and Xen a NUL-terminated name of 1..128 bytes. */
const nameFits = (name: string): boolean => Buffer.byteLength(name, 'utf8') + 1 <= NAME_SIZE;

const find = (state: SimState, name: string): SimPayload | undefined => state.payloads.find((p) => p.name === name);

/** XEN_SYSCTL_LIVEPATCH_UPLOAD. `size` is what the tool passes (the file's size); `bytes` its content. */
export function hvUpload(state: SimState, ctx: HvContext, name: string, bytes: Uint8Array, size = bytes.length): number {
  completeDueWork(state, ctx.now);
  const fault = syncFault(state, 'upload', name);
  if (fault) return fault;
  if (!nameFits(name) || size === 0 || size > MAX_PAYLOAD_SIZE) return Errno.EINVAL;
  if (find(state, name)) return Errno.EEXIST;
  const outcome = ctx.load(name, bytes, ctx.version, {
    buildId: state.xenBuildId,
    hasBuildId: (id) => state.payloads.some((p) => p.buildId === id),
  });
  if ('refusal' in outcome) {
    for (const line of outcome.refusal.console) printk(state, line);
    return outcome.refusal.errno;
  }
  const loaded = outcome.payload;
  state.payloads.push({
    name,
    buildId: loaded.buildId,
    depends: loaded.depends,
    xenDepends: loaded.xenDepends,
    metadata: [...loaded.metadata],
    state: CHECKED,
    rc: 0,
    hasData: !loaded.safeToReapply,
    reverted: false,
    hooks: [...loaded.hooks],
    funcs: loaded.funcs.map((f) => ({ name: f.name, oldSize: f.oldSize, newSize: f.newSize })),
    size: loaded.size,
    sha256: loaded.sha256,
    seq: state.nextSeq++,
  });
  state.payloadVersion++;
  return 0;
}

/** XEN_SYSCTL_LIVEPATCH_GET. */
export function hvGet(state: SimState, ctx: Pick<HvContext, 'now'>, name: string): { errno: number } | { status: PayloadStatusHv } {
  completeDueWork(state, ctx.now);
  const fault = syncFault(state, 'get', name);
  if (fault) return { errno: fault };
  if (!nameFits(name)) return { errno: Errno.EINVAL };
  const payload = find(state, name);
  return payload ? { status: { state: payload.state, rc: payload.rc } } : { errno: Errno.ENOENT };
}

/** XEN_SYSCTL_LIVEPATCH_LIST: every payload in upload order. */
export function hvList(state: SimState, ctx: Pick<HvContext, 'now'>): { errno: number } | { payloads: readonly SimPayload[] } {
  completeDueWork(state, ctx.now);
  const fault = syncFault(state, 'list');
  return fault ? { errno: fault } : { payloads: state.payloads };
}

export interface ActionFlags {
  /** LIVEPATCH_ACTION_APPLY_NODEPS (Xen 4.14+). */
  readonly nodeps?: boolean;
}

/** XEN_SYSCTL_LIVEPATCH_ACTION (livepatch_action). Asynchronous actions are scheduled, not done. */
export function hvAction(state: SimState, ctx: HvContext, name: string, action: SimActionName, flags: ActionFlags = {}): number {
  completeDueWork(state, ctx.now);
  const fault = syncFault(state, action, name);
  if (fault) return fault;
  if (!nameFits(name)) return Errno.EINVAL;
  const data = find(state, name);
  if (!data) return Errno.ENOENT;
  if (state.pending?.name === name) return Errno.EBUSY;
  switch (action) {
    case 'unload':
      if (data.state !== CHECKED) return Errno.EINVAL;
      state.payloads = state.payloads.filter((p) => p !== data);
      state.payloadVersion++;
      return 0;
    case 'revert':
      return data.state === APPLIED ? revert(state, ctx, data) : 0;
    case 'apply':
      return data.state === CHECKED ? apply(state, ctx, data, flags) : 0;
    case 'replace':
      return data.state === CHECKED ? replace(state, ctx, data) : 0;
  }
}

function revert(state: SimState, ctx: HvContext, data: SimPayload): number {
  const top = state.applied[state.applied.length - 1];
  if (top !== data.name) {
    livepatchLog(state, `${data.name}: can't unload. Top is ${String(top)}`);
    return Errno.EBUSY;
  }
  const vetoed = preHook(state, data, 'revert');
  return vetoed ?? schedule(state, ctx, data, 'revert');
}

function apply(state: SimState, ctx: HvContext, data: SimPayload, flags: ActionFlags): number {
  if (data.reverted && data.hasData) {
    livepatchLog(state, `${data.name}: can't revert as payload has .data. Please unload`);
    data.rc = -Errno.EINVAL;
    return 0;
  }
  if (!flags.nodeps) {
    const mismatch = buildIdDep(state, data, state.applied.length === 0);
    if (mismatch) return mismatch;
  }
  if (hasXenDepends(ctx.version)) livepatchLog(state, `${data.name}: Verifying enabled expectations for all functions`);
  const vetoed = preHook(state, data, 'apply');
  return vetoed ?? schedule(state, ctx, data, 'apply');
}

function replace(state: SimState, ctx: HvContext, data: SimPayload): number {
  const mismatch = buildIdDep(state, data, true);
  if (mismatch) return mismatch;
  const appliedPayloads = state.applied.map((n) => find(state, n) as SimPayload);
  if (hasVetoingHooks(data) || appliedPayloads.some(hasVetoingHooks)) {
    livepatchLog(state, `${data.name}: REPLACE action is not supported on livepatches with vetoing hooks!`);
    return Errno.EOPNOTSUPP;
  }
  return schedule(state, ctx, data, 'replace');
}

/** build_id_dep: against Xen's build-id (first payload, or REPLACE), else against the top of the stack. */
function buildIdDep(state: SimState, data: SimPayload, againstHypervisor: boolean): number {
  let id: string;
  let against: string;
  if (againstHypervisor) {
    if (state.xenBuildId === '') return Errno.ENODATA;
    id = state.xenBuildId;
    against = 'hypervisor';
  } else {
    const top = find(state, state.applied[state.applied.length - 1] as string) as SimPayload;
    id = top.buildId;
    against = top.name;
  }
  if (data.depends !== id) {
    livepatchLog(state, `${data.name}: check against ${against} build-id failed`);
    return Errno.EINVAL;
  }
  return 0;
}

/** A pre-apply/pre-revert hook, run synchronously in the hypercall; an injected veto makes it fail. */
function preHook(state: SimState, data: SimPayload, action: 'apply' | 'revert'): number | undefined {
  const veto = takeFault(state, { kinds: ['hook-veto'], action, name: data.name, defaultActions: ['apply'] });
  const hook: SimHookKind = action === 'apply' ? 'preapply' : 'prerevert';
  if (!veto && !data.hooks.includes(hook)) return undefined;
  livepatchLog(state, `${data.name}: Calling pre-${action} hook function`);
  if (!veto) return undefined;
  const errno = veto.errno as number;
  livepatchLog(state, `${data.name}: pre-${action} hook failed (rc=${-errno}), aborting!`);
  data.rc = -errno;
  return errno;
}

/**
 * schedule_work. Like Xen, the payload's rc is set to -EAGAIN *before* the "one action at a time"
 * check, so an action refused with EBUSY leaves that payload showing an operation in progress.
 */
function schedule(state: SimState, ctx: HvContext, data: SimPayload, action: AsyncAction): number {
  data.rc = -Errno.EAGAIN;
  if (state.pending) return Errno.EBUSY;
  const fault = takeFault(state, { kinds: ['incomplete', 'rendezvous-busy'], action, name: data.name });
  state.pending = {
    name: data.name,
    action,
    completesAt: ctx.now + (fault?.kind === 'incomplete' ? (fault.durationMs ?? 1000) : 0),
    outcome: fault?.kind === 'rendezvous-busy' ? 'rendezvous-busy' : 'complete',
  };
  return 0;
}

/** Runs the scheduled action if its time has come (check_for_livepatch_work + livepatch_do_action). */
export function completeDueWork(state: SimState, now: number): void {
  const work = state.pending;
  if (!work || now < work.completesAt) return;
  delete state.pending;
  const data = find(state, work.name) as SimPayload;
  const label = ACTION_LOG_NAME[work.action];
  if (work.outcome === 'rendezvous-busy') {
    livepatchLog(state, `${data.name}: Timed out on semaphore in CPU quiesce phase 0/${OTHER_CPUS}`);
    data.rc = -Errno.EBUSY;
  } else {
    if (work.action === 'revert') revertPayload(state, data);
    else {
      if (work.action === 'replace') {
        for (const other of [...state.applied].reverse().map((n) => find(state, n) as SimPayload)) {
          revertPayload(state, other);
          other.rc = 0;
        }
        livepatchLog(state, `${data.name}: Verifying enabled expectations for all functions`);
      }
      applyPayload(state, data);
    }
    data.rc = 0;
    const post: SimHookKind | undefined = work.action === 'apply' ? 'postapply' : work.action === 'revert' ? 'postrevert' : undefined;
    if (post && data.hooks.includes(post)) {
      livepatchLog(state, `${data.name}: Calling post-${work.action} hook function with rc=0`);
    }
  }
  livepatchLog(state, `${data.name} finished ${label} with rc=${data.rc}`);
}

function applyPayload(state: SimState, data: SimPayload): void {
  if (data.hooks.includes('apply')) {
    livepatchLog(state, `${data.name}: Calling apply action hook function`);
  } else {
    livepatchLog(state, `${data.name}: Applying ${data.funcs.length} functions`);
    displayMetadata(state, data);
  }
  state.applied.push(data.name);
  data.state = APPLIED;
}

function revertPayload(state: SimState, data: SimPayload): void {
  livepatchLog(state, data.hooks.includes('revert') ? `${data.name}: Calling revert action hook function` : `${data.name}: Reverting`);
  state.applied = state.applied.filter((n) => n !== data.name);
  data.reverted = true;
  data.state = CHECKED;
}

function displayMetadata(state: SimState, data: SimPayload): void {
  if (data.metadata.length === 0) return;
  livepatchLog(state, 'module metadata:');
  for (const entry of data.metadata) livepatchLog(state, `  ${entry}`);
}

const pointer = (value: bigint): string => value.toString(16).padStart(16, '0');

/** Debug key 'x' (livepatch_printall): the only place Xen shows build-ids and dependencies. */
export function dumpPayloads(state: SimState, version: XenVersion): void {
  const out = (text: string): void => printk(state, text);
  out("'x' pressed - Dumping all livepatch patches");
  if (state.xenBuildId !== '') out(`build-id: ${state.xenBuildId}`);
  for (const data of state.payloads) {
    const text = PAYLOAD_AREA + BigInt(data.seq) * 0x100000n;
    const stateName = data.state === APPLIED ? 'APPLIED' : 'CHECKED';
    out(` name=${data.name} state=${stateName}(${data.state}) ${pointer(text)} (.data=${pointer(text + 0x1000n)}, .rodata=${pointer(text + 0x2000n)}) using 3 pages.`);
    displayMetadata(state, data);
    data.funcs.forEach((f, i) => {
      out(`    ${f.name} patch ${pointer(xenSymbolAddress(f.name) ?? 0n)}(${f.oldSize}) with ${pointer(text + BigInt(i) * 0x40n)} (${f.newSize})`);
    });
    if (data.buildId) out(`build-id=${data.buildId}`);
    if (data.depends) out(`depend-on=${data.depends}`);
    // 4.20 (fa49f4be41) stopped printing it: every loaded payload now matches Xen.
    if (data.xenDepends && hasXenDepends(version) && version.minor < 20) out(`depend-on-xen=${data.xenDepends}`);
  }
}
