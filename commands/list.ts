import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags, timeoutFlag } from '../cli/host-command.js';
import type { ListResult } from '../src/model/results.js';
import { listPayloads } from '../src/ops/list.js';
import { renderList } from '../src/ui/render.js';
import { PayloadStore } from '../src/verify/store.js';

export default class List extends HostCommand {
  static override summary = 'List the payloads loaded in the hypervisor and their state.';
  static override description = `Payloads are listed in upload order. STATE is CHECKED (uploaded) or APPLIED; LAST ERROR is the result of the last action on the payload; BUILD-ID is the payload's, where xlp uploaded it. Then the patch level: the applied payloads in the order xlp applied them (the top of the stack last), those applied outside xlp, and the XSA/CVE advisories their .modinfo names. While Xen answers EBUSY (another toolstack's live-patch action), the list is asked again until --timeout runs out (then exit 5).

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --backend sim', '<%= config.bin %> <%= command.id %> --timeout 5'];
  static override flags = { ...hostFlags, ...timeoutFlag };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const places = this.places(flags);
    const backend = await this.connectHost(flags, places);
    const timeoutMs = this.settings(flags).get('host.timeout').value * 1000;
    const result = await listPayloads(backend, { records: new PayloadStore(backend.host, places.records), inProgress: await this.runInProgress(places, backend), timeoutMs });
    this.log(renderList(result));
    return result;
  }
}
