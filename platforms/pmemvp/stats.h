// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/platform/virt.h"

#include <string>

namespace pmemvp::cli {

struct run_result {
    int status = 0;
    std::string outcome; // finished | power-failure | max-time | idle | stuck | interrupted | quit
    sc_core::sc_time simulated_time;
    double wall_seconds = 0;
    std::size_t persistence_findings = 0;
};

// The version of the --stats layout (docs/stats.md, docs/stats.schema.json): raised when a
// field changes meaning or goes; new fields do not raise it.
constexpr const char* stats_schema = "pmemvp-stats/1";

// Writes the end-of-run statistics as JSON: everything but wall_time_s and mips is the same
// for every run of the same inputs. Devices and backends are keyed by the user's ids.
void write_stats(const std::string& path, const platform::virt_platform& p, const run_result& r,
                 const sc_core::sc_time& quantum);

// Simulated times as whole picoseconds, for files and scripts that must replay them exactly.
std::uint64_t to_ps(const sc_core::sc_time& t);
sc_core::sc_time from_ps(std::uint64_t ps);

// The user's id for a tracked memory (the NVDIMM's or virtio-pmem device's id=), else the
// platform's name for it.
std::string memory_key(const platform::virt_platform& p, const platform::tracked_pmem& t);

// One line of --stats-interval's JSON Lines: the time, counters and each memory's line counts
// (end: the last line, as the run ended).
std::string sample_line(const platform::virt_platform& p, bool end = false);

} // namespace pmemvp::cli
