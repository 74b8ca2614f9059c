/**
 * The POSIX shell script that receives payload bytes on the host over ssh stdin. It makes a 0700
 * directory with mktemp under $XLP_STAGE_DIR if the host's environment sets it, else /run/xlp when
 * that is a real directory of this user (root on a dom0) rather than a shared /tmp, else $TMPDIR;
 * writes the file 0600 under noclobber, and proves on the host, with the host's
 * own sha256sum, that the bytes that landed are the bytes xlp verified. It cleans up after any failure.
 * Arguments: $1 = basename, $2 = expected sha256 (lowercase hex), $3 = the run id the directory is
 * named with (src/util/run-id.ts), so a run that takes over a killed one's lock removes its copies.
 * Prints the directory on success.
 */
export const STAGE_MISMATCH_EXIT = 86;

export const STAGE_SCRIPT = `set -eu
umask 077
base=\${XLP_STAGE_DIR:-/run/xlp}
mkdir -p "$base" 2>/dev/null || true
if [ -L "$base" ] || [ ! -d "$base" ] || [ ! -O "$base" ]; then base=\${TMPDIR:-/tmp}; fi
dir=$(mktemp -d "$base/xlp-stage.$3.XXXXXXXX")
trap 'rm -rf "$dir"' EXIT
set -C
cat > "$dir/$1"
sum=$(sha256sum < "$dir/$1")
sum=\${sum%% *}
if [ "$sum" != "$2" ]; then
  echo "xlp-stage: sha256 of the staged copy is $sum, expected $2" >&2
  exit ${STAGE_MISMATCH_EXIT}
fi
trap - EXIT
printf '%s\\n' "$dir"`;

/**
 * The directory the script printed, refused unless it is an absolute path ending in the mktemp name
 * the script asked for (it is later removed with rm -rf, so it must be exactly what the script made).
 */
export function parseStagedDir(stdout: string): string | undefined {
  const dir = stdout.replace(/\n$/, '');
  // eslint-disable-next-line no-control-regex
  return /^\/[^\x00-\x1f\x7f]*\/xlp-stage\.\d+-[0-9a-z]+\.[A-Za-z0-9]{8}$/.test(dir) ? dir : undefined;
}

/**
 * Removes, on the host, the staging directories of the killed run $1 from every place STAGE_SCRIPT
 * may have made them, and prints each one it removed. Only directories of this user are touched.
 */
export const UNSTAGE_SCRIPT = `for base in "\${XLP_STAGE_DIR:-/run/xlp}" /run/xlp "\${TMPDIR:-/tmp}"; do
  for dir in "$base"/xlp-stage."$1".*; do
    if [ -d "$dir" ] && [ ! -L "$dir" ] && [ -O "$dir" ]; then rm -rf -- "$dir" && printf '%s\\n' "$dir"; fi
  done
done`;
