/** xlp boot enable|disable|status: the unit the package ships, installed on the host (src/ops/boot/unit.ts). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, XlpError } from '../src/errors.js';
import { escapeText } from '../src/model/text.js';
import { bootUnit, SYSTEM_UNIT_DIR, UNIT_NAME, type UnitAction, type UnitStatus } from '../src/ops/boot/unit.js';
import { HostCommand, hostFlags } from './host-command.js';

export const bootUnitFlags = hostFlags;

export abstract class BootUnitCommand extends HostCommand {
  protected async unit(flags: Parameters<HostCommand['places']>[0], action: UnitAction): Promise<UnitStatus> {
    const places = this.places(flags);
    const file = join(this.config.root, 'systemd', UNIT_NAME);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new XlpError('boot-unit', ExitCode.FAILED, `cannot read the boot unit this xlp ships (${file}): ${error.code ?? error.message}`, { hint: 'reinstall xlp' });
    });
    const backend = await this.connectHost(flags, places);
    // The simulated host keeps its unit in its own directory; systemd is never told of it.
    const sim = places.simState !== undefined;
    const status = await bootUnit(backend, action, text, sim ? { dir: join(places.kept, 'systemd', 'system'), manage: false } : { dir: SYSTEM_UNIT_DIR, manage: true });
    this.log(renderUnit(status));
    return status;
  }
}

function renderUnit(s: UnitStatus): string {
  const state = !s.installed ? 'not installed' : s.current ? 'installed' : 'installed, but not the unit this xlp ships (run xlp boot enable to replace it)';
  const systemd = s.systemd ? `; systemd: ${s.enabled ?? '?'}, ${s.active ?? '?'}` : s.installed ? '; systemd does not run this host: its init must run the unit itself' : '';
  return `${UNIT_NAME} on ${escapeText(s.host)}: ${state} (${escapeText(s.file)})${systemd}`;
}
