#!/usr/bin/env bash
# Fetches what the real-Xen VM needs: QEMU and cpio on the host (apt-get install), and Debian's Xen 4.17
# hypervisor, its tools and libraries, the bookworm 6.1 kernel, dropbear and busybox as .deb files that are
# only extracted (dpkg -x) into $XEN_VM_TREE, never installed. Idempotent: a second run reuses the cache.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST_TOOLS=(qemu-system-x86 cpio)
PACKAGES=(
  xen-hypervisor-4.17-amd64 xen-hypervisor-4.17-amd64-dbg xen-utils-4.17
  libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc4.17 libxenstore4 libxentoollog1
  libxendevicemodel1 libxenhypfs1 libxentoolcore1 libyajl2 libuuid1 liblzma5 libzstd1 zlib1g libc6
  libncurses6 libtinfo6
  dropbear-bin libcrypt1 libtomcrypt1 libtommath1 libgmp10
  busybox-static
)

apt_lists_ready() { [[ -n $(apt-cache policy xen-utils-4.17 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"') ]]; }

ensure_apt_lists() {
  if ! apt_lists_ready; then
    log 'apt lists have no xen-utils-4.17: running apt-get update'
    apt-get update -qq
    apt_lists_ready || die 'apt-get update found no xen-utils-4.17 (is this Debian 12 bookworm with main enabled?)'
  fi
}

install_host_tools() {
  if command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null; then return; fi
  [[ $(id -u) == 0 ]] || die "qemu-system-x86_64 or cpio is missing; as root run: apt-get install -y --no-install-recommends ${HOST_TOOLS[*]}"
  ensure_apt_lists
  log "installing ${HOST_TOOLS[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${HOST_TOOLS[@]}" >/dev/null
}

# linux-image-amd64 is a metapackage: the real image package is its single Depends.
kernel_package() {
  apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

download_and_extract() {
  local kernel wanted stamp
  kernel=$(kernel_package)
  [[ -n $kernel ]] || die 'cannot resolve linux-image-amd64 to a kernel image package'
  wanted="${PACKAGES[*]} $kernel"
  stamp=$XEN_VM_DIR/fetch.stamp
  if [[ -f $stamp && $(cat "$stamp") == "$wanted" && -d $XEN_VM_TREE ]]; then
    log 'packages already fetched'
    return
  fi
  rm -rf "$XEN_VM_DEBS" "$XEN_VM_TREE" "$stamp"
  mkdir -p "$XEN_VM_DEBS" "$XEN_VM_TREE"
  log "downloading ${#PACKAGES[@]} packages and $kernel"
  # apt-get download writes into the current directory; as root it warns about sandboxing, which is harmless.
  if ! (cd "$XEN_VM_DEBS" && apt-get download -qq "${PACKAGES[@]}" "$kernel" >"$XEN_VM_DIR/download.log" 2>&1); then
    grep -v 'unsandboxed' "$XEN_VM_DIR/download.log" >&2 || true
    die 'apt-get download failed (see above)'
  fi
  local deb count=0
  for deb in "$XEN_VM_DEBS"/*.deb; do
    dpkg -x "$deb" "$XEN_VM_TREE"
    count=$((count + 1))
  done
  [[ $count == $(( ${#PACKAGES[@]} + 1 )) ]] || die "expected $(( ${#PACKAGES[@]} + 1 )) packages, got $count in $XEN_VM_DEBS"
  printf '%s' "$wanted" > "$stamp"
}

mkdir -p "$XEN_VM_DIR"
install_host_tools
ensure_apt_lists
download_and_extract
log "tree ready in $XEN_VM_TREE"
