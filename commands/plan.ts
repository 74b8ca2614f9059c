import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags } from '../cli/host-command.js';
import { manifestFlags } from '../cli/manifest-flags.js';
import { loadManifest } from '../src/manifest/index.js';
import type { PlanResult } from '../src/model/results.js';
import { planResult, standing } from '../src/ops/desired/check.js';
import { writeSavedPlan } from '../src/ops/desired/plan-file.js';
import { renderPlan } from '../src/ui/desired-render.js';
import { PayloadStore } from '../src/verify/store.js';

export default class Plan extends HostCommand {
  static override summary = 'Show the exact steps that take the host to the manifest, by Xen’s rules; change nothing.';
  static override description = `The steps follow Xen's rules: only the top of the applied stack can be reverted (to change a payload below the top, the ones above are reverted and applied again), each payload applies on the one below it, a CHECKED payload the manifest does not want is unloaded, and a reverted payload with writable data is unloaded and uploaded again before it is applied. With --out, the plan is saved with the live state it starts from: xlp sync --plan carries it out, and refuses it if the host has changed since. Read-only: no lock, nothing journaled.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> -f site.yaml', '<%= config.bin %> <%= command.id %> -f site.yaml --out site.plan.json'];
  static override flags = {
    ...hostFlags,
    ...manifestFlags,
    out: Flags.string({ summary: 'Save the plan, with the live state it starts from, to this file (0600) for xlp sync --plan.', helpGroup: 'MANIFEST' }),
  };

  async run(): Promise<PlanResult> {
    const { flags } = await this.parse(Plan);
    const { manifest } = await loadManifest(flags.manifest, { keepBytes: 'none' });
    const places = this.places(flags);
    const backend = await this.connectHost(flags, places);
    const now = await standing(backend, new PayloadStore(backend.host, places.records), manifest, flags.unmanaged);
    const savedTo = flags.out === undefined ? null : await writeSavedPlan(flags.out, now);
    const result = planResult(backend, manifest, now, savedTo);
    this.log(renderPlan(result));
    return result;
  }
}
