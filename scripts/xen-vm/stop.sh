#!/usr/bin/env bash
# Ends the VM boot.sh started: `poweroff` in dom0 (its /init stops every process and unmounts the
# persistent disk, then Xen makes QEMU exit), else SIGTERM then SIGKILL to QEMU's own pid, and only that
# pid. Safe to run when no VM is running. The session (disk, console logs) stays for the next boot.sh.
# Usage: stop.sh [--xen 4.17|4.20]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pidfile=$XEN_VM_RUN/qemu.pid
[[ -f $pidfile ]] || { log 'no VM running'; exit 0; }
pid=$(cat "$pidfile")
is_qemu() { [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-* ]]; }
wait_gone() {
  local _
  for _ in $(seq "$1"); do is_qemu || return 0; sleep 0.1; done
  return 1
}

if is_qemu && [[ -f $XEN_VM_RUN/ssh_config ]]; then
  # The ssh client exits 255 ("closed by remote host"): that is the expected end.
  timeout 10 ssh -F "$XEN_VM_RUN/ssh_config" xlp-xen-vm poweroff >/dev/null 2>&1 || true
fi
if ! wait_gone 300; then
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone 50 || kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
log "VM stopped (QEMU pid $pid)"
