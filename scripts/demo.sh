#!/usr/bin/env bash
# The main job on the built-in simulated host: build a real payload for the simulated hypervisor,
# load it (verify, upload, apply, confirm), list, revert, unload, then read and prove the audit
# journal of those changes. Runs from a fresh checkout after
# `npm ci` (npm run demo builds first). Everything lives under .work/demo, nothing in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=.work/demo
rm -rf "$demo"
mkdir -p -m 0700 "$demo"
export XLP_BACKEND=sim XLP_SIM_STATE="$PWD/$demo/sim-state.json"
export XLP_DATA_DIR="$PWD/$demo/data" XLP_STATE_DIR="$PWD/$demo/state" XLP_RUNTIME_DIR="$PWD/$demo/run"

xlp() {
  printf '\n$ xlp %s\n' "$*"
  node bin/run.js "$@"
}

# The simulated hypervisor's build-id, read the way an operator reads a real one: `xl info`.
build_id=$(node bin/sim/xl info | sed -n 's/^build_id *: //p')
scripts/mkpayload.sh --out "$demo/xsa-demo.livepatch" --xen-build-id "$build_id" \
  --id xsa_demo --returns '-xsa-demo' --modinfo XSA=999 --modinfo CVE=CVE-2026-0001

xlp list
xlp load "$demo/xsa-demo.livepatch"
xlp list
xlp revert xsa-demo
xlp unload xsa-demo
xlp list --json
xlp audit log
xlp audit verify
