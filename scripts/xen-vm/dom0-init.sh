#!/bin/sh
# /init of the test dom0 (copied into the initramfs by build-initramfs.sh; runs as PID 1 under busybox).
# Order matters and each step was seen to be needed: see docs/real-xen.md.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "dom0-init: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /var/run
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname xen-dom0

# Modules in dependency order (computed from each module's .modinfo at build time: no modules.dep here).
while read -r module; do
  insmod "/lib/modules/$module.ko" || say "insmod $module failed"
done < /etc/modules.order
mount -t xenfs xenfs /proc/xen || say 'mount xenfs failed'

# xen-livepatch needs only privcmd; xl also needs xenstored and the dom0 entries xen-init-dom0 writes.
mkdir -p /var/run/xen /var/run/xenstored
xenstored --pid-file /var/run/xenstored.pid || say 'xenstored failed'
xen-init-dom0 || say 'xen-init-dom0 failed'

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
# QEMU's user network accepts the host's TCP connection at once; an ssh made before dropbear listens
# hangs in the banner exchange. So: carrier first, then dropbear, then the marker the host waits for.
tries=0
until [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; do
  tries=$((tries + 1)); [ "$tries" -gt 300 ] && { say 'eth0 has no carrier'; break; }
  sleep 0.1
done
dropbear -E -s -j -k -p 22 -r /etc/dropbear/host_key -P /var/run/dropbear.pid
tries=0
until netstat -ltn 2>/dev/null | grep -q ':22 '; do
  tries=$((tries + 1)); [ "$tries" -gt 300 ] && { say 'dropbear is not listening'; break; }
  sleep 0.1
done
echo '@READY_MARKER@'

# PID 1 must never exit; reap what gets orphaned to it.
while :; do sleep 3600 & wait; done
