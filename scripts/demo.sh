#!/usr/bin/env bash
# The main job on the built-in simulated host: build a real payload for the simulated hypervisor,
# load it (verify, upload, apply, confirm), list, revert, unload; then the same payload as desired
# state (a manifest: check finds the drift, plan shows the steps, sync carries them out, check
# passes); then read and prove the audit journal of those changes. Runs from a fresh checkout after
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

# Desired state: what this host must carry, pinned by sha256 (docs/desired-state.md).
sha256=$(sha256sum "$demo/xsa-demo.livepatch" | cut -d' ' -f1)
cat > "$demo/site.yaml" <<EOF
version: 1
hypervisors:
  - build-id: $build_id
    payloads:
      - name: xsa-demo
        file: xsa-demo.livepatch
        sha256: $sha256
        state: applied
EOF
# check exits 11 while the host drifts from the manifest.
xlp check -f "$demo/site.yaml" || [ $? -eq 11 ]
xlp plan -f "$demo/site.yaml"
xlp sync -f "$demo/site.yaml"
xlp check -f "$demo/site.yaml"

xlp audit log
xlp audit verify
