/** The oclif flags of every command that reaches a hypervisor, built from the one table (src/host/options.ts). */
import * as Flags from '@oclif/core/flags';
import { BACKEND_KINDS, HOST_OPTIONS, type HostOptionSpec } from '../src/host/options.js';

const group = 'HOST';

// No static default: the config files sit between the environment and the default (src/config/).
const backendFlag = (spec: HostOptionSpec) =>
  Flags.option({ options: BACKEND_KINDS, env: spec.env, summary: `${spec.summary} Default: ${BACKEND_KINDS[0]}.`, helpGroup: group })();
const stringFlag = (spec: HostOptionSpec) => Flags.string({ env: spec.env, summary: spec.summary, helpGroup: group });

type HostFlagName = (typeof HOST_OPTIONS)[number]['flag'];

export const hostFlags = Object.fromEntries(HOST_OPTIONS.map((spec) => [spec.flag, spec.key === 'backend' ? backendFlag(spec) : stringFlag(spec)])) as {
  readonly backend: ReturnType<typeof backendFlag>;
} & { readonly [F in Exclude<HostFlagName, 'backend'>]: ReturnType<typeof stringFlag> };
