import * as Flags from '@oclif/core/flags';
import { fileArg } from '../cli/args.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags } from '../cli/host-command.js';
import { BACKEND_KINDS, type BackendKind } from '../src/host/options.js';
import { ExitCode } from '../src/errors.js';
import { readPayloadFile } from '../src/payload/read-file.js';
import { forecastLoad } from '../src/ops/forecast.js';
import { hypervisorBuildId } from '../src/verify/host-view.js';
import { inspectReport, renderInspect, type InspectReport } from '../src/verify/inspect.js';

export default class Inspect extends HostCommand {
  static override summary = 'Show what a payload file contains and whether Xen would accept it.';
  static override description = `Reads the file only: build-id, the build-ids it depends on, the functions it patches, hooks, .modinfo (XSA and CVE entries first), sections, size and sha256, and everything a Xen 4.14+ hypervisor would refuse. With --backend or --host it also tells whether \`xlp load FILE\` would succeed on that host now: the load's own checks, run as a dry run (build-ids, the applied stack, xlp's policy), changing nothing. Exits 0 when the payload is acceptable, 8 when Xen would refuse the file, and the load's own exit code when the host would refuse it now (the report is printed either way).

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> ./xsa-466.livepatch', '<%= config.bin %> <%= command.id %> ./xsa-466.livepatch --json', '<%= config.bin %> <%= command.id %> ./xsa-466.livepatch --host root@dom0'];
  static override args = { file: fileArg };
  static override flags = {
    ...hostFlags,
    // No default: inspect touches a host only when asked to.
    backend: Flags.option({
      options: BACKEND_KINDS,
      env: 'XLP_BACKEND',
      summary: "Also compare with this host's build-id: the real tools, or xlp's simulated Xen host.",
      helpGroup: 'HOST',
    })(),
  };

  async run(): Promise<InspectReport> {
    const { args, flags } = await this.parse(Inspect);
    const { info } = await readPayloadFile(args.file);
    const onHost =
      flags.backend === undefined && flags.host === undefined
        ? undefined
        : await this.rehearse({ ...flags, backend: flags.backend ?? ('xen-livepatch' as BackendKind) }, async (session) => ({
            host: session.backend.host,
            xenBuildId: await hypervisorBuildId(session.backend),
            load: await forecastLoad(session, args.file),
          }));
    const report = inspectReport(args.file, info, onHost);
    this.log(renderInspect(report));
    if (!report.acceptable) process.exitCode = info.problems.length > 0 || info.defects.length > 0 ? ExitCode.INVALID_PAYLOAD : (onHost?.load.refusal?.exitCode ?? ExitCode.INVALID_PAYLOAD);
    return report;
  }
}
