#!/usr/bin/env bash
# Reboots the running VM on the same session (the same persistent disk, the next console-N.log) and the
# same ssh port, and returns once dom0 is ready again:
#   (default)  graceful: `poweroff` in dom0, whose /init stops every process and unmounts the disk; QEMU
#              exits; QEMU is started again
#   --crash    QEMU is killed (SIGKILL) with no warning to dom0, then started again: what dom0 had not
#              written to the disk is lost, and ext4 replays its journal at the next mount
#   --crash-at REGEX   a crash in the middle of the next boot: QEMU is started, killed (SIGKILL) as soon
#              as a console line matches REGEX (grep -E; e.g. a line the boot unit prints), and started
#              once more; the boot is refused (QEMU killed, exit 1) if dom0 gets ready with no such line
#   --dom0-args ARGS   more dom0 kernel command-line arguments for the boots this starts (not later ones)
#   --wait S   passed to boot.sh;  --down-wait S   how long a graceful poweroff may take (default 120)
# Prints boot.sh's KEY=VALUE lines of the last boot, then XEN_VM_SHUTDOWN (graceful or crash),
# XEN_VM_DOWN_SECONDS (the request to QEMU's exit), XEN_VM_REBOOT_SECONDS (the request to dom0 ready
# again) and, with --crash-at, XEN_VM_CRASHED_BOOT_NUMBER, XEN_VM_CRASHED_CONSOLE (that boot's log) and
# XEN_VM_CRASHED_AFTER_SECONDS (its QEMU start to the kill).
# Usage: reboot.sh [--xen 4.17|4.20] [--crash] [--crash-at REGEX] [--dom0-args ARGS] [--wait S] [--down-wait S]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

mode=graceful
down_wait=120
crash_at=''
boot_args=()
while (($#)); do
  case $1 in
    --crash) mode=crash; shift ;;
    --crash-at) crash_at=$2; shift 2 ;;
    --dom0-args) boot_args+=(--dom0-args "$2"); shift 2 ;;
    --wait) boot_args+=(--wait "$2"); shift 2 ;;
    --down-wait) down_wait=$2; shift 2 ;;
    *) die "unknown argument $1 (usage: reboot.sh [--xen 4.17|4.20] [--crash] [--crash-at REGEX] [--dom0-args ARGS] [--wait S] [--down-wait S])" ;;
  esac
done

pidfile=$XEN_VM_RUN/qemu.pid
[[ -f $pidfile && -f $XEN_VM_RUN/vm.env ]] || die 'no VM running (scripts/xen-vm/boot.sh starts one)'
pid=$(cat "$pidfile")
is_qemu() { [[ $(cat "/proc/${1:-$pid}/comm" 2>/dev/null) == qemu-system-* ]]; }
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

env_file=$XEN_VM_DIR/reboot.env
crashed=()
if [[ -n $crash_at ]]; then
  bash "$HERE/boot.sh" --xen "$XLP_XEN_VERSION" --port "$port" --no-wait "${boot_args[@]}" > "$env_file"
  crashed_console=$(sed -n 's/^XEN_VM_CONSOLE=//p' "$env_file")
  crashed_number=$(sed -n 's/^XEN_VM_BOOT_NUMBER=//p' "$env_file")
  crashed_pid=$(sed -n 's/^XEN_VM_PID=//p' "$env_file")
  boot_started=$(now)
  deadline=$(( $(date +%s) + 180 + XEN_VM_UNIT_TIMEOUT ))
  until grep -qE -e "$crash_at" "$crashed_console"; do
    is_qemu "$crashed_pid" || die "QEMU exited before its console showed /$crash_at/ (console: $crashed_console)"
    if grep -q "^$XEN_VM_READY_MARKER" "$crashed_console" || (( $(date +%s) > deadline )); then
      kill -KILL "$crashed_pid" 2>/dev/null || true
      die "dom0 got ready, or the wait ran out, with no console line matching /$crash_at/: QEMU killed (console: $crashed_console)"
    fi
    sleep 0.05
  done
  kill -KILL "$crashed_pid"
  crashed_after=$(since "$boot_started")
  while is_qemu "$crashed_pid"; do sleep 0.05; done
  log "boot $crashed_number crashed (QEMU killed) ${crashed_after}s after its start, at a console line matching /$crash_at/; booting again"
  crashed=(
    "XEN_VM_CRASHED_BOOT_NUMBER=$crashed_number"
    "XEN_VM_CRASHED_CONSOLE=$crashed_console"
    "XEN_VM_CRASHED_AFTER_SECONDS=$crashed_after"
  )
fi

bash "$HERE/boot.sh" --xen "$XLP_XEN_VERSION" --port "$port" "${boot_args[@]}" > "$env_file"
cat "$env_file"
rm -f "$env_file"
{
  printf 'XEN_VM_SHUTDOWN=%s\n' "$mode"
  printf 'XEN_VM_DOWN_SECONDS=%s\n' "$down_seconds"
  printf 'XEN_VM_REBOOT_SECONDS=%s\n' "$(since "$started")"
  ((${#crashed[@]} == 0)) || printf '%s\n' "${crashed[@]}"
} | tee -a "$XEN_VM_RUN/vm.env"
