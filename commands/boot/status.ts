import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { BootUnitCommand, bootUnitFlags } from '../../cli/boot-unit-command.js';
import type { UnitStatus } from '../../src/ops/boot/unit.js';

export default class BootStatus extends BootUnitCommand {
  static override summary = 'Tell whether the boot unit is installed on the host, whether it is the one this xlp ships, and what systemd says of it.';
  static override description = `Reads /etc/systemd/system/xlp-boot.service on the host (with --host over ssh) and, where systemd runs the host, systemctl is-enabled and is-active. Changes nothing. What boot did at the last start is in xlp status.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = bootUnitFlags;

  async run(): Promise<UnitStatus> {
    const { flags } = await this.parse(BootStatus);
    return this.unit(flags, 'status');
  }
}
