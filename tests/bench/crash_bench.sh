#!/usr/bin/env bash
# A crash campaign's throughput: pmemvp-sweep crash over sw/crash-log (802 persistence events:
# 1,605 points with --points all), in points per second of wall time with -j 1 and -j 2, and
# how it scales. Each point is a whole pmemvp run (image copy, boot, power failure, reboot,
# recovery, 200 appends) plus the campaign's bookkeeping; the record run is not counted.
# Usage: tests/bench/crash_bench.sh BUILD_DIR [POINTS]   (POINTS: all (default) or a number)
set -euo pipefail
build=${1:?usage: crash_bench.sh BUILD_DIR [POINTS]}
points=${2:-all}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/campaign.json" <<JSON
{"base": ["-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl",
          "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=$tmp/log.img",
          "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", "$build/sw/crash-log.elf"]}
JSON
now() { date +%s.%N; }
echo "crash campaign over sw/crash-log, --points $points, on $(nproc) core(s)"
declare -A rate
for jobs in 1 2; do
  t0=$(now)
  "$build/platforms/pmemvp-sweep" crash "$tmp/campaign.json" --out "$tmp/out-$jobs" --points "$points" \
    -j "$jobs" > "$tmp/summary-$jobs.txt" 2> "$tmp/log-$jobs.txt"
  t1=$(now)
  # The record run's own wall time is not the campaign's throughput.
  record=$(sed -n 's/.*"run_wall_time_s":\([0-9.e+-]*\).*/\1/p' "$tmp/out-$jobs/record/results.jsonl")
  n=$(sed -n 's/.*"points_run": \([0-9]*\).*/\1/p' "$tmp/out-$jobs/summary.json")
  rate[$jobs]=$(awk "BEGIN{printf \"%.1f\", $n / ($t1 - $t0 - $record)}")
  printf '  -j %s: %s points in %.1f s: %s points/s   (%s)\n' "$jobs" "$n" "$(awk "BEGIN{print $t1 - $t0}")" \
    "${rate[$jobs]}" "$(head -1 "$tmp/summary-$jobs.txt")"
done
awk "BEGIN{printf \"  -j 2 / -j 1: %.2fx\n\", ${rate[2]} / ${rate[1]}}"
