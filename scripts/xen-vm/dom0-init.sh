#!/bin/sh
# shellcheck shell=dash  # busybox ash: like dash, it has `local`
# /init of the test dom0 (copied into the initramfs by build-initramfs.sh; runs as PID 1 under busybox).
# Order matters and each step was seen to be needed: see docs/real-xen.md.
#   1. proc, sysfs, devtmpfs, devpts, tmpfs on /run and /tmp; the kernel modules; xenfs on /proc/xen
#   2. the persistent disk, if the VM has one (/dev/vda, ext4): mounted on $DISK, its state folders bound
#      at their own paths in dom0, its usr/ (Node.js, xlp) linked into /usr
#   3. xenstored and xen-init-dom0: the Xen drivers and /proc/xen are ready
#   4. the boot unit ($UNIT), if there is one: the command its ExecStart= lines give, as a systemd unit
#      ordered after Xen's init and before xendomains would run, under a timeout ($UNIT_TIMEOUT s at most)
#   5. dropbear, then the ready marker the host waits for
# `poweroff` (or `reboot`, `halt`) in dom0 signals this script, which stops every process, unmounts the
# disk and powers off: QEMU then exits (docs/real-xen.md, "Reboots").
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "dom0-init: $*"; }

DISK=/mnt/disk
# The disk's folders bound at the same path in dom0 (xlp refuses a symlinked state directory).
DISK_BINDS='etc/xlp etc/systemd/system var/lib/xlp var/log'
DISK_MOUNTED=''
UNIT=/etc/systemd/system/xlp-boot.service
UNIT_LOG=/var/log/xlp-boot-unit.log
UNIT_TIMEOUT=@UNIT_TIMEOUT@
UNIT_KILL_GRACE=5
UNIT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# --- shutdown: busybox's poweroff/halt send SIGUSR2/SIGUSR1 to PID 1, reboot SIGTERM ------------------
shutdown_dom0() {
  trap '' USR1 USR2 TERM
  say "$1 requested: stopping every process"
  kill -TERM -1 2>/dev/null
  sleep 1
  kill -KILL -1 2>/dev/null
  if [ -n "$DISK_MOUNTED" ]; then
    sync
    for dir in $DISK_BINDS; do umount "/$dir" 2>/dev/null; done
    if umount "$DISK"; then say "disk unmounted cleanly"; else mount -o remount,ro "$DISK" && say 'disk remounted read-only'; fi
  fi
  sync
  say "$1"
  # Under Xen a dom0 reboot reboots the machine, and QEMU's -no-reboot ends QEMU: either way QEMU exits.
  if [ "$1" = reboot ]; then reboot -f; else poweroff -f; fi
}
trap 'shutdown_dom0 poweroff' USR2
trap 'shutdown_dom0 poweroff' USR1
trap 'shutdown_dom0 reboot' TERM

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname xen-dom0
say "command line: $(cat /proc/cmdline)"

# Modules in dependency order (computed from each module's .modinfo at build time: no modules.dep here).
while read -r module; do
  insmod "/lib/modules/$module.ko" || say "insmod $module failed"
done < /etc/modules.order
mount -t xenfs xenfs /proc/xen || say 'mount xenfs failed'

# --- the persistent disk ---------------------------------------------------------------------------
# Every entry of folder $1 appears in folder $2: folders both have are merged, the rest linked (what dom0
# already has wins).
link_tree() {
  local entry target
  for entry in "$1"/* "$1"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    target="$2/${entry##*/}"
    if [ -d "$entry" ] && [ ! -L "$entry" ] && [ -d "$target" ] && [ ! -L "$target" ]; then
      link_tree "$entry" "$target"
    elif [ ! -e "$target" ] && [ ! -L "$target" ]; then
      ln -s "$entry" "$target"
    fi
  done
}
mount_disk() {
  local tries=0 dir
  grep -qx virtio_blk /etc/modules.order || return 0
  until [ -b /dev/vda ]; do
    tries=$((tries + 1)); [ "$tries" -gt 50 ] && { say 'no persistent disk (/dev/vda)'; return 0; }
    sleep 0.1
  done
  mkdir -p "$DISK"
  # A crash leaves the journal to replay: ext4 does it at mount.
  mount -t ext4 /dev/vda "$DISK" || { say 'cannot mount /dev/vda'; return 0; }
  DISK_MOUNTED=1
  for dir in $DISK_BINDS; do
    mkdir -p "$DISK/$dir" "/$dir"
    mount --bind "$DISK/$dir" "/$dir" || say "cannot bind $DISK/$dir on /$dir"
  done
  [ -d "$DISK/usr" ] && link_tree "$DISK/usr" /usr
  say "disk /dev/vda mounted on $DISK ($(cat "$DISK/xlp-disk" 2>/dev/null))"
}
mount_disk

# xen-livepatch needs only privcmd; xl also needs xenstored and the dom0 entries xen-init-dom0 writes.
mkdir -p /run/xen /run/xenstored
xenstored --pid-file /run/xenstored.pid || say 'xenstored failed'
xen-init-dom0 || say 'xen-init-dom0 failed'

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2

# --- the boot unit ---------------------------------------------------------------------------------
# Reads $UNIT the way systemd would for what matters here, and prints one line per fact:
#   exec CMD         an ExecStart= line of [Service] (an empty ExecStart= clears the list)
#   env WORDS        an Environment= line (an empty one clears the list)
#   timeout SECONDS  TimeoutStartSec= (or TimeoutSec=) in seconds; -1: none or infinity; -2: unreadable
#   note TEXT        a setting this init does not honour
# Comments (# ;), sections and backslash continuations are understood; specifiers (%n...) are not.
parse_unit() {
  awk '
    function seconds(v,   total, part, unit) {
      if (v == "" || v == "infinity") return -1
      total = 0
      while (match(v, /^[ \t]*[0-9.]+[ \t]*[a-z]*/)) {
        part = substr(v, RSTART, RLENGTH); v = substr(v, RSTART + RLENGTH)
        unit = part; gsub(/[^a-z]/, "", unit)
        if (unit == "" || unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") total += part + 0
        else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") total += (part + 0) * 60
        else if (unit == "h" || unit == "hr" || unit == "hour" || unit == "hours") total += (part + 0) * 3600
        else if (unit == "ms" || unit == "msec") total += (part + 0) / 1000
        else return -2
      }
      if (v !~ /^[ \t]*$/) return -2
      return total == int(total) ? total : int(total) + 1
    }
    { sub(/\r$/, "") }
    cont != "" { $0 = cont $0; cont = "" }
    /\\$/ { cont = substr($0, 1, length($0) - 1) " "; next }
    /^[ \t]*([#;]|$)/ { next }
    /^[ \t]*\[/ { section = $0; gsub(/[ \t]/, "", section); next }
    {
      eq = index($0, "="); if (!eq) next
      key = substr($0, 1, eq - 1); value = substr($0, eq + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", key); gsub(/^[ \t]+|[ \t]+$/, "", value)
      if (section == "[Service]" && key == "ExecStart") { if (value == "") n = 0; else exec[++n] = value; next }
      if (section == "[Service]" && key == "Environment") { if (value == "") m = 0; else env[++m] = value; next }
      if (section == "[Service]" && (key == "TimeoutStartSec" || key == "TimeoutSec")) { timeout = seconds(value); hastimeout = 1; next }
      if (section == "[Service]" && key == "Type" && value == "oneshot") next
      if (key ~ /^(Description|Documentation|After|Before|Wants|Requires|WantedBy|RequiredBy|RemainAfterExit|DefaultDependencies|Conflicts|PartOf)$/) next
      notes[++k] = section " " key "=" value
    }
    END {
      print "timeout " (hastimeout ? timeout : -1)
      for (i = 1; i <= m; i++) print "env " env[i]
      for (i = 1; i <= n; i++) print "exec " exec[i]
      for (i = 1; i <= k; i++) print "note " notes[i]
    }
  ' "$UNIT"
}
unit_say() {
  echo "xlp-boot-unit: $*"
  echo "xlp-boot-unit: $*" >> "$UNIT_LOG"
}
uptime_now() { local up rest; read -r up rest < /proc/uptime; echo "$up"; }
# Runs the unit's commands, in order, as one process group in a session of their own, with an
# environment like systemd's (PATH, LANG, Environment=), stdin /dev/null, stdout and stderr to the
# console and $UNIT_LOG. A command failing stops the rest unless its line starts with '-'. After the
# timeout the group gets SIGTERM, and SIGKILL $UNIT_KILL_GRACE s later.
run_boot_unit() {
  local parsed=/run/xlp-boot-unit.parsed script=/run/xlp-boot-unit.sh fifo=/run/xlp-boot-unit.fifo
  local flag=/run/xlp-boot-unit.timedout line kind rest cmd timeout=-1 started pid watchdog reader status result n=0 tries
  if [ ! -f "$UNIT" ]; then say "no $UNIT: nothing to run at boot"; return 0; fi
  parse_unit > "$parsed"
  set -- "PATH=$UNIT_PATH" LANG=C.UTF-8
  printf '# from %s\n' "$UNIT" > "$script"
  mkdir -p "${UNIT_LOG%/*}"
  unit_say "start $UNIT (boot $(cat /proc/sys/kernel/random/boot_id), uptime $(uptime_now) s, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  while IFS= read -r line; do
    kind=${line%% *}; rest=${line#* }
    case $kind in
      timeout) timeout=$rest ;;
      env) eval "set -- \"\$@\" $rest" ;;
      note) unit_say "not honoured here: $rest" ;;
      exec)
        n=$((n + 1))
        unit_say "ExecStart=$rest"
        # Prefixes: '-' ignores a failure; '+', '!', '!!' and ':' change nothing for root here; '@' is
        # not supported (its second word would become an argument).
        cmd=$(printf '%s' "$rest" | sed 's/^[-@+!:]*//')
        case ${rest%%"$cmd"} in
          *@*) unit_say "not honoured here: the '@' prefix" ;;
        esac
        case ${rest%%"$cmd"} in
          *-*) printf '%s\n' "$cmd" >> "$script" ;;
          *) printf '%s || exit $?\n' "$cmd" >> "$script" ;;
        esac ;;
    esac
  done < "$parsed"
  if [ "$n" = 0 ]; then unit_say "result: no ExecStart= in $UNIT, nothing run"; return 0; fi
  [ "$timeout" = -2 ] && unit_say 'not honoured here: a TimeoutStartSec= this init cannot read'
  if [ "$timeout" -le 0 ] || [ "$timeout" -gt "$UNIT_TIMEOUT" ]; then timeout=$UNIT_TIMEOUT; fi
  unit_say "timeout ${timeout} s"
  rm -f "$fifo" "$flag"
  mkfifo "$fifo"
  ( while IFS= read -r line || [ -n "$line" ]; do unit_say "| $line"; done < "$fifo" ) &
  reader=$!
  started=$(uptime_now)
  setsid env -i "$@" sh "$script" < /dev/null > "$fifo" 2>&1 &
  pid=$!
  # shellcheck disable=SC2016  # the watchdog's own arguments
  setsid sh -c 'sleep "$1" && : > "$3" && kill -TERM -"$2" && sleep "$4" && kill -KILL -"$2"' watchdog \
    "$timeout" "$pid" "$flag" "$UNIT_KILL_GRACE" 2>/dev/null &
  watchdog=$!
  wait "$pid"
  status=$?
  # After a timeout the whole group goes, as systemd stops a unit's cgroup: SIGTERM, then SIGKILL to what
  # is left once the grace is over, even if the main process already ended. Else the watchdog goes.
  if [ -f "$flag" ]; then wait "$watchdog"; else kill -KILL -"$watchdog" 2>/dev/null; fi
  # The output ends when every writer has gone; a process that left the group may keep it open.
  tries=0
  while kill -0 "$reader" 2>/dev/null && [ "$tries" -lt 30 ]; do tries=$((tries + 1)); sleep 0.1; done
  kill "$reader" 2>/dev/null
  if [ -f "$flag" ]; then result="timeout after $timeout s (killed: SIGTERM, then SIGKILL after $UNIT_KILL_GRACE s)"
  elif [ "$status" -gt 128 ]; then result="killed by signal $((status - 128))"
  else result="exit $status"
  fi
  unit_say "result: $result, $(awk -v a="$started" -v b="$(uptime_now)" 'BEGIN { printf "%.1f", b - a }') s"
  rm -f "$fifo" "$flag"
}
run_boot_unit

# QEMU's user network accepts the host's TCP connection at once; an ssh made before dropbear listens
# hangs in the banner exchange. So: carrier first, then dropbear, then the marker the host waits for.
tries=0
until [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; do
  tries=$((tries + 1)); [ "$tries" -gt 300 ] && { say 'eth0 has no carrier'; break; }
  sleep 0.1
done
dropbear -E -s -j -k -p 22 -r /etc/dropbear/host_key -P /run/dropbear.pid
tries=0
until netstat -ltn 2>/dev/null | grep -q ':22 '; do
  tries=$((tries + 1)); [ "$tries" -gt 300 ] && { say 'dropbear is not listening'; break; }
  sleep 0.1
done
echo '@READY_MARKER@'

# PID 1 must never exit; reap what gets orphaned to it. A trapped signal ends the wait.
while :; do sleep 3600 & wait; done
