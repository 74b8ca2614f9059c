import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { BootUnitCommand, bootUnitFlags } from '../../cli/boot-unit-command.js';
import type { UnitStatus } from '../../src/ops/boot/unit.js';

export default class BootDisable extends BootUnitCommand {
  static override summary = 'Remove the boot unit from the host: it no longer re-applies at boot (systemctl disable first where systemd runs).';
  static override description = `Disables (where systemd runs the host) and removes /etc/systemd/system/xlp-boot.service. Nothing loaded is touched. To skip one boot only, put xlp.enable=0 on the kernel command line; to stop boot from applying for a while without removing the unit, create /etc/xlp/boot-disabled (docs/boot.md).

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  static override flags = bootUnitFlags;

  async run(): Promise<UnitStatus> {
    const { flags } = await this.parse(BootDisable);
    return this.unit(flags, 'disable');
  }
}
