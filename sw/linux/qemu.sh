#!/usr/bin/env bash
# Run pmemvp's Linux (sw/linux/build.sh) on QEMU 7.2 as an oracle, with a pmem-region.
#
# QEMU 7.2 (Debian 12) has neither virtio-pmem nor NVDIMMs for RISC-V. This script makes a
# pmem-region the way a platform's device tree would describe an NVDIMM range: all guest RAM is
# a shared memory-backend-file, the device tree (QEMU's own, dumped with -machine dumpdtb and
# edited with dtc) declares a hole in the middle of it as `compatible = "pmem-region"`, and the
# memory node only covers the rest. of_pmem binds, and nd_pmem gives /dev/pmem0.
#
#   0x8000_0000  256 MiB  RAM (OpenSBI, the kernel at 0x8020_0000, QEMU's initrd at +128 MiB)
#   0x9000_0000  PMEM     pmem-region (the --pmem file is copied in before, and out after)
#   ...          64 MiB   RAM (QEMU puts the DTB at the top of RAM: outside the pmem range)
#
# Usage: sw/linux/qemu.sh [options] [-- extra qemu arguments]
#   --scenario S      pmemvp.scenario=S for the init (default boot)
#   --append ARGS     more kernel command line
#   --pmem FILE       the pmem contents (created sparse if missing); written back after the run
#   --pmem-size SIZE  in MiB, a multiple of 2 (default 64, or FILE's size)
#   --linux-dir DIR   the kernel (default $PMEMVP_LINUX_DIR, else sw/linux/build.sh --print-dir)
#   --timeout S       kill QEMU after S seconds (default 600)
#   --dtb-out FILE    keep the generated device tree blob
# The console goes to stdout; the exit status is QEMU's (124 on timeout).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "qemu.sh: error: $*" >&2; exit 2; }

scenario=boot
append=""
pmem=""
pmem_mib=""
linux_dir=${PMEMVP_LINUX_DIR:-}
timeout_s=600
dtb_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) scenario=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --pmem) pmem=$2; shift 2 ;;
    --pmem-size) pmem_mib=$2; shift 2 ;;
    --linux-dir) linux_dir=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --dtb-out) dtb_out=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done

command -v qemu-system-riscv64 > /dev/null || die "qemu-system-riscv64 missing (qemu-system-misc)"
command -v dtc > /dev/null || die "dtc missing (device-tree-compiler)"
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
[ -r "$fw" ] || die "$fw missing (opensbi)"
[ -n "$linux_dir" ] || linux_dir=$("$here/build.sh" --print-dir)
[ -s "$linux_dir/Image" ] || die "no Image in $linux_dir"

if [ -z "$pmem_mib" ]; then
  if [ -n "$pmem" ] && [ -s "$pmem" ]; then
    pmem_mib=$((($(stat -c %s "$pmem") + (1 << 20) - 1) >> 20))
  else
    pmem_mib=64
  fi
fi
[[ "$pmem_mib" =~ ^[0-9]+$ ]] && [ $((pmem_mib % 2)) -eq 0 ] && [ "$pmem_mib" -gt 0 ] ||
  die "--pmem-size must be a positive even number of MiB"

low_mib=256
high_mib=64
ram_mib=$((low_mib + pmem_mib + high_mib))
pmem_base=$((0x80000000 + (low_mib << 20)))
high_base=$((pmem_base + (pmem_mib << 20)))

work=$(mktemp -d "${TMPDIR:-/tmp}/pmemvp-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT

cpu="rv64,f=off,d=off,h=off"
qemu_machine=(qemu-system-riscv64 -cpu "$cpu" -m "${ram_mib}M" -nographic)
"${qemu_machine[@]}" -M virt,dumpdtb="$work/virt.dtb" -bios none > /dev/null 2>&1 ||
  die "qemu -machine dumpdtb failed"
hex() { printf '0x%x' "$1"; }
{
  dtc -q -I dtb -O dts "$work/virt.dtb"
  cat << EOF
/ {
	memory@80000000 {
		reg = <0x0 0x80000000 0x0 $(hex $((low_mib << 20)))
		       0x0 $(hex "$high_base") 0x0 $(hex $((high_mib << 20)))>;
	};
	pmem@$(printf '%x' "$pmem_base") {
		compatible = "pmem-region";
		reg = <0x0 $(hex "$pmem_base") 0x0 $(hex $((pmem_mib << 20)))>;
	};
};
EOF
} > "$work/pmem.dts"
dtc -q -I dts -O dtb -o "$work/pmem.dtb" "$work/pmem.dts" || die "dtc failed on $work/pmem.dts"
[ -z "$dtb_out" ] || cp "$work/pmem.dtb" "$dtb_out"

ram="$work/ram.img"
truncate -s "${ram_mib}M" "$ram"
if [ -n "$pmem" ]; then
  [ -e "$pmem" ] || truncate -s "${pmem_mib}M" "$pmem"
  dd if="$pmem" of="$ram" bs=1M seek="$low_mib" count="$pmem_mib" conv=notrunc,sparse \
    status=none
fi

status=0
timeout "$timeout_s" "${qemu_machine[@]}" -M virt,memory-backend=ram \
  -object memory-backend-file,id=ram,mem-path="$ram",size="${ram_mib}M",share=on \
  -bios "$fw" -kernel "$linux_dir/Image" -initrd "$linux_dir/initramfs.cpio.gz" \
  -dtb "$work/pmem.dtb" \
  -append "console=ttyS0 earlycon pmemvp.scenario=$scenario $append" "$@" < /dev/null ||
  status=$?

if [ -n "$pmem" ]; then
  dd if="$ram" of="$pmem" bs=1M skip="$low_mib" count="$pmem_mib" conv=notrunc status=none
fi
exit "$status"
