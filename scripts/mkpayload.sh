#!/usr/bin/env bash
# Builds a real Xen livepatch payload (x86-64; payload version 2 for Xen 4.14+, or version 1 for Xen
# 4.7-4.13) with gcc, objcopy and ld, without Xen's source: a C replacement for one hypervisor
# function, its .livepatch.funcs descriptor, optional hooks, .data and .modinfo, and the three
# build-id notes Xen requires.
# See docs/payload.md. Used by the demo, the test suite and the real-Xen test tier.
set -euo pipefail
export LC_ALL=C

SRC_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/payload-src"
readonly SRC_DIR
readonly HOOK_KINDS=(load unload preapply postapply prerevert postrevert)

usage() {
  cat <<'EOF'
usage: mkpayload.sh --out FILE --xen-build-id HEX [options]
  --out FILE           where to write the payload (required)
  --xen-build-id HEX   build-id of the running hypervisor (required; `xl info` build_id)
  --depends HEX        .livepatch.depends: the build-id this payload stacks on (default: Xen's)
  --xen-depends HEX    .livepatch.xen_depends (default: Xen's build-id)
  --id IDENT           C identifier making this payload's symbols unique (default: xlp); it does
                       not change the build-id (ld hashes allocated contents only): give
                       payloads distinct --returns (or code) to make their build-ids differ
  --func NAME          hypervisor function to replace (default: xen_extra_version)
  --old-size N         bytes of the old function Xen may overwrite (default: 12)
  --returns STRING     what the replacement returns, at most 15 printable characters (default: -xlp)
  --modinfo K=V        add a .modinfo string (repeatable; none: no .modinfo section)
  --hook KIND          add a hook: load, unload, preapply, postapply, prerevert, postrevert (repeatable)
  --with-data          give the replacement a writable .data variable
  --no-funcs           no .livepatch.funcs section (a hooks-only payload)
  --payload-version N  2 (default): 104-byte descriptors, Xen 4.14+; 1: 64-byte ones, Xen 4.7-4.13
EOF
}

die() {
  printf 'mkpayload: %s\n' "$1" >&2
  exit 2
}

need_value() {
  [[ $# -ge 2 ]] || die "option $1 needs a value"
}

check_hex() {
  # A build-id as `xl info` prints it: lowercase or uppercase hex, whole bytes, 1 to 64 bytes.
  [[ $2 =~ ^([0-9a-fA-F]{2}){1,64}$ ]] || die "$1 must be an even number of hex digits (2 to 128), got '$2'"
}

check_ident() {
  [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]] || die "$1 must be a C identifier of at most 64 characters, got '$2'"
}

out=''
xen_id=''
depends=''
xen_depends=''
id='xlp'
func='xen_extra_version'
old_size='12'
returns='-xlp'
with_data=0
with_funcs=1
payload_version=2
modinfo=()
hooks=()

while [[ $# -gt 0 ]]; do
  case $1 in
    --out) need_value "$@"; out=$2; shift 2 ;;
    --xen-build-id) need_value "$@"; xen_id=$2; shift 2 ;;
    --depends) need_value "$@"; depends=$2; shift 2 ;;
    --xen-depends) need_value "$@"; xen_depends=$2; shift 2 ;;
    --id) need_value "$@"; id=$2; shift 2 ;;
    --func) need_value "$@"; func=$2; shift 2 ;;
    --old-size) need_value "$@"; old_size=$2; shift 2 ;;
    --returns) need_value "$@"; returns=$2; shift 2 ;;
    --modinfo) need_value "$@"; modinfo+=("$2"); shift 2 ;;
    --hook) need_value "$@"; hooks+=("$2"); shift 2 ;;
    --with-data) with_data=1; shift ;;
    --no-funcs) with_funcs=0; shift ;;
    --payload-version) need_value "$@"; payload_version=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[[ -n $out ]] || die '--out FILE is required'
[[ -n $xen_id ]] || die '--xen-build-id HEX is required'
check_hex --xen-build-id "$xen_id"
depends=${depends:-$xen_id}
xen_depends=${xen_depends:-$xen_id}
check_hex --depends "$depends"
check_hex --xen-depends "$xen_depends"
check_ident --id "$id"
check_ident --func "$func"
# old_size 0 is allowed on purpose: it builds the payload Xen refuses with EINVAL, for tests.
if [[ ! $old_size =~ ^[0-9]{1,10}$ ]] || ((10#$old_size > 4294967295)); then
  die "--old-size must be an integer from 0 to 4294967295, got '$old_size'"
fi
# Printable ASCII without quote or backslash, so it is a plain C string literal; 15 characters is
# what fits in `xl info`'s xen_extra field.
[[ $returns =~ ^[[:print:]]{0,15}$ && $returns != *[\"\\]* ]] ||
  die "--returns must be at most 15 printable characters without \" or \\, got '$returns'"
for entry in "${modinfo[@]+"${modinfo[@]}"}"; do
  [[ $entry =~ ^[^=[:cntrl:]]+=[^[:cntrl:]]*$ ]] || die "--modinfo must be KEY=VALUE without control characters, got '$entry'"
done
declare -A seen_hooks=()
for hook in "${hooks[@]+"${hooks[@]}"}"; do
  [[ " ${HOOK_KINDS[*]} " == *" $hook "* ]] || die "--hook must be one of: ${HOOK_KINDS[*]}; got '$hook'"
  [[ -z ${seen_hooks[$hook]:-} ]] || die "--hook $hook given twice (Xen allows one hook of each kind here)"
  seen_hooks[$hook]=1
done
[[ $payload_version == 1 || $payload_version == 2 ]] || die "--payload-version must be 1 or 2, got '$payload_version'"
[[ -d $(dirname -- "$out") ]] || die "the directory of --out '$out' does not exist"

work=$(mktemp -d "${TMPDIR:-/tmp}/mkpayload.XXXXXXXX")
trap 'rm -rf -- "$work"' EXIT

cflags=(-O2 -ffreestanding -fno-common -fno-stack-protector -fno-asynchronous-unwind-tables
  -fno-pic -mcmodel=large -mno-red-zone -fcf-protection=branch -nostdinc -Wall -Werror
  "-I$SRC_DIR" "-DXLP_ID=$id")

# le32 N: N as 4 little-endian bytes.
le32() {
  printf '%b' "$(printf '\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

# note_object SECTION HEX OBJECT: one GNU build-id note (namesz 4, descsz, type 3, "GNU\0", desc
# padded to 4 bytes) wrapped into an ELF object whose only section is SECTION.
note_object() {
  local section=$1 hex=$2 object=$3 bin=$work/$1.bin
  local bytes=$((${#hex} / 2))
  {
    le32 4
    le32 "$bytes"
    le32 3
    printf 'GNU\0'
    printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')"
    head -c $(((4 - bytes % 4) % 4)) /dev/zero
  } >"$bin"
  wrap_object "$section" "$bin" "$object"
}

# wrap_object SECTION FILE OBJECT: FILE's bytes as the read-only allocated section SECTION. The
# _binary_* symbols objcopy invents are stripped: they would clash between payloads in Xen.
wrap_object() {
  (cd -- "$work" && objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
    --rename-section ".data=$1,alloc,load,readonly,data,contents" "$(basename -- "$2")" "$3.tmp")
  objcopy --strip-all "$3.tmp" "$3"
}

objects=()
if ((with_funcs)); then
  data_flag=()
  ((with_data)) && data_flag=(-DXLP_WITH_DATA)
  gcc "${cflags[@]}" "${data_flag[@]+"${data_flag[@]}"}" "-DXLP_RETURNS=\"$returns\"" \
    -c "$SRC_DIR/replacement.c" -o "$work/replacement.o"
  new_size=$(nm -S --defined-only "$work/replacement.o" |
    awk -v sym="xlp_${id}_new" '$4 == sym { print $2 }')
  [[ -n $new_size ]] || die "could not find the size of xlp_${id}_new in the compiled replacement"
  gcc "${cflags[@]}" "-DXLP_FUNC=$func" "-DXLP_NEW_SIZE=0x$new_size" "-DXLP_OLD_SIZE=$((10#$old_size))" \
    "-DXLP_PAYLOAD_VERSION=$payload_version" \
    -c "$SRC_DIR/funcs.c" -o "$work/funcs.o"
  objects+=("$work/replacement.o" "$work/funcs.o")
fi
if ((${#hooks[@]} > 0)); then
  hook_flags=()
  for hook in "${hooks[@]}"; do hook_flags+=("-DXLP_HOOK_${hook^^}"); done
  gcc "${cflags[@]}" "${hook_flags[@]}" -c "$SRC_DIR/hooks.c" -o "$work/hooks.o"
  objects+=("$work/hooks.o")
fi
if ((${#modinfo[@]} > 0)); then
  printf '%s\0' "${modinfo[@]}" >"$work/modinfo.bin"
  wrap_object .modinfo "$work/modinfo.bin" "$work/modinfo.o"
  objects+=("$work/modinfo.o")
fi
note_object .livepatch.depends "$depends" "$work/depends.o"
note_object .livepatch.xen_depends "$xen_depends" "$work/xen_depends.o"
objects+=("$work/depends.o" "$work/xen_depends.o")

# ld warns that the note objects lack .note.GNU-stack; that is harmless for a payload.
ld -r --build-id=sha1 -o "$work/payload.livepatch" "${objects[@]}" 2>"$work/ld.log" ||
  { cat "$work/ld.log" >&2; die 'ld failed'; }
cp -- "$work/payload.livepatch" "$out"
