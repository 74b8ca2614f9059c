/**
 * `xlp boot enable|disable|status`: the boot unit the package ships (systemd/xlp-boot.service),
 * installed on the host (locally, over ssh, or into the simulated host's own directory) by one POSIX
 * shell script run as an argument vector through the backend: the file written under a temporary
 * name, 0644, synced and renamed into place (never through a symlink); `systemctl daemon-reload` and
 * `enable`/`disable` when systemd runs the host, nothing more where it does not (a busybox dom0 whose
 * init reads the unit itself).
 */
import type { Backend } from '../../host/backend.js';
import { ExitCode, XlpError } from '../../errors.js';

export const UNIT_NAME = 'xlp-boot.service';
export const SYSTEM_UNIT_DIR = '/etc/systemd/system';
const SCRIPT_TIMEOUT_MS = 60_000;

/** $1 action, $2 unit directory, $3 yes = let systemd know, $4 the unit's text. Prints key=value lines. */
export const UNIT_SCRIPT = `set -eu
action=$1 dir=$2 manage=$3 unit=${UNIT_NAME}
file="$dir/$unit"
systemd=no
if [ "$manage" = yes ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then systemd=yes; fi
case $action in
enable)
  mkdir -p -- "$dir"
  if [ -L "$dir" ] || [ -L "$file" ]; then echo "xlp-unit: $file or its directory is a symlink" >&2; exit 87; fi
  tmp=$(mktemp "$dir/.xlp-unit.XXXXXXXX")
  trap 'rm -f -- "$tmp"' EXIT
  printf '%s' "$4" > "$tmp"
  chmod 644 -- "$tmp"
  sync
  mv -f -- "$tmp" "$file"
  trap - EXIT
  if [ $systemd = yes ]; then systemctl daemon-reload; systemctl enable -- "$unit" >/dev/null 2>&1 || systemctl enable -- "$unit"; fi
  ;;
disable)
  if [ $systemd = yes ] && [ -e "$file" ]; then systemctl disable -- "$unit" >/dev/null 2>&1 || systemctl disable -- "$unit"; fi
  rm -f -- "$file"
  if [ $systemd = yes ]; then systemctl daemon-reload; fi
  ;;
status) ;;
*) echo "xlp-unit: unknown action $action" >&2; exit 2 ;;
esac
installed=no current=no
if [ -f "$file" ] && [ ! -L "$file" ]; then
  installed=yes
  if [ "$(cat -- "$file")" = "$(printf '%s' "$4")" ]; then current=yes; fi
fi
echo "file=$file"
echo "installed=$installed"
echo "current=$current"
echo "systemd=$systemd"
if [ $systemd = yes ]; then
  echo "enabled=$(systemctl is-enabled -- "$unit" 2>/dev/null || true)"
  echo "active=$(systemctl is-active -- "$unit" 2>/dev/null || true)"
fi`;

export type UnitAction = 'enable' | 'disable' | 'status';

export interface UnitStatus {
  readonly host: string;
  readonly file: string;
  readonly installed: boolean;
  /** The installed file is the unit this xlp ships. */
  readonly current: boolean;
  /** systemd runs the host: it was told (daemon-reload, enable/disable). */
  readonly systemd: boolean;
  /** `systemctl is-enabled` / `is-active`, when systemd runs the host. */
  readonly enabled?: string;
  readonly active?: string;
}

export interface UnitPlace {
  /** Where the unit goes: /etc/systemd/system, or the simulated host's own directory. */
  readonly dir: string;
  /** Tell systemd (never for the simulated host: its directory is not the machine's). */
  readonly manage: boolean;
}

export async function bootUnit(backend: Backend, action: UnitAction, unitText: string, place: UnitPlace): Promise<UnitStatus> {
  const run = await backend.probe(['/bin/sh', '-c', UNIT_SCRIPT, 'xlp-unit', action, place.dir, place.manage ? 'yes' : 'no', unitText], SCRIPT_TIMEOUT_MS);
  if (run.exitCode !== 0) {
    const why = run.timedOut ? `it did not end within ${SCRIPT_TIMEOUT_MS / 1000} s` : (run.stderr.trim().split('\n').at(-1) ?? '') || `exit ${run.exitCode ?? 'unknown'}`;
    throw new XlpError('boot-unit', ExitCode.FAILED, `cannot ${action === 'status' ? 'read' : action} the boot unit ${UNIT_NAME} on ${backend.host}: ${why}`, {
      hint: action === 'status' ? 'check that the host has a POSIX shell' : `run as root on the host (it writes ${place.dir}/${UNIT_NAME})`,
    });
  }
  const values = new Map(run.stdout.split('\n').flatMap((line) => {
    const at = line.indexOf('=');
    return at > 0 ? [[line.slice(0, at), line.slice(at + 1)] as const] : [];
  }));
  return {
    host: backend.host,
    file: values.get('file') ?? `${place.dir}/${UNIT_NAME}`,
    installed: values.get('installed') === 'yes',
    current: values.get('current') === 'yes',
    systemd: values.get('systemd') === 'yes',
    ...(values.has('enabled') ? { enabled: values.get('enabled') } : {}),
    ...(values.has('active') ? { active: values.get('active') } : {}),
  };
}
