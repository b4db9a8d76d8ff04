#!/usr/bin/env bash
# Build pmemvp's Linux: Debian's linux-source-6.12 for RISC-V (tinyconfig + pmemvp.config), and
# an initramfs whose /init is our scenario runner (init/init.c on the kernel's own nolibc).
# Debian packages only. The result is cached OUTSIDE the clone, keyed by every input:
#   ${PMEMVP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pmemvp}/linux-<key>/
#     Image  vmlinux  System.map  config  initramfs.cpio.gz  init  initramfs.list  key.txt
#     build.log
# <key> hashes the linux-source-6.12 package version, the cross compiler and binutils
# versions, pmemvp.config, the init sources and this script. A second run with the same key
# does nothing and prints the directory. A change of the init sources alone reuses the kernel
# of another cached directory and rebuilds only the init and the initramfs (seconds).
# Interrupt-safe (built in linux-<key>.tmp.<pid>, renamed into place at the end) and
# race-safe (flock on linux-<key>.lock).
#
# Usage: sw/linux/build.sh [--print-dir | --cached-dir | --key | --help]
#   (none)        build if needed; print the directory on stdout (messages go to stderr)
#   --print-dir   the same: print the directory of the current key, building if needed
#   --cached-dir  print the directory if it is already built, else exit 1; never builds
#   --key         print the key and its inputs; never builds
# Environment: PMEMVP_CACHE_DIR, PMEMVP_LINUX_JOBS (default nproc), PMEMVP_LINUX_NICE
# (default 10), PMEMVP_LINUX_KEEP_TREE=1 keeps the kernel tree in <dir>/src (about 1.7 GB).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
fragment="$here/pmemvp.config"
tarball=/usr/src/linux-source-6.12.tar.xz
cross=riscv64-linux-gnu-
packages=(
  linux-source-6.12 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross binutils-riscv64-linux-gnu
  gcc bc bison flex libssl-dev libelf-dev cpio xz-utils gzip make
  opensbi device-tree-compiler e2fsprogs
)

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$self"; }

mode=build
case "${1:-}" in
  "" ) ;;
  --print-dir) mode=build ;;
  --cached-dir) mode=cached ;;
  --key) mode=key ;;
  -h | --help) usage; exit 0 ;;
  *) die "unknown option '$1' (try --help)" ;;
esac
[ $# -le 1 ] || die "one option at most (try --help)"

# ---- packages --------------------------------------------------------------------------------
missing_packages() {
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]})) || return 0
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo > /dev/null || die "packages missing (${missing[*]}) and not root, no sudo"
    sudo_cmd=sudo
  fi
  log "installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
}

if [ "$mode" = cached ]; then
  if [ -n "$(missing_packages)" ]; then
    echo "build.sh: not built: packages missing: $(missing_packages | tr '\n' ' ')" >&2
    exit 1
  fi
else
  install_packages
fi
[ -r "$tarball" ] || die "$tarball missing (package linux-source-6.12)"

# ---- the key ---------------------------------------------------------------------------------
sha() { sha256sum "$@" | cut -d' ' -f1; }

kernel_inputs() {
  echo "linux-source-6.12 $(dpkg-query -W -f='${Version}' linux-source-6.12)"
  echo "gcc $(${cross}gcc --version | head -n1)"
  echo "binutils $(${cross}ld --version | head -n1)"
  echo "pmemvp.config $(sha "$fragment")"
  echo "build.sh $(sha "$self")"
}
init_sources() {
  find "$here/init" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort
}
all_inputs() {
  kernel_inputs
  local f
  while IFS= read -r f; do echo "init/${f#"$here/init/"} $(sha "$f")"; done < <(init_sources)
}
kernel_key=$(kernel_inputs | sha256sum | cut -c1-12)
key=$(all_inputs | sha256sum | cut -c1-12)

if [ "$mode" = key ]; then
  echo "$key"
  all_inputs | sed 's/^/  /'
  exit 0
fi

cache_root=${PMEMVP_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?neither PMEMVP_CACHE_DIR, XDG_CACHE_HOME nor HOME is set}/.cache}/pmemvp}
dir="$cache_root/linux-$key"
complete() { [ -s "$1/Image" ] && [ -s "$1/initramfs.cpio.gz" ] && [ -s "$1/vmlinux" ]; }

if complete "$dir"; then
  echo "$dir"
  exit 0
fi
if [ "$mode" = cached ]; then
  echo "build.sh: not built: $dir (run sw/linux/build.sh)" >&2
  exit 1
fi

# ---- lock, scratch directory -----------------------------------------------------------------
mkdir -p "$cache_root"
exec 9> "$cache_root/linux-$key.lock"
if ! flock -n 9; then
  log "another build of linux-$key is running; waiting for its lock"
  flock 9
fi
if complete "$dir"; then # built by the run we waited for
  echo "$dir"
  exit 0
fi
# Leftovers of interrupted runs of this key (nobody else holds the lock).
rm -rf "$dir" "$dir".tmp.*
tmp="$dir.tmp.$$"
mkdir -p "$tmp"
buildlog="$tmp/build.log"
: > "$buildlog"
cleanup() {
  local rc=$?
  if [ -d "$tmp" ]; then
    if [ -s "$buildlog" ]; then
      cp "$buildlog" "$cache_root/linux-$key.failed.log" 2> /dev/null || true
      log "failed (status $rc); log: $cache_root/linux-$key.failed.log"
    fi
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
phase() { log "[$((SECONDS - start)) s] $*"; }
fail_log() {
  echo "build.sh: error: $1; the last lines of $buildlog:" >&2
  tail -n 30 "$buildlog" >&2
  exit 1
}

jobs=${PMEMVP_LINUX_JOBS:-$(nproc)}
nice_level=${PMEMVP_LINUX_NICE:-10}
src="$tmp/src"
kmake() {
  nice -n "$nice_level" make -C "$src" ARCH=riscv CROSS_COMPILE="$cross" \
    KBUILD_BUILD_USER=pmemvp KBUILD_BUILD_HOST=pmemvp \
    KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026' "$@" >> "$buildlog" 2>&1 ||
    fail_log "make $*"
}

# ---- the kernel ------------------------------------------------------------------------------
# Checks that every line of the fragment holds in $1 (a .config); names each one that does not.
check_config() {
  local config=$1 line opt bad=0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      CONFIG_*=*)
        if ! grep -qxF -- "$line" "$config"; then
          opt=${line%%=*}
          echo "build.sh: error: $opt: asked '$line', got '$(grep -E "^(# )?$opt[= ]" "$config" || echo "absent (dependencies not met)")'" >&2
          bad=1
        fi
        ;;
      "# CONFIG_"*" is not set")
        opt=${line#\# }
        opt=${opt%% *}
        if grep -qE "^$opt=" "$config"; then
          echo "build.sh: error: $opt: asked 'not set', got '$(grep -E "^$opt=" "$config")'" >&2
          bad=1
        fi
        ;;
    esac
  done < "$fragment"
  return $bad
}

build_kernel() {
  phase "unpacking $tarball"
  mkdir -p "$src"
  tar -xJf "$tarball" -C "$src" --strip-components=1 || fail_log "unpacking $tarball"
  phase "configuring: tinyconfig + $(basename "$fragment")"
  kmake tinyconfig
  (cd "$src" && ARCH=riscv CROSS_COMPILE="$cross" scripts/kconfig/merge_config.sh -m .config \
    "$fragment" >> "$buildlog" 2>&1) || fail_log "merge_config.sh"
  kmake olddefconfig
  check_config "$src/.config" ||
    die "the final .config does not match $fragment (see above; log $buildlog)"
  phase "building Image and vmlinux with -j$jobs (about 8 minutes on 2 cores), log: $buildlog"
  kmake -j"$jobs" Image
  phase "kernel built"
  cp "$src/arch/riscv/boot/Image" "$src/vmlinux" "$src/System.map" "$tmp/"
  cp "$src/.config" "$tmp/config"
  # The init's sysroot: nolibc plus the kernel's UAPI headers, from this same tree.
  kmake headers
  mkdir -p "$tmp/nolibc"
  make -C "$src/tools/include/nolibc" ARCH=riscv OUTPUT="$tmp/nolibc/" headers \
    >> "$buildlog" 2>&1 || fail_log "nolibc headers"
  cp -a "$src/usr/include/." "$tmp/nolibc/sysroot/include/"
  find "$tmp/nolibc/sysroot/include" \( -name '.*' -o -name Makefile -o -name '*.pl' \) \
    -type f -delete
  cc -O2 -o "$tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c" >> "$buildlog" 2>&1 ||
    fail_log "gen_init_cpio"
  echo "$kernel_key" > "$tmp/kernel-key"
  kernel_origin="built in $((SECONDS - start)) s with -j$jobs on $(nproc) cores"
}

# Reuses the kernel of another cached directory with the same kernel inputs (the init changed).
reuse_kernel() {
  local other
  for other in "$cache_root"/linux-*/; do
    other=${other%/}
    [ "$other" != "$dir" ] && complete "$other" && [ -d "$other/nolibc" ] &&
      [ -x "$other/gen_init_cpio" ] && [ "$(cat "$other/kernel-key" 2> /dev/null)" = "$kernel_key" ] ||
      continue
    phase "reusing the kernel of $other (same kernel inputs)"
    cp -a "$other/Image" "$other/vmlinux" "$other/System.map" "$other/config" \
      "$other/nolibc" "$other/gen_init_cpio" "$other/kernel-key" "$tmp/" || continue
    kernel_origin="reused from $other"
    return 0
  done
  return 1
}

# ---- the init and the initramfs --------------------------------------------------------------
build_init() {
  phase "building the init (nolibc, rv64imac/lp64, no FP)"
  local cflags=(-Os -Wall -Wextra -static -nostdlib -nostdinc -fno-stack-protector
    -fno-asynchronous-unwind-tables -fno-ident -ffunction-sections -fdata-sections
    -Wl,--gc-sections -march=rv64imac_zicsr_zifencei -mabi=lp64
    -I "$tmp/nolibc/sysroot/include" -include nolibc.h)
  local sources
  mapfile -t sources < <(init_sources | grep '\.c$')
  ${cross}gcc "${cflags[@]}" -o "$tmp/init" "${sources[@]}" >> "$buildlog" 2>&1 ||
    fail_log "compiling the init"
  # No floating point anywhere: the kernel has no FPU support (CONFIG_FPU off).
  ${cross}readelf -h "$tmp/init" | grep -q 'soft-float ABI' ||
    die "the init is not soft-float ABI"
  local fp
  fp=$(${cross}objdump -d --no-show-raw-insn "$tmp/init" |
    awk -F'\t' 'NF >= 2 { split($2, m, " "); if (m[1] ~ /^f/ && m[1] !~ /^fence/) print }' |
    head -n 3)
  [ -z "$fp" ] || die "the init contains floating-point instructions: $fp"

  phase "building the initramfs"
  cat > "$tmp/initramfs.list" << EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /mnt 0755 0 0
file /init $tmp/init 0755 0 0
EOF
  "$tmp/gen_init_cpio" -t 0 "$tmp/initramfs.list" | gzip -9 -n > "$tmp/initramfs.cpio.gz" ||
    fail_log "gen_init_cpio"
  sed -i "s|$tmp/init|init|" "$tmp/initramfs.list"
}

avail_kb=$(df -Pk "$cache_root" | awk 'NR == 2 { print $4 }')
if [ "${avail_kb:-0}" -lt 3000000 ]; then
  log "warning: less than 3 GB free under $cache_root; the kernel tree needs about 2 GB"
fi
log "building linux-$key in $cache_root"
kernel_origin=""
reuse_kernel || build_kernel
build_init
{
  echo "key $key"
  echo "kernel-key $kernel_key"
  all_inputs
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s"
  echo "kernel $kernel_origin"
} > "$tmp/key.txt"
if [ "${PMEMVP_LINUX_KEEP_TREE:-0}" != 1 ]; then
  rm -rf "$src"
fi
mv -T "$tmp" "$dir"
rm -f "$cache_root/linux-$key.failed.log"
phase "done: $dir"
echo "$dir"
