/**
 * Which Xen the simulator pretends to be. The version decides both faces: the generation of the
 * xen-livepatch tool (its help, matching, arity and list format) and the hypervisor's checks
 * (xen_depends and metadata exist from 4.14).
 */
import { usageError } from '../../errors.js';

/** G2: 4.9–4.13, G3: 4.14–4.18, G4: 4.19 and later (xen-livepatch.c by git blob). */
export type ToolGeneration = 2 | 3 | 4;

export interface XenVersion {
  /** As `xl info` prints xen_version, e.g. "4.17.7". */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  /** xen_extra, e.g. ".7" or "-unstable". */
  readonly extra: string;
}

export const DEFAULT_XEN_VERSION = '4.19.0';

/** The oldest Xen whose tool the simulator reproduces (4.9 brought exit code 2 and today's messages). */
const OLDEST_MINOR = 9;

export function parseXenVersion(text: string): XenVersion {
  const match = /^4\.(\d{1,2})([.\-+~0-9A-Za-z]{0,16})$/.exec(text);
  const minor = match === null ? NaN : Number(match[1]);
  if (match === null || minor < OLDEST_MINOR) {
    throw usageError(
      `unsupported simulated Xen version '${text}'`,
      `give a version from 4.${OLDEST_MINOR} on, e.g. 4.17.7 or ${DEFAULT_XEN_VERSION}`,
    );
  }
  return { text, major: 4, minor, extra: match[2] ?? '' };
}

export function toolGeneration(version: XenVersion): ToolGeneration {
  if (version.minor >= 19) return 4;
  return version.minor >= 14 ? 3 : 2;
}

/** Xen 4.14 added .livepatch.xen_depends, --nodeps, .modinfo metadata and the 3-column list. */
export const hasXenDepends = (version: XenVersion): boolean => version.minor >= 14;
