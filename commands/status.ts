import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { auditLogFlag, HostCommand, hostFlags, timeoutFlag } from '../cli/host-command.js';
import { NAGIOS_HELP, nagiosFlag } from '../cli/nagios-flag.js';
import type { StatusResult } from '../src/audit/status.js';
import { PayloadStore } from '../src/verify/store.js';
import { bootStanding } from '../src/ops/boot/standing.js';

export default class Status extends HostCommand {
  static override summary = 'Show what is patched on the host, where it came from, and what does not add up.';
  static override description = `Each loaded payload with its state, joined with the audit journal: sha256 and build-id of the uploaded bytes, uploaded and applied when and by whom, and the XSA/CVE keys of its .modinfo. Then the patch level (the apply order, the top of the stack, the advisories applied), boot's standing (the kill switch, the crash-loop guard: CRITICAL while it holds a payload back, the last boot's decision) and everything that does not add up: payloads loaded outside xlp, payloads the journal expects but the hypervisor does not list, states changed outside xlp, CHECKED payloads nothing applies any more, operations that were interrupted, a broken journal. Read-only: it takes no lock and changes nothing. While Xen answers EBUSY, the list is asked again until --timeout runs out (then exit 5, or UNKNOWN with --nagios).

${NAGIOS_HELP}

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --nagios', '<%= config.bin %> <%= command.id %> --host root@dom0.example.org'];
  static override flags = { ...hostFlags, ...timeoutFlag, ...auditLogFlag, ...nagiosFlag };

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const places = this.places(flags);
    const backend = await this.connectHost(flags, places);
    const [{ hostStatus }, { renderStatus }, { statusVerdict }, { listWhenFree }] = await Promise.all([
      import('../src/audit/status.js'),
      import('../src/ui/audit-render.js'),
      import('../src/ui/monitoring.js'),
      import('../src/ops/list.js'),
    ]);
    const running = await this.runInProgress(places, backend);
    const live = await listWhenFree(backend, this.settings(flags).get('host.timeout').value * 1000);
    // Read-only: xlp's record as it is (no build-id from the hypervisor to reconcile with); one that
    // cannot be read vouches for nothing.
    const record = await new PayloadStore(backend.host, places.records).read().catch(() => undefined);
    const { lastBoot, ...found } = await hostStatus(backend.host, live, places.journal, record, running);
    // The kill switch is read on this machine: for a remote host it is that host's to tell.
    const remote = this.settings(flags).get('host.host')?.value !== undefined;
    const boot = await bootStanding(backend, remote ? undefined : places.proc, lastBoot, (message) => this.notice(message));
    const result = { ...found, boot };
    if (flags.nagios) {
      const verdict = statusVerdict(result);
      process.stdout.write(`${verdict.line}\n`);
      process.exitCode = verdict.exitCode;
    } else this.log(renderStatus(result));
    return result;
  }
}
