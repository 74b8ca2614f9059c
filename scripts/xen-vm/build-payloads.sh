#!/usr/bin/env bash
# Builds the real-Xen tier's payloads with the project's scripts/mkpayload.sh, for the hypervisor the VM
# boots: its build-id read from the xen binary's GNU build-id note, function sizes from xen-syms.
#   xenlab1       xen_extra_version -> "-xenlab1"              (depends: Xen)
#   xenlab1-rebuilt  xenlab1 without its .comment: other bytes, the same build-id (ld's covers only
#                 allocated contents), as a rebuild by another toolchain (desired-state.test.ts)
#   xenlab2       xen_changeset -> "xenlab2-stacked"           (depends: xenlab1's build-id)
#   xenlab3       xen_extra_version -> "-xenlab3-repl", .modinfo XSA=999 VERSION=1 (depends: Xen)
#   xenlab-badid  like xenlab1, xen_depends with one byte changed (Xen must refuse it)
#   xenlab-data   xen_compile_date -> "xenlab-data", with a writable .data variable
#   xenlab-hooks  xen_deny -> "xenlab-hooks", with all six hook kinds
# Each Xen version gets its own payloads: the build-id and the function sizes are that hypervisor's.
# Usage: build-payloads.sh [--xen 4.17|4.20] [OUT_DIR]   (default $XEN_VM_DIR/payloads)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

out=${1:-$XEN_VM_DIR/payloads}
MKPAYLOAD=$XEN_VM_REPO/scripts/mkpayload.sh
XEN_SYMS=$XEN_VM_TREE/usr/lib/debug/boot/xen-syms-$XLP_XEN_VERSION-amd64
[[ -f $XEN_VM_BUILD/xen.build-id ]] || die 'no hypervisor built: run fetch.sh and build-initramfs.sh first'
[[ -f $XEN_SYMS ]] || die "no $XEN_SYMS: run fetch.sh"
[[ -x $MKPAYLOAD || -f $MKPAYLOAD ]] || die "no $MKPAYLOAD"

xen_id=$(cat "$XEN_VM_BUILD/xen.build-id")
build_id_of() { readelf -n "$1" | awk '/Build ID:/ { print $3; exit }'; }
size_of() {
  local size
  size=$(nm -S "$XEN_SYMS" | awk -v sym="$1" '$4 == sym && ($3 == "T" || $3 == "t") { print $2; exit }')
  [[ -n $size ]] || die "xen-syms has no function $1"
  printf '%d\n' "0x$size"
}
# One byte flipped: a build-id of no hypervisor.
bad_id=$(printf '%s' "$xen_id" | awk '{ c = substr($0, 1, 2); printf "%s%s", (c == "00" ? "01" : "00"), substr($0, 3) }')

mkdir -p "$out"
mk() { bash "$MKPAYLOAD" --xen-build-id "$xen_id" "$@"; }
mk --out "$out/xenlab1.livepatch" --id xenlab1 --func xen_extra_version --old-size "$(size_of xen_extra_version)" --returns -xenlab1
objcopy --remove-section .comment "$out/xenlab1.livepatch" "$out/xenlab1-rebuilt.livepatch"
[[ $(build_id_of "$out/xenlab1-rebuilt.livepatch") == "$(build_id_of "$out/xenlab1.livepatch")" ]] || die 'xenlab1-rebuilt must have the build-id of xenlab1'
cmp -s "$out/xenlab1-rebuilt.livepatch" "$out/xenlab1.livepatch" && die 'xenlab1-rebuilt must differ from xenlab1 in its bytes'
mk --out "$out/xenlab2.livepatch" --id xenlab2 --func xen_changeset --old-size "$(size_of xen_changeset)" \
  --returns xenlab2-stacked --depends "$(build_id_of "$out/xenlab1.livepatch")"
mk --out "$out/xenlab3.livepatch" --id xenlab3 --func xen_extra_version --old-size "$(size_of xen_extra_version)" \
  --returns -xenlab3-repl --modinfo XSA=999 --modinfo VERSION=1
mk --out "$out/xenlab-badid.livepatch" --id xenlabbad --func xen_extra_version --old-size "$(size_of xen_extra_version)" \
  --returns -badid --xen-depends "$bad_id"
mk --out "$out/xenlab-data.livepatch" --id xenlabdata --func xen_compile_date --old-size "$(size_of xen_compile_date)" \
  --returns xenlab-data --with-data
mk --out "$out/xenlab-hooks.livepatch" --id xenlabhooks --func xen_deny --old-size "$(size_of xen_deny)" \
  --returns xenlab-hooks --hook load --hook unload --hook preapply --hook postapply --hook prerevert --hook postrevert
log "payloads for hypervisor $xen_id in $out"
