import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, hostFlags } from '../cli/host-command.js';
import { listPayloads, type ListResult } from '../src/ops/list.js';
import { renderList } from '../src/ui/render.js';

export default class List extends HostCommand {
  static override summary = 'List the payloads loaded in the hypervisor and their state.';
  static override description = `Payloads are listed in upload order. STATE is CHECKED (uploaded) or APPLIED; LAST ERROR is the result of the last action on the payload.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --backend sim'];
  static override flags = { ...hostFlags };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const { backend, runner } = await this.connectHost(flags);
    const result = await listPayloads(backend, runner.target);
    this.log(renderList(result));
    return result;
  }
}
