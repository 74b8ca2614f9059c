#!/usr/bin/env bash
# Runs a command in the running test dom0: scripts/xen-vm/ssh.sh [--xen 4.17|4.20] xen-livepatch list
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -f $XEN_VM_RUN/ssh_config ]] || die 'no VM running (scripts/xen-vm/boot.sh starts one)'
exec ssh -F "$XEN_VM_RUN/ssh_config" xlp-xen-vm "$@"
