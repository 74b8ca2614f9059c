/** The host options of a run (src/host/options.ts) from its settings; the simulator's state file is no setting, so it is given apart. */
import { HOST_OPTIONS, type HostOptions } from '../host/options.js';
import type { Settings } from './resolve.js';

export function hostOptionsOf(settings: Settings, simState: string | undefined): HostOptions {
  const options: Record<string, unknown> = {};
  for (const spec of HOST_OPTIONS) {
    const value = 'config' in spec ? settings.get(spec.config)?.value : simState;
    if (value !== undefined) options[spec.key] = value;
  }
  return options as unknown as HostOptions;
}
