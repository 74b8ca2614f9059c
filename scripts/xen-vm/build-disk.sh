#!/usr/bin/env bash
# Builds the template of the dom0's persistent disk (versions whose row in lib.sh has XEN_VM_DISK_MB; for
# the others it does nothing):
# an ext4 image made without mounting anything (mkfs.ext4 -d), holding
#   etc/xlp/, var/lib/xlp/ (0700), etc/systemd/system/, var/log/   bound at the same paths in dom0
#   usr/bin/node, usr/share/nodejs and their libraries            the distribution's Node.js (XEN_VM_DISK_FILES)
#   usr/lib/node_modules/xlp/, usr/bin/xlp -> ../lib/node_modules/xlp/bin/run.js
#                                    the built xlp of this checkout: bin/run.js, dist/bundle, package.json, systemd/,
#                                    oclif.manifest.json and the node_modules oclif loads at run time
#                                    (xlp-runtime-modules.mjs)
#   xlp-disk                         one line saying what was built
# dom0's /init mounts it and links its usr/ into /usr (dom0-init.sh). boot.sh --fresh copies the template
# to the session's disk.img; reboots keep that copy. Skips the work when nothing changed.
# Usage: build-disk.sh [--xen 4.20]   (after fetch.sh and `npm run build`)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if [[ -z $XEN_VM_DISK_MB ]]; then
  log "the Xen $XLP_XEN_VERSION VM has no persistent disk (XEN_VM_DISK_MB in lib.sh): nothing to build"
  exit 0
fi
[[ -f $XEN_VM_DIR/fetch.stamp ]] || die "no fetched packages in $XEN_VM_DIR: run scripts/xen-vm/fetch.sh first"
command -v mkfs.ext4 >/dev/null || die 'mkfs.ext4 is missing: run scripts/xen-vm/fetch.sh as root (it installs e2fsprogs)'
[[ -f $XEN_VM_REPO/dist/bundle/main.js && -f $XEN_VM_REPO/oclif.manifest.json ]] || die 'xlp is not built: run "npm run build" first'

XLP_FILES=(bin/run.js dist/bundle package.json oclif.manifest.json systemd)
mapfile -t XLP_MODULES < <(node "$HERE/xlp-runtime-modules.mjs")
((${#XLP_MODULES[@]})) || die 'xlp-runtime-modules.mjs found no runtime modules'
TEMPLATE=$XEN_VM_DISK_BUILD/template.img

stamp_value() {
  {
    cat "$XEN_VM_DIR/fetch.stamp" "$HERE/lib.sh" "$HERE/build-disk.sh" "$HERE/xlp-runtime-modules.mjs"
    (cd "$XEN_VM_REPO" && find "${XLP_FILES[@]}" "${XLP_MODULES[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum
}
stamp=$(stamp_value)
if [[ -f $TEMPLATE && -f $XEN_VM_DISK_BUILD/disk.stamp && $(cat "$XEN_VM_DISK_BUILD/disk.stamp") == "$stamp" ]]; then
  log 'disk template up to date'
  exit 0
fi

rm -rf "$XEN_VM_DISK_BUILD"
ROOT=$XEN_VM_DISK_BUILD/root
mkdir -p "$ROOT"
install -d -m 0755 "$ROOT"/{etc/xlp,etc/systemd/system,var/log,usr/bin,usr/lib/node_modules/xlp}
install -d -m 0700 "$ROOT/var/lib/xlp"

# The distribution's Node.js, with the libraries it needs (those dom0 already has are shadowed by its own).
copy_tree_files "$ROOT" "${XEN_VM_DISK_FILES[@]}"

# xlp as `npm install -g` would place it, with only what it loads at run time.
XLP=$ROOT/usr/lib/node_modules/xlp
(cd "$XEN_VM_REPO" && tar -cf - "${XLP_FILES[@]}") | tar -C "$XLP" -xf -
for module in "${XLP_MODULES[@]}"; do
  # A package's own nested node_modules are listed separately when needed.
  (cd "$XEN_VM_REPO" && tar -cf - --exclude="$module/node_modules" "$module") | tar -C "$XLP" -xf -
done
ln -s ../lib/node_modules/xlp/bin/run.js "$ROOT/usr/bin/xlp"

node_deb=("$XEN_VM_DEBS"/nodejs_*.deb)
node_version=${node_deb[0]##*/nodejs_}
printf 'xlp %s (%s), Node.js %s, built %s\n' "$(node -p 'require(process.argv[1]).version' "$XEN_VM_REPO/package.json")" \
  "$(git -C "$XEN_VM_REPO" describe --always --dirty 2>/dev/null || echo 'no git')" "${node_version%%_*}" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$ROOT/xlp-disk"

# mkfs.ext4 -d copies owners as they are: dom0 runs as root and xlp refuses state it does not own.
if [[ $(id -u) == 0 ]]; then chown -R 0:0 "$ROOT"; else log "not root: the disk's files keep uid $(id -u) (xlp in dom0 may refuse them)"; fi
truncate -s "${XEN_VM_DISK_MB}M" "$TEMPLATE.tmp"
mkfs.ext4 -q -F -L xlp-dom0 -E root_owner=0:0 -d "$ROOT" "$TEMPLATE.tmp"
mv "$TEMPLATE.tmp" "$TEMPLATE"
printf '%s\n' "$stamp" > "$XEN_VM_DISK_BUILD/disk.stamp"
log "built the disk template: $(du -sh --apparent-size "$ROOT" | cut -f1) of files in a ${XEN_VM_DISK_MB} MB ext4 image ($(cat "$ROOT/xlp-disk"))"
