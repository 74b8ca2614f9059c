import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { BootUnitCommand, bootUnitFlags } from '../../cli/boot-unit-command.js';
import type { UnitStatus } from '../../src/ops/boot/unit.js';

export default class BootEnable extends BootUnitCommand {
  static override summary = 'Install the boot unit (xlp-boot.service) on the host, so that it runs xlp boot when it starts.';
  static override description = `Writes the unit this xlp ships to /etc/systemd/system/xlp-boot.service on the host (0644; over ssh with --host), then, where systemd runs the host, systemctl daemon-reload and enable. Oneshot, ordered after Xen's init and before xendomains, without ExecStop (docs/boot.md). Run it again after upgrading xlp: xlp boot status says when the installed unit is not the one this xlp ships.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host root@dom0.example.org'];
  static override flags = bootUnitFlags;

  async run(): Promise<UnitStatus> {
    const { flags } = await this.parse(BootEnable);
    return this.unit(flags, 'enable');
  }
}
