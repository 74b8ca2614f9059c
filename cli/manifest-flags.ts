/** The flags of the desired-state commands (plan, sync, check). */
import * as Flags from '@oclif/core/flags';
import { UNMANAGED_POLICIES } from '../src/model/desired.js';

export const manifestFlags = {
  manifest: Flags.string({
    char: 'f',
    required: true,
    summary: 'The manifest: what the host must carry (YAML or JSON, docs/manifest.md).',
    helpGroup: 'MANIFEST',
  }),
  unmanaged: Flags.option({
    options: UNMANAGED_POLICIES,
    summary: "Loaded payloads the manifest does not name: leave them (keep) or revert and unload them (remove). Default: the manifest's `unmanaged` key, else keep.",
    helpGroup: 'MANIFEST',
  })(),
};
