/**
 * A plan saved to a file (`plan --out`) and carried out later (`sync --plan`): the plan with the
 * fingerprint of the live state it was made from, as plain JSON. Reading one back checks its whole
 * shape, since the file may have been edited by hand; whether the host is still the one the plan
 * was made for is the fingerprint's business (liveFingerprint), checked by the command.
 */
import type { Difference, DifferenceKind, LiveHost, Plan, PlanAction, PlanStep } from '../model/desired.js';
import { liveFingerprint } from './fingerprint.js';

export const SAVED_PLAN_FORMAT = 'xlp-plan-1';

export interface SavedPlan {
  readonly format: typeof SAVED_PLAN_FORMAT;
  /** liveFingerprint of the host when the plan was made. */
  readonly fingerprint: string;
  readonly plan: Plan;
}

export const savePlan = (plan: Plan, live: LiveHost): SavedPlan => ({ format: SAVED_PLAN_FORMAT, fingerprint: liveFingerprint(live), plan });

// Records over the union types, so that a new action or kind cannot be forgotten here.
const ACTIONS: Readonly<Record<PlanAction, true>> = { upload: true, apply: true, revert: true, unload: true };
const KINDS: Readonly<Record<DifferenceKind, true>> = { missing: true, state: true, order: true, bytes: true, unverified: true, unmanaged: true };

type Shape = Record<string, unknown>;
const isShape = (v: unknown): v is Shape => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): boolean => v === null || isString(v);
const isArrayOf = <T>(v: unknown, item: (x: unknown) => x is T): v is T[] => Array.isArray(v) && v.every(item);

const isStep = (v: unknown): v is PlanStep => isShape(v) && isString(v.action) && Object.hasOwn(ACTIONS, v.action) && isString(v.name) && isString(v.why);
const isDifference = (v: unknown): v is Difference =>
  isShape(v) && isString(v.name) && isString(v.kind) && Object.hasOwn(KINDS, v.kind) && isStringOrNull(v.want) && isStringOrNull(v.have);

/** The saved plan in `value` (parsed JSON), or what is wrong with it. */
export function readSavedPlan(value: unknown): SavedPlan | { readonly invalid: string } {
  if (!isShape(value) || value.format !== SAVED_PLAN_FORMAT) return { invalid: `not a saved xlp plan (format ${SAVED_PLAN_FORMAT})` };
  if (!isString(value.fingerprint) || !/^[0-9a-f]{64}$/.test(value.fingerprint)) return { invalid: 'its fingerprint is not a sha256' };
  const plan = value.plan;
  if (!isShape(plan) || !isString(plan.xenBuildId)) return { invalid: 'it has no plan for a hypervisor build-id' };
  if (!isArrayOf(plan.steps, isStep)) return { invalid: 'its steps are malformed' };
  if (!isArrayOf(plan.differences, isDifference)) return { invalid: 'its differences are malformed' };
  if (!isArrayOf(plan.unmanaged, isString)) return { invalid: 'its list of unmanaged payloads is malformed' };
  if (plan.blocked !== undefined && !isString(plan.blocked)) return { invalid: 'its blocked reason is malformed' };
  return value as unknown as SavedPlan;
}
