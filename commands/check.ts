import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags } from '../cli/host-command.js';
import { manifestFlags } from '../cli/manifest-flags.js';
import { NAGIOS_HELP, nagiosFlag } from '../cli/nagios-flag.js';
import { ExitCode } from '../src/errors.js';
import { loadManifest } from '../src/manifest/index.js';
import type { CheckResult } from '../src/model/results.js';
import { checkResult, standing } from '../src/ops/desired/check.js';
import { renderCheck } from '../src/ui/desired-render.js';
import { checkVerdict } from '../src/ui/monitoring.js';
import { PayloadStore } from '../src/verify/store.js';

export default class Check extends HostCommand {
  static override summary = 'Tell whether the host carries exactly what the manifest says: exit 0, or 11 when it drifts.';
  static override description = `Compares the live host with the manifest's entry for its hypervisor build-id: each payload's presence, state, place in the applied stack and bytes (those xlp uploaded, by sha256). Every difference is listed (--json: "differences"). Loaded payloads the manifest does not name are drift only when the manifest removes them. A hypervisor build-id the manifest does not list is exit 15. Read-only: no lock, nothing journaled.

${NAGIOS_HELP} Drift is CRITICAL; a build-id the manifest does not list, like any other failure, UNKNOWN.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> -f site.yaml', '<%= config.bin %> <%= command.id %> -f site.yaml --json', '<%= config.bin %> <%= command.id %> -f site.yaml --nagios'];
  static override flags = { ...hostFlags, ...manifestFlags, ...nagiosFlag };

  async run(): Promise<CheckResult> {
    const { flags } = await this.parse(Check);
    const { manifest } = await loadManifest(flags.manifest, { keepBytes: 'none' });
    const places = this.places(flags);
    const backend = await this.connectHost(flags, places);
    const where = await standing(backend, new PayloadStore(backend.host, places.records), manifest, flags.unmanaged);
    const result = checkResult(backend.host, manifest, where);
    if (flags.nagios) {
      const verdict = checkVerdict(result, where.live.payloads);
      process.stdout.write(`${verdict.line}\n`);
      process.exitCode = verdict.exitCode;
      return result;
    }
    this.log(renderCheck(result));
    if (!result.inSync) process.exitCode = ExitCode.DRIFT;
    return result;
  }
}
