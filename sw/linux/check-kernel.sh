#!/usr/bin/env bash
# CTest `linux_build` (label linux): find pmemvp's Linux (PMEMVP_LINUX_DIR, else
# sw/linux/build.sh --print-dir, which builds it once per machine, ~8 min on 2 cores) and check
# what the platform will load: Image's RISC-V header, vmlinux a RISC-V ELF, System.map, an
# initramfs holding /init. Prints the directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

dir=${PMEMVP_LINUX_DIR:-}
if [ -z "$dir" ]; then
  dir=$("$here/build.sh" --print-dir)
fi
fail() { echo "check-kernel: FAIL: $*" >&2; exit 1; }
[ -d "$dir" ] || fail "no directory $dir"
for f in Image vmlinux System.map initramfs.cpio.gz; do
  [ -s "$dir/$f" ] || fail "$dir/$f missing or empty"
done

# Image header (Documentation/arch/riscv/boot-image-header.rst): magic "RISCV\0\0\0" at 0x30,
# magic2 "RSC\x05" at 0x38.
magic=$(od -An -tx1 -j 0x30 -N 12 "$dir/Image" | tr -d ' \n')
[ "$magic" = "524953435600000052534305" ] ||
  fail "$dir/Image: no RISC-V Image magic at 0x30 (got $magic)"

# vmlinux: ELF64, little endian, e_machine 243 (EM_RISCV) at 0x12.
elf=$(od -An -tx1 -N 6 "$dir/vmlinux" | tr -d ' \n')
[ "$elf" = "7f454c460201" ] || fail "$dir/vmlinux is not an ELF64 LE file (got $elf)"
machine=$(od -An -tu2 -j 0x12 -N 2 "$dir/vmlinux" | tr -d ' ')
[ "$machine" = 243 ] || fail "$dir/vmlinux: e_machine $machine, not RISC-V (243)"
grep -q ' T _start_kernel$' "$dir/System.map" || fail "$dir/System.map has no _start_kernel"

# initramfs: gzip'd newc cpio with /init and /dev/console.
listing=$(gzip -dc "$dir/initramfs.cpio.gz" | cpio -it --quiet 2> /dev/null) ||
  fail "$dir/initramfs.cpio.gz is not a gzip'd cpio archive"
grep -qx 'init' <<< "$listing" || fail "no /init in $dir/initramfs.cpio.gz"
grep -qx 'dev/console' <<< "$listing" || fail "no /dev/console in $dir/initramfs.cpio.gz"

echo "check-kernel: ok: $dir ($(stat -c %s "$dir/Image") bytes Image)"
