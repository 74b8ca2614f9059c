/**
 * The POSIX shell scripts that keep files on the dom0 over ssh (src/host/runner.ts keepFile), in xlp's
 * directory there, /var/lib/xlp: the directories 0700 and the host user's own (never through a
 * symlink), the file written under a temporary name, proven by the host's own sha256sum, synced and
 * renamed into place, and the rename synced too (the crash-loop guard must survive a crash right after); reading refuses anything but a private regular file of the host user's, and
 * sends it base64 so the bytes survive the text channel.
 */
export const KEPT_ROOT = '/var/lib/xlp';
export const KEPT_MISMATCH_EXIT = 86;
export const KEPT_UNUSABLE_EXIT = 87;
export const KEPT_ABSENT_EXIT = 88;

/** $1 = root, $2 = name (checked by checkKeptName), $3 = expected sha256; the bytes on stdin. */
export const KEEP_SCRIPT = `set -eu
umask 077
file="$1/$2"
dir=\${file%/*}
mkdir -p -- "$dir"
for d in "$1" "$dir"; do
  if [ -L "$d" ] || [ ! -d "$d" ] || [ ! -O "$d" ]; then echo "xlp-keep: $d is not a directory of this user" >&2; exit ${KEPT_UNUSABLE_EXIT}; fi
  chmod 700 -- "$d"
done
tmp=$(mktemp "$dir/.xlp-keep.XXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
sum=$(sha256sum < "$tmp")
sum=\${sum%% *}
if [ "$sum" != "$3" ]; then echo "xlp-keep: sha256 of the copy is $sum, expected $3" >&2; exit ${KEPT_MISMATCH_EXIT}; fi
sync
mv -f -- "$tmp" "$file"
trap - EXIT
sync`;

/** $1 = root, $2 = name, $3 = the most bytes xlp accepts. */
export const READ_KEPT_SCRIPT = `set -eu
file="$1/$2"
if [ ! -e "$file" ] && [ ! -L "$file" ]; then exit ${KEPT_ABSENT_EXIT}; fi
case $(stat -c %a -- "$file") in *00) private=yes ;; *) private=no ;; esac
if [ -L "$file" ] || [ ! -f "$file" ] || [ ! -O "$file" ] || [ "$private" != yes ]; then echo "xlp-keep: $file is not a private regular file of this user" >&2; exit ${KEPT_UNUSABLE_EXIT}; fi
size=$(wc -c < "$file")
if [ "$size" -gt "$3" ]; then echo "xlp-keep: $file is larger than $3 bytes" >&2; exit ${KEPT_UNUSABLE_EXIT}; fi
base64 < "$file"`;
