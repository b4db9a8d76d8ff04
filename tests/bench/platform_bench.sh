#!/usr/bin/env bash
# Whole-program benchmarks of the platform: MIPS of the ISS on sw/compute against QEMU TCG
# running the same ELF in the same run (in M mode, and from U mode under Sv39 paging), the
# costs of a TLB miss and of a satp switch, the wall-clock cost of one guest MMIO access, and
# the cost of persistence tracking on a store-heavy guest loop (with and without paging).
# Usage: tests/bench/platform_bench.sh BUILD_DIR [REPETITIONS] [--strict]
# Each figure is the best of REPETITIONS runs (default 3): the least disturbed by the host.
# --strict exits 1 when a goal is missed; the test suite's smoke run only reports it, since a
# loaded machine is no verdict on speed.
set -euo pipefail
build=${1:?usage: platform_bench.sh BUILD_DIR [REPETITIONS]}
reps=${2:-3}
strict=${3:-}
pmemvp=$build/platforms/pmemvp
sw=$build/sw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

json() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }
now() { date +%s.%N; }

# best_run NAME ARGS...: runs pmemvp REPS times; leaves the best stats in $tmp/NAME.json and
# the best whole-process wall time in $tmp/NAME.wall.
best_run() {
  local name=$1; shift
  local best=""
  for ((i = 0; i < reps; i++)); do
    local t0 t1
    t0=$(now)
    "$pmemvp" "$@" --stats "$tmp/run.json" > "$tmp/run.out"
    t1=$(now)
    local wall
    wall=$(json "$tmp/run.json" wall_time_s)
    if [[ -z $best ]] || awk "BEGIN{exit !($wall < $best)}"; then
      best=$wall
      cp "$tmp/run.json" "$tmp/$name.json"
      awk "BEGIN{print $t1 - $t0}" > "$tmp/$name.wall"
    fi
  done
}

echo "pmemvp platform benchmarks ($(nproc) cores, $reps repetitions, best of each)"
best_run q1 -kernel "$sw/compute.elf" --quantum 1us
best_run q10 -kernel "$sw/compute.elf" --quantum 10us
best_run nodmi -kernel "$sw/compute.elf" --quantum 1us --no-dmi
instructions=$(json "$tmp/q1.json" instructions)

qemu_line="  qemu-system-riscv64 (TCG): not installed"
if command -v qemu-system-riscv64 > /dev/null; then
  qbest=""
  for ((i = 0; i < reps; i++)); do
    t0=$(now)
    qemu-system-riscv64 -M virt -bios none -nographic -kernel "$sw/compute.elf" > "$tmp/q.out"
    t1=$(now)
    w=$(awk "BEGIN{print $t1 - $t0}")
    if [[ -z $qbest ]] || awk "BEGIN{exit !($w < $qbest)}"; then qbest=$w; fi
  done
  cmp -s "$tmp/q.out" "$tmp/run.out" || echo "  WARNING: QEMU's output differs from pmemvp's"
  qemu_line=$(awk -v n="$instructions" -v w="$qbest" -v p="$(cat "$tmp/q1.wall")" \
    'BEGIN{printf "  qemu-system-riscv64 (TCG)      : %7.1f MIPS  (%.3f s whole process; pmemvp/qemu wall-time ratio %.2f)", n/w/1e6, w, p/w}')
fi

echo "compute benchmark: $instructions instructions"
for run in q1 q10 nodmi; do
  label=$(case $run in q1) echo "pmemvp, quantum 1us           ";; q10) echo "pmemvp, quantum 10us          ";; nodmi) echo "pmemvp, quantum 1us, no DMI   ";; esac)
  awk -v l="$label" -v m="$(json "$tmp/$run.json" mips)" -v w="$(json "$tmp/$run.json" wall_time_s)" -v p="$(cat "$tmp/$run.wall")" \
    'BEGIN{printf "  %s: %7.1f MIPS  (%.3f s simulating, %.3f s whole process)\n", l, m, w, p}'
done
echo "$qemu_line"

# The same kernel from U mode under Sv39 paging set up by a small S-mode runtime (priv-tests).
best_run paged -kernel "$sw/compute-user.elf" --quantum 1us
paged_line=$(awk -v m="$(json "$tmp/paged.json" mips)" -v w="$(json "$tmp/paged.json" wall_time_s)" -v p="$(cat "$tmp/paged.wall")" \
  'BEGIN{printf "  pmemvp, U mode under Sv39      : %7.1f MIPS  (%.3f s simulating, %.3f s whole process)", m, w, p}')
echo "$paged_line"
if command -v qemu-system-riscv64 > /dev/null; then
  qbest=""
  for ((i = 0; i < reps; i++)); do
    t0=$(now)
    qemu-system-riscv64 -M virt -bios none -nographic -kernel "$sw/compute-user.elf" > "$tmp/qp.out"
    t1=$(now)
    w=$(awk "BEGIN{print $t1 - $t0}")
    if [[ -z $qbest ]] || awk "BEGIN{exit !($w < $qbest)}"; then qbest=$w; fi
  done
  awk -v n="$(json "$tmp/paged.json" instructions)" -v w="$qbest" -v p="$(cat "$tmp/paged.wall")" \
    'BEGIN{printf "  qemu-system-riscv64, U mode    : %7.1f MIPS  (%.3f s whole process; pmemvp/qemu wall-time ratio %.2f)\n", n/w/1e6, w, p/w}'
fi

# Translation costs: the same S-mode loop in two variants each; the difference of the wall
# times over the iterations (paging-bench.c).
best_run hits -kernel "$sw/paging-bench-tlb-hits.elf"
best_run misses -kernel "$sw/paging-bench-tlb-misses.elf"
best_run satp -kernel "$sw/paging-bench-satp.elf"
best_run nosatp -kernel "$sw/paging-bench-no-satp.elf"
awk -v a="$(json "$tmp/misses.json" wall_time_s)" -v b="$(json "$tmp/hits.json" wall_time_s)" \
  'BEGIN{printf "TLB miss (Sv39 walk of 3 levels through DMI, entry filled): %.1f ns of wall time each (2^20 loads: %.3f s missing, %.3f s hitting)\n", (a-b)/1048576*1e9, a, b}'
awk -v a="$(json "$tmp/satp.json" wall_time_s)" -v b="$(json "$tmp/nosatp.json" wall_time_s)" \
  'BEGIN{printf "satp switch (write, TLB flush, the next load walking again): %.1f ns of wall time each (2^18 switches: %.3f s; the same loop writing sscratch: %.3f s)\n", (a-b)/262144*1e9, a, b}'

best_run mmio -kernel "$sw/mmio-bench.elf"
best_run ram -kernel "$sw/ram-bench.elf"
awk -v a="$(json "$tmp/mmio.json" wall_time_s)" -v b="$(json "$tmp/ram.json" wall_time_s)" \
  'BEGIN{printf "MMIO access (UART LSR read, b_transport through the router): %.1f ns of wall time each\n  (1e6 reads: %.3f s; the same loop on RAM: %.3f s)\n", (a-b)/1e6*1e9, a, b}'

# Persistence tracking through the ISS: the same store-heavy loop (8-byte stores, cbo.clean per
# line, a fence per 64 lines; 4 MiB x 8) into untracked RAM and into tracked NVDIMM memory (ADR),
# untimed (the tracking alone) and with the default optane timing on top.
pm=(-machine virt,nvdimm=on -object "memory-backend-file,id=m0,share=on,size=16M,prealloc=on,mem-path=$tmp/pmem.img"
    -device nvdimm,id=nv0,memdev=m0)
best_run untracked "${pm[@]}" -kernel "$sw/persist-bench-ram.elf"
best_run tracked "${pm[@]}" -kernel "$sw/persist-bench.elf" --pmem-timing none
best_run timed "${pm[@]}" -kernel "$sw/persist-bench.elf"
awk -v a="$(json "$tmp/tracked.json" wall_time_s)" -v b="$(json "$tmp/untracked.json" wall_time_s)" \
    -v n="$(json "$tmp/tracked.json" instructions)" \
  'BEGIN{printf "persistence tracking on a store-heavy guest loop (%d instructions): %.3f s tracked, %.3f s untracked: %.2fx (goal <= 2x)\n", n, a, b, a/b}'
awk -v a="$(json "$tmp/timed.json" wall_time_s)" -v b="$(json "$tmp/untracked.json" wall_time_s)" \
  'BEGIN{printf "  tracked and timed (--pmem-timing optane, the default): %.3f s: %.2fx\n", a, a/b}'
best_run untracked_paged "${pm[@]}" -kernel "$sw/persist-bench-ram-paged.elf"
best_run tracked_paged "${pm[@]}" -kernel "$sw/persist-bench-paged.elf" --pmem-timing none
awk -v a="$(json "$tmp/tracked_paged.json" wall_time_s)" -v b="$(json "$tmp/untracked_paged.json" wall_time_s)" \
  'BEGIN{printf "  the same from S mode under Sv39: %.3f s tracked, %.3f s untracked: %.2fx (goal <= 1.5x)\n", a, b, a/b}'
ratio=$(awk -v a="$(json "$tmp/tracked.json" wall_time_s)" -v b="$(json "$tmp/untracked.json" wall_time_s)" 'BEGIN{print a/b}')

mips=$(json "$tmp/q1.json" mips)
if awk -v r="$ratio" 'BEGIN{exit !(r > 2)}'; then
  echo "GOAL MISSED: persistence tracking costs ${ratio}x"
  if [[ $strict == --strict ]]; then exit 1; fi
fi
if ! awk -v m="$mips" 'BEGIN{ if (m < 150) { printf "GOAL MISSED: %.1f MIPS < 150 MIPS\n", m; exit 1 } printf "goal >= 150 MIPS at quantum 1us: met (%.1f)\n", m }'; then
  if [[ $strict == --strict ]]; then exit 1; fi
fi
paged_mips=$(json "$tmp/paged.json" mips)
if ! awk -v m="$paged_mips" 'BEGIN{ if (m < 250) { printf "GOAL MISSED: %.1f MIPS < 250 MIPS with paging\n", m; exit 1 } printf "goal >= 250 MIPS with Sv39 paging (U mode): met (%.1f)\n", m }'; then
  if [[ $strict == --strict ]]; then exit 1; fi
fi
# The smoke run reports a missed goal without failing: a slow host is no verdict on speed.
exit 0
