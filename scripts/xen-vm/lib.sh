# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Shared paths, the per-version table and helpers for the real-Xen test VM scripts. Sourced, never run.
#
# Which hypervisor: XLP_XEN_VERSION (4.17 or 4.20, default 4.17), or `--xen VERSION` as the first
# argument of any script. lib.sh is sourced without arguments, so it sees the script's own arguments
# and the `shift` below removes `--xen VERSION` from them.
# Everything lives under the repository's .work/xen-vm/<version> (gitignored); XLP_XEN_VM_DIR moves
# the .work/xen-vm part.

log() { printf 'xen-vm%s: %s\n' "${XLP_XEN_VERSION:+ $XLP_XEN_VERSION}" "$*" >&2; }
die() { printf 'xen-vm%s: error: %s\n' "${XLP_XEN_VERSION:+ $XLP_XEN_VERSION}" "$*" >&2; exit 1; }

if [[ ${1:-} == --xen ]]; then
  [[ -n ${2:-} ]] || die '--xen needs a version: 4.17 or 4.20'
  XLP_XEN_VERSION=$2
  shift 2
fi
XLP_XEN_VERSION=${XLP_XEN_VERSION:-4.17}
# mkfs.ext4 lives in /usr/sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

# --- the per-version table ---------------------------------------------------------------------------
# XEN_VM_SUITE        the Debian release whose packages make the whole VM (hypervisor, dom0 kernel, tools,
#                     libraries, busybox, dropbear): each hypervisor is booted as its distribution ships it
# XEN_VM_APT_SOURCE   empty: this machine's own apt (Debian 12 bookworm); else the one sources.list line of
#                     a private apt configuration in the work directory (fetch.sh), verified with that
#                     release's archive keys
# XEN_VM_EXTRA_PACKAGES  more packages to fetch into the tree (the hook for, e.g., trixie's nodejs)
# XEN_VM_EXTRA_FILES     files or folders of the tree (paths inside it) to copy into dom0 at the same path;
#                        ELF files among them bring their shared libraries
# XEN_VM_DISK_MB         size of the dom0's persistent disk (build-disk.sh, a virtio disk, ext4); empty:
#                        the VM has none (and no Node.js)
# XEN_VM_DISK_MODULES    the kernel modules dom0 needs to mount it (with what their .modinfo depends= names)
# XEN_VM_DISK_FILES      files or folders of the tree to put on the disk at the same path, like
#                        XEN_VM_EXTRA_FILES; dom0 sees them at that path (see dom0-init.sh, link_tree)
case $XLP_XEN_VERSION in
  4.17)
    XEN_VM_SUITE=bookworm
    XEN_VM_APT_SOURCE=''
    XEN_VM_EXTRA_PACKAGES=()
    XEN_VM_EXTRA_FILES=()
    # bookworm's Node.js is 18, below xlp's engines field: no disk, no Node in this dom0.
    XEN_VM_DISK_MB=''
    XEN_VM_DISK_MODULES=()
    XEN_VM_DISK_FILES=()
    ;;
  4.20)
    XEN_VM_SUITE=trixie
    XEN_VM_APT_SOURCE='deb http://deb.debian.org/debian trixie main'
    # trixie's Node.js 20.19 (xlp's engines: >=20.19.0) and what `apt-cache depends` gives for it; it goes
    # on the persistent disk (build-disk.sh), not into the initramfs.
    # util-linux for flock(1), which xlp takes its kernel-held locks with (busybox has no flock applet).
    XEN_VM_EXTRA_PACKAGES=(nodejs libnode115 libbrotli1 libcares2 libgcc-s1 libicu76 libnghttp2-14 libssl3t64
      libstdc++6 libuv1t64 node-acorn node-cjs-module-lexer node-minimatch node-undici util-linux)
    XEN_VM_EXTRA_FILES=()
    XEN_VM_DISK_MB=512
    # virtio and virtio_pci are built into trixie's kernel; ext4 asks the crypto API for "crc32c" (a
    # softdep, not a depends=), which nothing could modprobe here: crc32c_generic is loaded before it.
    XEN_VM_DISK_MODULES=(virtio_blk crc32c_generic ext4)
    XEN_VM_DISK_FILES=(usr/bin/node usr/bin/nodejs usr/share/nodejs usr/bin/flock)
    ;;
  *) die "unknown Xen version '$XLP_XEN_VERSION' (known: 4.17, 4.20)" ;;
esac

XEN_VM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XEN_VM_DIR=${XLP_XEN_VM_DIR:-$XEN_VM_REPO/.work/xen-vm}/$XLP_XEN_VERSION
XEN_VM_APT=$XEN_VM_DIR/apt            # the private apt configuration, lists and cache (if any)
XEN_VM_DEBS=$XEN_VM_DIR/debs          # the downloaded .deb files
XEN_VM_TREE=$XEN_VM_DIR/tree          # every .deb extracted with dpkg -x, merged
XEN_VM_BUILD=$XEN_VM_DIR/build        # the hypervisor, kernel, initramfs and keys the VM boots with
XEN_VM_RUN=$XEN_VM_DIR/run            # one running VM: console log, QEMU pid file, ssh config
XEN_VM_DISK_BUILD=$XEN_VM_DIR/disk-build  # the persistent disk's content (root/) and template image
XEN_VM_SESSION=$XEN_VM_DIR/session    # kept across reboots: the VM's disk.img and every boot's console log
XEN_VM_READY_MARKER='XLP-DOM0-READY'
# The longest the dom0 /init lets the boot unit's command run (the unit's TimeoutStartSec= when shorter).
XEN_VM_UNIT_TIMEOUT=300

# apt for this version's distribution: the machine's own, or the private configuration fetch.sh writes.
xen_apt() {
  if [[ -n $XEN_VM_APT_SOURCE ]]; then APT_CONFIG=$XEN_VM_APT/apt.conf "$@"; else "$@"; fi
}

# A file of the extracted tree at the first of the given paths that exists (Debian 13 is merged-/usr:
# its loader, busybox and modules live under usr/, Debian 12's under /lib64, /bin and /lib).
tree_path() {
  local rel
  for rel in "$@"; do
    [[ -e $XEN_VM_TREE/$rel ]] && { printf '%s\n' "$XEN_VM_TREE/$rel"; return; }
  done
  die "none of $* is in the extracted packages ($XEN_VM_TREE)"
}
XEN_VM_LOADER_PATHS=(lib64/ld-linux-x86-64.so.2 usr/lib64/ld-linux-x86-64.so.2)
XEN_VM_LIB_DIRS=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu)

# Copies the shared libraries ELF file $2 needs (DT_NEEDED, followed recursively) from the extracted tree
# into the root folder $1 at the same path. A library no fetched package holds stops the build.
declare -A XEN_VM_COPIED_LIBS=()
find_lib() {
  local dir
  for dir in "${XEN_VM_LIB_DIRS[@]}"; do
    [[ -e $XEN_VM_TREE/$dir/$1 ]] && { printf '%s\n' "$dir/$1"; return; }
  done
  die "library $1 is not in the extracted packages (add its package to fetch.sh or the table)"
}
copy_needed_libs() {
  local root=$1 lib rel
  for lib in $(readelf -d "$2" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [[ -n ${XEN_VM_COPIED_LIBS[$root/$lib]:-} ]] && continue
    XEN_VM_COPIED_LIBS[$root/$lib]=1
    rel=$(find_lib "$lib")
    mkdir -p "$(dirname "$root/$rel")"
    cp -L "$XEN_VM_TREE/$rel" "$root/$rel"
    copy_needed_libs "$root" "$root/$rel"
  done
}
# Copies files or folders of the tree into the root folder $1 at the same paths; every ELF file among
# them brings the shared libraries it needs.
copy_tree_files() {
  local root=$1 path file
  shift
  for path in "$@"; do
    [[ -e $XEN_VM_TREE/$path || -L $XEN_VM_TREE/$path ]] || die "$path is not in the extracted packages"
    mkdir -p "$(dirname "$root/$path")"
    cp -a "$XEN_VM_TREE/$path" "$root/$path"
    while IFS= read -r -d '' file; do
      if [[ $(head -c 4 "$file" | od -An -c | tr -d ' ') == 177ELF ]]; then copy_needed_libs "$root" "$file"; fi
    done < <(find "$root/$path" -type f -print0)
  done
}

# The dynamic loader and library path of the extracted tree, so its programs run without installing them.
tree_exec() {
  "$(tree_path "${XEN_VM_LOADER_PATHS[@]}")" \
    --library-path "$XEN_VM_TREE/${XEN_VM_LIB_DIRS[0]}:$XEN_VM_TREE/${XEN_VM_LIB_DIRS[1]}" "$@"
}
