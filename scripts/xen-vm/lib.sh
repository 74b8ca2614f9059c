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

# --- the per-version table ---------------------------------------------------------------------------
# XEN_VM_SUITE        the Debian release whose packages make the whole VM (hypervisor, dom0 kernel, tools,
#                     libraries, busybox, dropbear): each hypervisor is booted as its distribution ships it
# XEN_VM_APT_SOURCE   empty: this machine's own apt (Debian 12 bookworm); else the one sources.list line of
#                     a private apt configuration in the work directory (fetch.sh), verified with that
#                     release's archive keys
# XEN_VM_EXTRA_PACKAGES  more packages to fetch into the tree (the hook for, e.g., trixie's nodejs)
# XEN_VM_EXTRA_FILES     files or folders of the tree (paths inside it) to copy into dom0 at the same path;
#                        ELF files among them bring their shared libraries
case $XLP_XEN_VERSION in
  4.17)
    XEN_VM_SUITE=bookworm
    XEN_VM_APT_SOURCE=''
    XEN_VM_EXTRA_PACKAGES=()
    XEN_VM_EXTRA_FILES=()
    ;;
  4.20)
    XEN_VM_SUITE=trixie
    XEN_VM_APT_SOURCE='deb http://deb.debian.org/debian trixie main'
    XEN_VM_EXTRA_PACKAGES=()
    XEN_VM_EXTRA_FILES=()
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
XEN_VM_READY_MARKER='XLP-DOM0-READY'

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

# The dynamic loader and library path of the extracted tree, so its programs run without installing them.
tree_exec() {
  "$(tree_path "${XEN_VM_LOADER_PATHS[@]}")" \
    --library-path "$XEN_VM_TREE/${XEN_VM_LIB_DIRS[0]}:$XEN_VM_TREE/${XEN_VM_LIB_DIRS[1]}" "$@"
}
