#!/usr/bin/env bash
# Runs the real-Xen tier (vitest.xen.config.ts) once per hypervisor, one VM after the other (never two at
# once: each run boots its VM in its global setup and stops it at the end), and every series even when an
# earlier one failed. Prints each series' wall time and the total; exits 1 if any series failed, naming it.
# Usage: tier.sh [VITEST ARGS...]   (XLP_XEN_VERSIONS="4.20" runs only that series; default "4.17 4.20")
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

series_list=${XLP_XEN_VERSIONS:-4.17 4.20}
failed=()
summary=()
started=$SECONDS
for series in $series_list; do
  one_started=$SECONDS
  XLP_XEN_VERSION=$series npx vitest run --config vitest.xen.config.ts "$@"
  status=$?
  result=passed
  if ((status != 0)); then result="FAILED (exit $status)"; failed+=("$series"); fi
  summary+=("Xen $series: $result in $((SECONDS - one_started))s")
done
printf 'real-Xen tier: %s\n' "${summary[@]}" >&2
printf 'real-Xen tier: total %ss for Xen %s\n' "$((SECONDS - started))" "${series_list// /, }" >&2
if ((${#failed[@]})); then
  printf 'real-Xen tier: failed on Xen %s\n' "${failed[*]}" >&2
  exit 1
fi
