#!/usr/bin/env bash
# Builds what the VM boots from the tree fetch.sh extracted: the gunzipped hypervisor (and its build-id),
# the dom0 kernel, and a minimal dom0 initramfs (busybox, the Xen tools and their libraries, the Xen and
# e1000 modules, dropbear with a host key made here, root login by an ed25519 key only).
# Also writes the client key and known_hosts the tests ssh in with. Skips the work when nothing changed.
# The rootfs has the same layout for every version (/lib64 holds the loader, /bin busybox), whether the
# distribution is merged-/usr (Debian 13) or not; compressed kernel modules (.ko.xz) are decompressed here,
# as busybox's insmod loads only plain ELF modules.
# Usage: build-initramfs.sh [--xen 4.17|4.20]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

XEN_TOOLS=(xen-livepatch xl xenstored xen-init-dom0)
MODULES=(xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs e1000)
TOOL_DIR=usr/lib/xen-$XLP_XEN_VERSION/bin

[[ -f $XEN_VM_DIR/fetch.stamp ]] || die "no fetched packages in $XEN_VM_DIR: run scripts/xen-vm/fetch.sh first"

stamp_value() { cat "$XEN_VM_DIR/fetch.stamp" "$HERE/lib.sh" "$HERE/build-initramfs.sh" "$HERE/dom0-init.sh" | sha256sum; }
if [[ -f $XEN_VM_BUILD/build.stamp && $(cat "$XEN_VM_BUILD/build.stamp") == "$(stamp_value)" ]]; then
  log 'initramfs up to date'
  exit 0
fi

rm -rf "$XEN_VM_BUILD"
mkdir -p "$XEN_VM_BUILD"
ROOT=$XEN_VM_BUILD/rootfs

# --- hypervisor and kernel -------------------------------------------------------------------------
gunzip -c "$XEN_VM_TREE/boot/xen-$XLP_XEN_VERSION-amd64.gz" > "$XEN_VM_BUILD/xen"
# The build-id every payload must name: the GNU build-id note of the hypervisor binary.
readelf -n "$XEN_VM_BUILD/xen" | awk '/Build ID:/ { print $3; exit }' > "$XEN_VM_BUILD/xen.build-id"
[[ -s $XEN_VM_BUILD/xen.build-id ]] || die 'the hypervisor has no GNU build-id note'
kernels=("$XEN_VM_TREE"/boot/vmlinuz-*)
[[ ${#kernels[@]} == 1 ]] || die "expected one kernel in $XEN_VM_TREE/boot, found ${#kernels[@]}"
cp "${kernels[0]}" "$XEN_VM_BUILD/vmlinuz"
KVER=${kernels[0]##*/vmlinuz-}

# --- rootfs skeleton -----------------------------------------------------------------------------------
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib64,proc,sys,dev,tmp,run,mnt,var/log,var/lib/xen,var/lib/xenstored} \
  "$ROOT"/{etc/xen,etc/dropbear,lib/modules,"$TOOL_DIR"} "${XEN_VM_LIB_DIRS[@]/#/$ROOT/}"
install -d -m 0700 "$ROOT/root" "$ROOT/root/.ssh"
ln -s /run "$ROOT/var/run"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\n' > "$ROOT/etc/group"
printf '/bin/sh\n' > "$ROOT/etc/shells"
: > "$ROOT/etc/xen/xl.conf"
printf '%s\n' "${XEN_VM_LIB_DIRS[@]/#//}" > "$ROOT/etc/ld.so.conf"

BUSYBOX=$(tree_path bin/busybox usr/bin/busybox)
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$ROOT/bin/busybox" --list-full); do
  [[ -e $ROOT/$applet ]] || ln -s /bin/busybox "$ROOT/$applet"
done

# --- programs and the shared libraries they need (resolved in the extracted tree only) ----------------
cp -L "$(tree_path "${XEN_VM_LOADER_PATHS[@]}")" "$ROOT/lib64/ld-linux-x86-64.so.2"
for tool in "${XEN_TOOLS[@]}"; do
  src=$XEN_VM_TREE/$TOOL_DIR/$tool
  [[ -f $src ]] || src=$XEN_VM_TREE/usr/sbin/$tool
  [[ -f $src ]] || die "$tool is not in xen-utils-$XLP_XEN_VERSION"
  cp "$src" "$ROOT/$TOOL_DIR/$tool"
  ln -sf "/$TOOL_DIR/$tool" "$ROOT/usr/sbin/$tool"
  copy_needed_libs "$ROOT" "$src"
done
# dropbear, and the per-version hook (lib.sh): more files or folders of the tree, at the same path in
# dom0; each ELF file among them brings the shared libraries it needs.
copy_tree_files "$ROOT" usr/sbin/dropbear "${XEN_VM_EXTRA_FILES[@]}"
# ssh sessions then find the libraries without LD_LIBRARY_PATH.
ldconfig -r "$ROOT"

# --- kernel modules, each after the modules its .modinfo depends= names -------------------------------
MODDIR=$(tree_path "lib/modules/$KVER/kernel" "usr/lib/modules/$KVER/kernel")
declare -A module_done=()
module_file() {
  local found name
  for name in "$1" "${1//_/-}" "${1//-/_}"; do
    found=$(find "$MODDIR" \( -name "$name.ko" -o -name "$name.ko.xz" \) -print -quit)
    [[ -n $found ]] && { printf '%s\n' "$found"; return; }
  done
  die "kernel module $1 is not in linux-image $KVER"
}
add_module() {
  local key=${1//-/_} file deps dep
  [[ -n ${module_done[$key]:-} ]] && return
  module_done[$key]=1
  file=$(module_file "$1")
  # Debian 13 ships xz-compressed modules; the static busybox of the tree decompresses them.
  if [[ $file == *.xz ]]; then "$BUSYBOX" unxz -c "$file"; else cat "$file"; fi > "$ROOT/lib/modules/$key.ko"
  objcopy -O binary --only-section=.modinfo "$ROOT/lib/modules/$key.ko" "$XEN_VM_BUILD/modinfo.bin"
  deps=$(tr '\0' '\n' < "$XEN_VM_BUILD/modinfo.bin" | sed -n 's/^depends=//p' | tr ',' ' ')
  for dep in $deps; do add_module "$dep"; done
  printf '%s\n' "$key" >> "$ROOT/etc/modules.order"
}
: > "$ROOT/etc/modules.order"
for module in "${MODULES[@]}" "${XEN_VM_DISK_MODULES[@]}"; do add_module "$module"; done
rm -f "$XEN_VM_BUILD/modinfo.bin"

# --- keys: the VM's host key and the client key the tests log in with ---------------------------------
tree_exec "$XEN_VM_TREE/usr/bin/dropbearkey" -t ed25519 -f "$XEN_VM_BUILD/host_key" >/dev/null 2>&1
install -m 0600 "$XEN_VM_BUILD/host_key" "$ROOT/etc/dropbear/host_key"
host_pub=$(tree_exec "$XEN_VM_TREE/usr/bin/dropbearkey" -y -f "$XEN_VM_BUILD/host_key" 2>/dev/null | awk '/^ssh-ed25519 / { print $1, $2 }')
[[ -n $host_pub ]] || die 'dropbearkey made no ed25519 host key'
# The tests reach the VM as 127.0.0.1 on a port chosen at boot: known_hosts names it by HostKeyAlias.
printf 'xlp-xen-vm %s\n' "$host_pub" > "$XEN_VM_BUILD/known_hosts"
ssh-keygen -q -t ed25519 -N '' -C xlp-xen-vm-client -f "$XEN_VM_BUILD/client_key"
install -m 0600 "$XEN_VM_BUILD/client_key.pub" "$ROOT/root/.ssh/authorized_keys"

sed -e "s/@READY_MARKER@/$XEN_VM_READY_MARKER/" -e "s/@UNIT_TIMEOUT@/$XEN_VM_UNIT_TIMEOUT/" "$HERE/dom0-init.sh" > "$ROOT/init"
chmod 0755 "$ROOT/init"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$XEN_VM_BUILD/initramfs.cpio.gz"
stamp_value > "$XEN_VM_BUILD/build.stamp"
log "built $(du -h "$XEN_VM_BUILD/initramfs.cpio.gz" | cut -f1) initramfs; hypervisor build-id $(cat "$XEN_VM_BUILD/xen.build-id")"
