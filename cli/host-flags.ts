/** The oclif flags of every command that reaches a hypervisor, built from the one table (src/host/options.ts). */
import * as Flags from '@oclif/core/flags';
import { BACKEND_KINDS, HOST_OPTIONS, type BackendKind, type HostOptions, type HostOptionSpec } from '../src/host/options.js';

const group = 'HOST';

const backendFlag = (spec: HostOptionSpec) =>
  Flags.option({ options: BACKEND_KINDS, default: BACKEND_KINDS[0] as BackendKind, env: spec.env, summary: spec.summary, helpGroup: group })();
const stringFlag = (spec: HostOptionSpec) => Flags.string({ env: spec.env, summary: spec.summary, helpGroup: group });

type HostFlagName = (typeof HOST_OPTIONS)[number]['flag'];

export const hostFlags = Object.fromEntries(HOST_OPTIONS.map((spec) => [spec.flag, spec.key === 'backend' ? backendFlag(spec) : stringFlag(spec)])) as {
  readonly backend: ReturnType<typeof backendFlag>;
} & { readonly [F in Exclude<HostFlagName, 'backend'>]: ReturnType<typeof stringFlag> };

/** The parsed host flags, as the library takes them. */
export function hostOptions(flags: Readonly<Record<string, unknown>>): HostOptions {
  const options: Record<string, unknown> = {};
  for (const spec of HOST_OPTIONS) if (flags[spec.flag] !== undefined) options[spec.key] = flags[spec.flag];
  return options as unknown as HostOptions;
}
