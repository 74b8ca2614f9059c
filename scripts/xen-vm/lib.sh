# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Shared paths and helpers for the real-Xen test VM scripts. Sourced, never run.
# Everything lives under the repository's .work/xen-vm (gitignored); override with XLP_XEN_VM_DIR.

XEN_VM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XEN_VM_DIR=${XLP_XEN_VM_DIR:-$XEN_VM_REPO/.work/xen-vm}
XEN_VM_DEBS=$XEN_VM_DIR/debs          # the downloaded .deb files
XEN_VM_TREE=$XEN_VM_DIR/tree          # every .deb extracted with dpkg -x, merged
XEN_VM_BUILD=$XEN_VM_DIR/build        # the hypervisor, kernel, initramfs and keys the VM boots with
XEN_VM_RUN=$XEN_VM_DIR/run            # one running VM: console log, QEMU pid file, ssh config
XEN_VM_READY_MARKER='XLP-DOM0-READY'

log() { printf 'xen-vm: %s\n' "$*" >&2; }
die() { printf 'xen-vm: error: %s\n' "$*" >&2; exit 1; }

# The dynamic loader and library path of the extracted tree, so its programs run without installing them.
tree_exec() {
  "$XEN_VM_TREE/lib64/ld-linux-x86-64.so.2" \
    --library-path "$XEN_VM_TREE/lib/x86_64-linux-gnu:$XEN_VM_TREE/usr/lib/x86_64-linux-gnu" "$@"
}
