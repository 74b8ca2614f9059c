import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, HostCommand, hostFlags } from '../cli/host-command.js';
import { manifestFlags } from '../cli/manifest-flags.js';
import { policyFlags, verifyOptions } from '../cli/verify-flags.js';
import { loadManifest } from '../src/manifest/index.js';
import type { SyncResult } from '../src/model/results.js';
import { readSavedPlan } from '../src/ops/desired/plan-file.js';
import { syncHost } from '../src/ops/desired/sync.js';
import { renderSync } from '../src/ui/desired-render.js';

export default class Sync extends HostCommand {
  static override summary = 'Take the host to the manifest: verify every file, then carry out the plan in one session, journaled step by step.';
  static override description = `Every payload file is verified first (its sha256 as the manifest says, the signature policy) and kept on the host (/var/lib/xlp/payloads/<sha256>, so that xlp boot can re-apply without the manifest). Then the plan's steps run under one host lock, each journaled; after each apply, the payload's health probes run, and one that fails reverts it (exit 14). The first failure stops the sync, which then undoes its steps where Xen allows and says in which state it left the host. A second sync changes nothing. A stop request (Ctrl-C) ends the step under way and stops: run the sync again to finish.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> -f site.yaml', '<%= config.bin %> <%= command.id %> -f site.yaml --dry-run', '<%= config.bin %> <%= command.id %> -f site.yaml --plan site.plan.json'];
  static override flags = {
    ...hostFlags,
    ...changeFlags,
    ...manifestFlags,
    ...policyFlags,
    plan: Flags.string({ summary: 'Carry out this plan saved by xlp plan --out, only if the host is still where it was then.', helpGroup: 'MANIFEST' }),
  };

  async run(): Promise<SyncResult> {
    const { flags } = await this.parse(Sync);
    const [loaded, saved] = await Promise.all([loadManifest(flags.manifest), flags.plan === undefined ? undefined : readSavedPlan(flags.plan)]);
    const result = await this.withSession(flags, (session) =>
      syncHost(session, { loaded, ...(flags.unmanaged === undefined ? {} : { unmanaged: flags.unmanaged }), ...(saved === undefined ? {} : { saved }), verify: verifyOptions({ ...flags, 'skip-preflight': false }, this.signaturePolicy(flags)) }),
    );
    this.log(renderSync(result));
    return result;
  }
}
