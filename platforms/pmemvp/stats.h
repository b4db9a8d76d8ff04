// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/platform/virt.h"

#include <string>

namespace pmemvp::cli {

struct run_result {
    int status = 0;
    std::string outcome;                // finished | max-time | idle
    sc_core::sc_time simulated_time;
    double wall_seconds = 0;
    std::size_t persistence_findings = 0;
};

// Writes the end-of-run statistics as JSON: everything but wall_time_s and mips is the same
// for every run of the same inputs.
void write_stats(const std::string& path, const platform::virt_platform& p, const run_result& r,
                 const sc_core::sc_time& quantum);

} // namespace pmemvp::cli
