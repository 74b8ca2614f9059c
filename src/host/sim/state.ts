/**
 * The simulated hypervisor's persistent state: what Xen keeps about live-patch payloads, plus the
 * simulator's own fault queue and console ring. Stored as JSON (state-store.ts); this module holds
 * the model, its validation and how a fresh host starts.
 */
import { randomBytes } from 'node:crypto';
import { usageError, XlpError, ExitCode } from '../../errors.js';
import { BUILD_ID_HEX } from '../../model/build-id.js';
import { parseXenVersion } from './xen-version.js';

export const STATE_FORMAT_VERSION = 1;

/** Xen's LIVEPATCH_STATE_CHECKED / LIVEPATCH_STATE_APPLIED. */
export const CHECKED = 1;
export const APPLIED = 2;
export type SimPayloadState = typeof CHECKED | typeof APPLIED;

export type SimActionName = 'apply' | 'revert' | 'unload' | 'replace';
/** Actions Xen performs later, in the CPU rendezvous; UNLOAD is synchronous. */
export type AsyncAction = 'apply' | 'revert' | 'replace';
/** The livepatch sysctl operations, named as faults refer to them. */
export type Hypercall = 'upload' | 'get' | 'list' | SimActionName;

/**
 * Xen's hooks (xen/include/xen/livepatch_payload.h): load/unload arrays (4.8+), and from 4.14 the
 * pre/post apply/revert hooks and the apply/revert action hooks that replace Xen's own routine.
 */
export type SimHookKind = 'load' | 'unload' | 'preapply' | 'postapply' | 'prerevert' | 'postrevert' | 'apply' | 'revert';

export interface SimFunc {
  readonly name: string;
  readonly oldSize: number;
  readonly newSize: number;
}

export interface SimPayload {
  name: string;
  /** Lowercase hex of the payload's .note.gnu.build-id. */
  buildId: string;
  /** .livepatch.depends: the build-id this payload stacks on. */
  depends: string;
  /** .livepatch.xen_depends; '' when absent (accepted only by Xen before 4.14). */
  xenDepends: string;
  /** .modinfo strings in order; [] without .modinfo. */
  metadata: string[];
  state: SimPayloadState;
  /** Xen's status.rc: 0, or a negative errno (-EAGAIN while an action is in flight). */
  rc: number;
  /** Writable sections besides .livepatch.funcs: Xen refuses to re-apply such a payload after a revert. */
  hasData: boolean;
  reverted: boolean;
  /** Hooks Xen will call; pre/post apply/revert hooks are "vetoing" and block REPLACE. */
  hooks: SimHookKind[];
  funcs: SimFunc[];
  size: number;
  sha256: string;
  /** Upload sequence number, used to give each payload its own (made-up) load address. */
  seq: number;
}

export interface SimPending {
  name: string;
  action: AsyncAction;
  /** Wall-clock time (ms since the epoch) at which the rendezvous finishes. */
  completesAt: number;
  /** 'rendezvous-busy': the CPUs never met; the action ends with rc = -EBUSY and changes nothing. */
  outcome: 'complete' | 'rendezvous-busy';
}

export const FAULT_KINDS = ['incomplete', 'rendezvous-busy', 'sync-errno', 'no-handle', 'no-livepatch', 'hook-veto'] as const;
export type SimFaultKind = (typeof FAULT_KINDS)[number];

export interface SimFault {
  kind: SimFaultKind;
  /** Only for this payload name (not used by no-handle). */
  name?: string;
  /** Only for this hypercall (or, for no-handle, this xen-livepatch command word). */
  action?: string;
  /** The errno returned (sync-errno) or the hook's return value as a positive errno (hook-veto). */
  errno?: number;
  /** incomplete: how long the action stays in flight. */
  durationMs?: number;
  /** How many matching uses consume it; default 1. */
  count?: number;
  /** Never consumed (e.g. a Xen built without CONFIG_LIVEPATCH). */
  persistent?: boolean;
}

export interface SimState {
  version: typeof STATE_FORMAT_VERSION;
  /** Lowercase hex; '' for a Xen built without a build-id. */
  xenBuildId: string;
  /** e.g. "4.17.7"; absent means the simulator's default unless XLP_SIM_XEN_VERSION says otherwise. */
  xenVersion?: string;
  /** Xen's payload_version: bumped on every upload and unload. */
  payloadVersion: number;
  /** Every loaded payload, in upload order. */
  payloads: SimPayload[];
  /** Names of applied payloads, oldest first (the top of the stack is last). */
  applied: string[];
  pending?: SimPending;
  faults: SimFault[];
  /** The hypervisor console ring, one line each, "(XEN) " prefix included. */
  console: string[];
  /** Next upload sequence number. */
  nextSeq: number;
}

export interface FreshStateOptions {
  /** Lowercase or uppercase hex, or '' for a Xen without build-id; random 20 bytes when omitted. */
  readonly buildId?: string;
  readonly xenVersion?: string;
}

/** Validates a build-id given by a user; returns it lowercased. '' means "Xen has no build-id". */
export function normaliseBuildId(value: string): string {
  const lower = value.toLowerCase();
  if (lower !== '' && !BUILD_ID_HEX.test(lower)) {
    throw usageError(`invalid build-id '${value}'`, 'give an even number of hex digits (usually 40), e.g. the build_id line of `xl info`');
  }
  return lower;
}

export function freshState(options: FreshStateOptions = {}): SimState {
  const buildId = options.buildId === undefined ? randomBytes(20).toString('hex') : normaliseBuildId(options.buildId);
  const state: SimState = {
    version: STATE_FORMAT_VERSION,
    xenBuildId: buildId,
    payloadVersion: 1,
    payloads: [],
    applied: [],
    faults: [],
    console: [],
    nextSeq: 0,
  };
  if (options.xenVersion !== undefined) state.xenVersion = parseXenVersion(options.xenVersion).text;
  return state;
}

/** A fresh host as the environment describes it: XLP_SIM_BUILD_ID (hex, or "none") and XLP_SIM_XEN_VERSION. */
export function freshStateFromEnv(env: Readonly<Record<string, string | undefined>>): SimState {
  const id = env.XLP_SIM_BUILD_ID;
  return freshState({
    ...(id === undefined || id === '' ? {} : { buildId: id === 'none' ? '' : id }),
    ...(env.XLP_SIM_XEN_VERSION ? { xenVersion: env.XLP_SIM_XEN_VERSION } : {}),
  });
}

const MAX_ERRNO = 4095;

export function validateFault(fault: SimFault): SimFault {
  const bad = (why: string): never => {
    throw usageError(`invalid simulator fault: ${why}`, 'see docs/simulator.md, "Fault injection"');
  };
  if (!FAULT_KINDS.includes(fault.kind)) bad(`unknown kind '${String(fault.kind)}'`);
  const needsErrno = fault.kind === 'sync-errno' || fault.kind === 'hook-veto';
  if (needsErrno !== (fault.errno !== undefined)) bad(needsErrno ? `${fault.kind} needs an errno` : `${fault.kind} takes no errno`);
  if (fault.errno !== undefined && !(Number.isInteger(fault.errno) && fault.errno > 0 && fault.errno <= MAX_ERRNO)) {
    bad(`errno must be an integer from 1 to ${MAX_ERRNO}`);
  }
  if (fault.durationMs !== undefined && (fault.kind !== 'incomplete' || !Number.isInteger(fault.durationMs) || fault.durationMs < 0)) {
    bad('durationMs is a non-negative integer, for incomplete only');
  }
  if (fault.count !== undefined && !(Number.isInteger(fault.count) && fault.count > 0)) bad('count must be a positive integer');
  if (fault.name !== undefined && typeof fault.name !== 'string') bad('name must be a string');
  if (fault.action !== undefined && typeof fault.action !== 'string') bad('action must be a string');
  return fault;
}

/** Checks a parsed state file deeply enough that the simulator never trips over a hand-edited one. */
export function validateState(value: unknown, path: string): SimState {
  const corrupt = (why: string): never => {
    throw new XlpError('sim-state-corrupt', ExitCode.FAILED, `simulator state ${path} is not usable: ${why}`, {
      hint: 'reset it with `xlp sim reset`, or delete the file to start a fresh simulated host',
    });
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!isObject(value)) return corrupt('not a JSON object');
  if (value.version !== STATE_FORMAT_VERSION) corrupt(`unknown format version ${String(value.version)}`);
  if (typeof value.xenBuildId !== 'string' || (value.xenBuildId !== '' && !BUILD_ID_HEX.test(value.xenBuildId))) corrupt('bad xenBuildId');
  if (value.xenVersion !== undefined && typeof value.xenVersion !== 'string') corrupt('bad xenVersion');
  if (!Number.isInteger(value.payloadVersion) || !Number.isInteger(value.nextSeq)) corrupt('bad counters');
  if (!Array.isArray(value.payloads) || !isStringArray(value.applied) || !isStringArray(value.console) || !Array.isArray(value.faults)) {
    corrupt('missing payloads, applied, faults or console');
  }
  const names = new Set<string>();
  for (const p of value.payloads as unknown[]) {
    const ok =
      isObject(p) &&
      typeof p.name === 'string' &&
      typeof p.buildId === 'string' &&
      typeof p.depends === 'string' &&
      typeof p.xenDepends === 'string' &&
      isStringArray(p.metadata) &&
      (p.state === CHECKED || p.state === APPLIED) &&
      Number.isInteger(p.rc) &&
      typeof p.hasData === 'boolean' &&
      typeof p.reverted === 'boolean' &&
      isStringArray(p.hooks) &&
      Array.isArray(p.funcs) &&
      Number.isInteger(p.size) &&
      typeof p.sha256 === 'string' &&
      Number.isInteger(p.seq);
    if (!ok) corrupt('a payload entry is malformed');
    const name = (p as { name: string }).name;
    if (names.has(name)) corrupt(`payload '${name}' appears twice`);
    names.add(name);
  }
  const applied = value.applied as string[];
  const appliedOk =
    new Set(applied).size === applied.length &&
    (value.payloads as SimPayload[]).every((p) => (p.state === APPLIED) === applied.includes(p.name));
  if (!appliedOk) corrupt('the applied stack does not match the payload states');
  if (value.pending !== undefined) {
    const p = value.pending;
    if (!isObject(p) || typeof p.name !== 'string' || !names.has(p.name) || !['apply', 'revert', 'replace'].includes(p.action as string)) {
      corrupt('bad pending action');
    }
  }
  for (const f of value.faults as SimFault[]) {
    try {
      validateFault(f);
    } catch (error) {
      corrupt(error instanceof Error ? error.message : String(error));
    }
  }
  return value as unknown as SimState;
}
