#!/usr/bin/env bash
# Reboots the running VM on the same session (the same persistent disk, the next console-N.log) and the
# same ssh port, and returns once dom0 is ready again:
#   (default)  graceful: `poweroff` in dom0, whose /init stops every process and unmounts the disk; QEMU
#              exits; QEMU is started again
#   --crash    QEMU is killed (SIGKILL) with no warning to dom0, then started again: what dom0 had not
#              written to the disk is lost, and ext4 replays its journal at the next mount
#   --dom0-args ARGS   more dom0 kernel command-line arguments for the next boot only
#   --wait S   passed to boot.sh;  --down-wait S   how long a graceful poweroff may take (default 120)
# Prints boot.sh's KEY=VALUE lines, then XEN_VM_SHUTDOWN (graceful or crash), XEN_VM_DOWN_SECONDS (the
# request to QEMU's exit) and XEN_VM_REBOOT_SECONDS (the request to dom0 ready again).
# Usage: reboot.sh [--xen 4.17|4.20] [--crash] [--dom0-args ARGS] [--wait S] [--down-wait S]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

mode=graceful
down_wait=120
boot_args=()
while (($#)); do
  case $1 in
    --crash) mode=crash; shift ;;
    --dom0-args) boot_args+=(--dom0-args "$2"); shift 2 ;;
    --wait) boot_args+=(--wait "$2"); shift 2 ;;
    --down-wait) down_wait=$2; shift 2 ;;
    *) die "unknown argument $1 (usage: reboot.sh [--xen 4.17|4.20] [--crash] [--dom0-args ARGS] [--wait S] [--down-wait S])" ;;
  esac
done

pidfile=$XEN_VM_RUN/qemu.pid
[[ -f $pidfile && -f $XEN_VM_RUN/vm.env ]] || die 'no VM running (scripts/xen-vm/boot.sh starts one)'
pid=$(cat "$pidfile")
is_qemu() { [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-* ]]; }
is_qemu || die "no VM running (QEMU pid $pid is gone)"
port=$(sed -n 's/^XEN_VM_PORT=//p' "$XEN_VM_RUN/vm.env")
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

started=$(now)
if [[ $mode == crash ]]; then
  kill -KILL "$pid"
  while is_qemu; do sleep 0.05; done
else
  # The ssh client exits 255 when dom0 closes the session: that is the expected end.
  timeout 30 ssh -F "$XEN_VM_RUN/ssh_config" xlp-xen-vm poweroff >/dev/null 2>&1 || true
  deadline=$(( $(date +%s) + down_wait ))
  while is_qemu; do
    if (( $(date +%s) > deadline )); then
      kill -KILL "$pid" 2>/dev/null || true
      tail -n 20 "$XEN_VM_RUN/console.log" >&2
      die "dom0 did not power off within ${down_wait}s: QEMU killed (console: $(readlink -f "$XEN_VM_RUN/console.log"))"
    fi
    sleep 0.1
  done
fi
down_seconds=$(since "$started")
log "$mode shutdown: QEMU gone after ${down_seconds}s; booting again on port $port"

bash "$HERE/boot.sh" --xen "$XLP_XEN_VERSION" --port "$port" "${boot_args[@]}" > "$XEN_VM_RUN.reboot-env"
cat "$XEN_VM_RUN.reboot-env"
rm -f "$XEN_VM_RUN.reboot-env"
{
  printf 'XEN_VM_SHUTDOWN=%s\n' "$mode"
  printf 'XEN_VM_DOWN_SECONDS=%s\n' "$down_seconds"
  printf 'XEN_VM_REBOOT_SECONDS=%s\n' "$(since "$started")"
} | tee -a "$XEN_VM_RUN/vm.env"
