import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags } from '../cli/host-command.js';
import type { ListResult } from '../src/model/results.js';
import { listPayloads } from '../src/ops/list.js';
import { renderList } from '../src/ui/render.js';
import { PayloadStore } from '../src/verify/store.js';

export default class List extends HostCommand {
  static override summary = 'List the payloads loaded in the hypervisor and their state.';
  static override description = `Payloads are listed in upload order. STATE is CHECKED (uploaded) or APPLIED; LAST ERROR is the result of the last action on the payload; BUILD-ID is the payload's, where xlp uploaded it. Then the patch level: the applied payloads in the order xlp applied them (the top of the stack last), those applied outside xlp, and the XSA/CVE advisories their .modinfo names.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --backend sim'];
  static override flags = { ...hostFlags };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const places = this.places(flags);
    const backend = await this.connectHost(flags, places);
    const result = await listPayloads(backend, new PayloadStore(backend.host, places.records), await this.runInProgress(places, backend));
    this.log(renderList(result));
    return result;
  }
}
