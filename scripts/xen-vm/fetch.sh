#!/usr/bin/env bash
# Fetches what the real-Xen VM of one Xen version needs: QEMU and cpio (and e2fsprogs for a VM with a
# persistent disk) on the host (apt-get install), and that version's Debian hypervisor, its tools and
# libraries, the distribution's kernel, dropbear and busybox (and the table's extra packages) as .deb files that are only extracted (dpkg -x) into $XEN_VM_TREE, never installed.
# 4.17 uses this machine's own apt (Debian 12); 4.20 a private apt configuration for Debian 13 in the work
# directory (its own sources.list, lists, cache and archive keys), so the machine's apt setup never changes.
# Idempotent: a second run reuses the cache.
# Usage: fetch.sh [--xen 4.17|4.20]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST_TOOLS=(qemu-system-x86 cpio)
HOST_COMMANDS=(qemu-system-x86_64 cpio)
# The persistent disk (build-disk.sh) is made with mkfs.ext4 -d.
if [[ -n $XEN_VM_DISK_MB ]]; then HOST_TOOLS+=(e2fsprogs); HOST_COMMANDS+=(mkfs.ext4); fi
V=$XLP_XEN_VERSION
PACKAGES=(
  "xen-hypervisor-$V-amd64" "xen-hypervisor-$V-amd64-dbg" "xen-utils-$V"
  libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 "libxenmisc$V" libxenstore4 libxentoollog1
  libxendevicemodel1 libxenhypfs1 libxentoolcore1 libyajl2 libuuid1 liblzma5 libzstd1 zlib1g libc6
  libncurses6 libtinfo6
  dropbear-bin libcrypt1 libtomcrypt1 libtommath1 libgmp10
  busybox-static
  "${XEN_VM_EXTRA_PACKAGES[@]}"
)
# Debian 13's archive keys, as bookworm's debian-archive-keyring (2023.3+deb12u2 and later) carries them.
SUITE_KEYS=(/usr/share/keyrings/debian-archive-"$XEN_VM_SUITE"-{automatic,stable}.gpg)

# The private configuration: nothing of the machine's apt (sources, apt.conf.d, preferences, trusted keys,
# dpkg status, foreign architectures) takes part. Signatures are checked as usual, against SUITE_KEYS only.
write_private_apt() {
  local key
  [[ $XEN_VM_APT != *'"'* ]] || die "the work directory's path contains a double quote: $XEN_VM_APT"
  for key in "${SUITE_KEYS[@]}"; do
    [[ -f $key ]] || die "$key is missing: this machine's debian-archive-keyring does not carry Debian's $XEN_VM_SUITE keys (as root: apt-get update && apt-get install debian-archive-keyring)"
  done
  mkdir -p "$XEN_VM_APT"/{lists/partial,cache/archives/partial,empty.d,trusted.gpg.d}
  cp "${SUITE_KEYS[@]}" "$XEN_VM_APT/trusted.gpg.d/"
  printf '%s\n' "$XEN_VM_APT_SOURCE" > "$XEN_VM_APT/sources.list"
  : > "$XEN_VM_APT/status"
  cat > "$XEN_VM_APT/apt.conf" <<CONF
Dir::Etc::Main "/dev/null";
Dir::Etc::Parts "$XEN_VM_APT/empty.d/";
Dir::Etc::SourceList "$XEN_VM_APT/sources.list";
Dir::Etc::SourceParts "$XEN_VM_APT/empty.d/";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$XEN_VM_APT/empty.d/";
Dir::Etc::Trusted "/dev/null";
Dir::Etc::TrustedParts "$XEN_VM_APT/trusted.gpg.d/";
Dir::State "$XEN_VM_APT/";
Dir::State::Lists "$XEN_VM_APT/lists/";
Dir::State::status "$XEN_VM_APT/status";
Dir::Cache "$XEN_VM_APT/cache/";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
CONF
}

apt_lists_ready() { [[ -n $(xen_apt apt-cache policy "xen-utils-$V" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"') ]]; }

update_apt_lists() {
  log "running apt-get update${XEN_VM_APT_SOURCE:+ for $XEN_VM_SUITE ($XEN_VM_APT)}"
  xen_apt apt-get update -qq
}

ensure_apt_lists() {
  if ! apt_lists_ready; then
    log "apt lists have no xen-utils-$V"
    update_apt_lists
    apt_lists_ready || die "apt-get update found no xen-utils-$V (is $XEN_VM_SUITE's main component reachable?)"
  fi
}

install_host_tools() {
  local command missing=()
  for command in "${HOST_COMMANDS[@]}"; do command -v "$command" >/dev/null || missing+=("$command"); done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "${missing[*]} missing; as root run: apt-get install -y --no-install-recommends ${HOST_TOOLS[*]}"
  apt-cache policy qemu-system-x86 | grep -q 'Candidate: [0-9]' || apt-get update -qq
  log "installing ${HOST_TOOLS[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${HOST_TOOLS[@]}" >/dev/null
}

# linux-image-amd64 is a metapackage: the real image package is its single Depends.
kernel_package() {
  xen_apt apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

download() {
  # apt-get download writes into the current directory; as root it warns about sandboxing, which is harmless.
  (cd "$XEN_VM_DEBS" && xen_apt apt-get download -qq "$@" >"$XEN_VM_DIR/download.log" 2>&1)
}

download_and_extract() {
  local kernel wanted stamp
  kernel=$(kernel_package)
  [[ -n $kernel ]] || die 'cannot resolve linux-image-amd64 to a kernel image package'
  wanted="$XEN_VM_SUITE ${PACKAGES[*]} $kernel"
  stamp=$XEN_VM_DIR/fetch.stamp
  if [[ -f $stamp && $(cat "$stamp") == "$wanted" && -d $XEN_VM_TREE ]]; then
    log 'packages already fetched'
    return
  fi
  rm -rf "$XEN_VM_DEBS" "$XEN_VM_TREE" "$stamp"
  mkdir -p "$XEN_VM_DEBS" "$XEN_VM_TREE"
  log "downloading ${#PACKAGES[@]} $XEN_VM_SUITE packages and $kernel"
  if ! download "${PACKAGES[@]}" "$kernel"; then
    # Lists older than the archive name versions it no longer has: refresh them once.
    update_apt_lists
    if ! download "${PACKAGES[@]}" "$kernel"; then
      grep -v 'unsandboxed' "$XEN_VM_DIR/download.log" >&2 || true
      die 'apt-get download failed (see above)'
    fi
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
[[ -z $XEN_VM_APT_SOURCE ]] || write_private_apt
ensure_apt_lists
download_and_extract
log "tree ready in $XEN_VM_TREE"
