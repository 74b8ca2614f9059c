#!/usr/bin/env bash
# Boots the built hypervisor + dom0 under QEMU (TCG) in the background, under `timeout`, with dom0's ssh
# port forwarded to 127.0.0.1 only, and returns once dom0 printed its ready marker (dropbear listening).
# Prints KEY=VALUE lines (XEN_VM_XEN, XEN_VM_PORT, XEN_VM_PID, XEN_VM_SSH_CONFIG, XEN_VM_BUILD_ID,
# XEN_VM_CONSOLE, XEN_VM_BOOT_SECONDS, XEN_VM_BOOT_NUMBER, XEN_VM_DISK, XEN_VM_DOM0_CMDLINE) on stdout;
# scripts/xen-vm/stop.sh ends the VM, scripts/xen-vm/reboot.sh reboots it.
# A session ($XEN_VM_SESSION) is what outlives a boot: the VM's persistent disk (disk.img, a copy of
# build-disk.sh's template, for versions that have one) and each boot's console log (console-N.log).
#   --fresh            start a new session: a new copy of the disk template, the console logs cleared
#                      (without it the session's disk is kept; a missing one is made fresh)
#   --dom0-args ARGS   more dom0 kernel command-line arguments for this boot only, e.g. 'xlp.enable=0'
#   --no-wait          return once QEMU runs, without waiting for dom0 (XEN_VM_BOOT_SECONDS is then empty)
# Usage: boot.sh [--xen 4.17|4.20] [--fresh] [--dom0-args ARGS] [--no-wait] [--port N] [--lifetime SECONDS] [--wait SECONDS]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=''
lifetime=1800  # QEMU is killed by timeout after this, whatever happens to the caller
# dom0 ready: about 20 s, 40 s under load; a boot unit may take up to XEN_VM_UNIT_TIMEOUT more.
wait_seconds=$((180 + XEN_VM_UNIT_TIMEOUT))
fresh=''
dom0_args=''
no_wait=''
while (($#)); do
  case $1 in
    --port) port=$2; shift 2 ;;
    --lifetime) lifetime=$2; shift 2 ;;
    --wait) wait_seconds=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --dom0-args) dom0_args=$2; shift 2 ;;
    --no-wait) no_wait=1; shift ;;
    *) die "unknown argument $1 (usage: boot.sh [--xen 4.17|4.20] [--fresh] [--dom0-args ARGS] [--no-wait] [--port N] [--lifetime SECONDS] [--wait SECONDS])" ;;
  esac
done

[[ -f $XEN_VM_BUILD/build.stamp ]] || die "nothing built in $XEN_VM_BUILD: run fetch.sh and build-initramfs.sh first"
command -v qemu-system-x86_64 >/dev/null || die 'qemu-system-x86_64 is not installed (run scripts/xen-vm/fetch.sh as root)'
[[ $dom0_args != *$'\n'* ]] || die '--dom0-args must be one line'

qemu_alive() { [[ -f $XEN_VM_RUN/qemu.pid ]] && [[ $(cat "/proc/$(cat "$XEN_VM_RUN/qemu.pid")/comm" 2>/dev/null) == qemu-system-* ]]; }
if qemu_alive; then die "a VM is already running (pid $(cat "$XEN_VM_RUN/qemu.pid")): stop it with scripts/xen-vm/stop.sh"; fi
rm -rf "$XEN_VM_RUN"
install -d -m 0700 "$XEN_VM_RUN"

# --- the session: the persistent disk and the console logs -------------------------------------------
[[ -z $fresh ]] || rm -rf "$XEN_VM_SESSION"
mkdir -p "$XEN_VM_SESSION"
DISK=''
if [[ -n $XEN_VM_DISK_MB ]]; then
  DISK=$XEN_VM_SESSION/disk.img
  if [[ ! -f $DISK ]]; then
    [[ -f $XEN_VM_DISK_BUILD/template.img ]] || die "no disk template in $XEN_VM_DISK_BUILD: run build-disk.sh first"
    cp --sparse=always "$XEN_VM_DISK_BUILD/template.img" "$DISK.tmp"
    mv "$DISK.tmp" "$DISK"
    log "a fresh disk for this session: $DISK"
  fi
fi
boot_number=$(( $(cat "$XEN_VM_SESSION/boots" 2>/dev/null || echo 0) + 1 ))
printf '%s\n' "$boot_number" > "$XEN_VM_SESSION/boots"
CONSOLE=$XEN_VM_SESSION/console-$boot_number.log
ln -s "$CONSOLE" "$XEN_VM_RUN/console.log"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local candidate
  while :; do
    candidate=$((20000 + RANDOM % 40000))
    port_busy "$candidate" || { printf '%s\n' "$candidate"; return; }
  done
}

# Known to work on QEMU 7.2 TCG (see docs/real-xen.md): SMAP off or dom0 dies at its first iret; no Xen
# `noreboot`, so a crash reboots and -no-reboot ends QEMU; commas doubled inside -initrd only.
# One CPU: with two, a loaded host can starve one TCG vCPU past Xen's 30 ms quiesce rendezvous and an
# apply fails with EBUSY ("Timed out on semaphore in CPU quiesce phase"): real, but not deterministic.
# console_to_ring: what dom0 writes to its console (/dev/hvc0) also lands in Xen's ring (`xl dmesg`), so
# the differential test marks where each step's console lines begin without an `xl` run per step.
# The disk: virtio (/dev/vda in dom0), cache=unsafe: the host never syncs it, but every write dom0 issued
# is in the image file the moment QEMU has it, so a killed QEMU loses only what dom0 had not written yet
# (its own page cache), as a crashed host would.
XEN_CMDLINE='console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 loglvl=all guest_loglvl=all console_to_ring'
DOM0_CMDLINE="console=hvc0 earlyprintk=xen panic=-1 quiet${dom0_args:+ $dom0_args}"
DISK_ARGS=()
[[ -z $DISK ]] || DISK_ARGS=(-drive "file=${DISK//,/,,},if=virtio,format=raw,cache=unsafe")
start_qemu() {
  # Relative file names (cwd = the build dir) keep spaces and commas of the checkout path out of -initrd.
  (cd "$XEN_VM_BUILD" && exec setsid timeout --kill-after=10 "$lifetime" qemu-system-x86_64 \
    -machine q35,accel=tcg -cpu max,-smap -m 2048 -smp 1 \
    -nographic -no-reboot -serial stdio -monitor none \
    -pidfile "$XEN_VM_RUN/qemu.pid" \
    -kernel xen -append "$XEN_CMDLINE" \
    -initrd "vmlinuz ${DOM0_CMDLINE//,/,,},initramfs.cpio.gz" \
    "${DISK_ARGS[@]}" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$1-:22" -device e1000,netdev=n0 \
    </dev/null >"$CONSOLE" 2>&1) &
}

started=$(date +%s.%N)
for attempt in 1 2 3 4 5; do
  [[ -n $port && $attempt -gt 1 ]] && die "QEMU could not forward port $port: $(tail -n 3 "$CONSOLE")"
  use_port=${port:-$(pick_port)}
  rm -f "$XEN_VM_RUN/qemu.pid"
  start_qemu "$use_port"
  launcher=$!
  # QEMU writes its pid file once it runs; a port taken in the meantime makes it exit at once.
  for _ in $(seq 100); do
    [[ -s $XEN_VM_RUN/qemu.pid ]] && break
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -s $XEN_VM_RUN/qemu.pid ]] && qemu_alive; then break; fi
  wait "$launcher" 2>/dev/null || true
  grep -q 'host forwarding' "$CONSOLE" || die "QEMU did not start: $(tail -n 5 "$CONSOLE")"
  log "port $use_port was taken, trying another"
done
qemu_alive || die "QEMU did not start: $(tail -n 5 "$CONSOLE")"
QEMU_PID=$(cat "$XEN_VM_RUN/qemu.pid")

q() { printf '"%s"' "$1"; }
cat > "$XEN_VM_RUN/ssh_config" <<CONFIG
Host xlp-xen-vm 127.0.0.1
  HostName 127.0.0.1
  Port $use_port
  User root
  IdentityFile $(q "$XEN_VM_BUILD/client_key")
  IdentitiesOnly yes
  UserKnownHostsFile $(q "$XEN_VM_BUILD/known_hosts")
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  HostKeyAlias xlp-xen-vm
  BatchMode yes
  ConnectTimeout 20
  LogLevel ERROR
  # The tests' raw checks share one connection (xlp's own -o ControlPath comes first and wins).
  ControlMaster auto
  ControlPath $(q "$XEN_VM_RUN/cm")
  ControlPersist 60
CONFIG
chmod 0600 "$XEN_VM_RUN/ssh_config"

boot_seconds=''
if [[ -z $no_wait ]]; then
  deadline=$(( $(date +%s) + wait_seconds ))
  until grep -q "^$XEN_VM_READY_MARKER" "$CONSOLE"; do
    if ! qemu_alive; then
      tail -n 40 "$CONSOLE" >&2
      die "QEMU exited before dom0 was ready (console: $CONSOLE)"
    fi
    if (( $(date +%s) > deadline )); then
      tail -n 40 "$CONSOLE" >&2
      kill "$QEMU_PID" 2>/dev/null || true
      die "dom0 not ready after ${wait_seconds}s (console: $CONSOLE)"
    fi
    sleep 0.2
  done
  boot_seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
fi

{
  printf 'XEN_VM_XEN=%s\n' "$XLP_XEN_VERSION"
  printf 'XEN_VM_PORT=%s\n' "$use_port"
  printf 'XEN_VM_PID=%s\n' "$QEMU_PID"
  printf 'XEN_VM_SSH_CONFIG=%s\n' "$XEN_VM_RUN/ssh_config"
  printf 'XEN_VM_BUILD_ID=%s\n' "$(cat "$XEN_VM_BUILD/xen.build-id")"
  printf 'XEN_VM_CONSOLE=%s\n' "$CONSOLE"
  printf 'XEN_VM_BOOT_SECONDS=%s\n' "$boot_seconds"
  printf 'XEN_VM_BOOT_NUMBER=%s\n' "$boot_number"
  printf 'XEN_VM_DISK=%s\n' "$DISK"
  printf 'XEN_VM_DOM0_CMDLINE=%s\n' "$DOM0_CMDLINE"
} | tee "$XEN_VM_RUN/vm.env"
if [[ -n $no_wait ]]; then
  log "QEMU started on 127.0.0.1:$use_port (pid $QEMU_PID, boot $boot_number of the session); not waiting for dom0"
else
  log "dom0 ready after ${boot_seconds}s on 127.0.0.1:$use_port (QEMU pid $QEMU_PID, boot $boot_number of the session)"
fi
