// SPDX-License-Identifier: Apache-2.0
// `pmemvp-sweep run` and `pmemvp-sweep collect`: a sweep file's runs into an output directory,
// through an executor, and the results tables made of what the runs recorded.
#pragma once
#include "executor.h"

#include <string>

namespace pmemvp::sweep {

struct run_options {
    std::string sweep_file;
    std::string out = "sweep-out";
    bool resume = false;
    std::string pmemvp;        // empty: the pmemvp next to pmemvp-sweep
    executor_options executor; // pmemvp, cwd and out are filled in by run_sweep
};

// The pmemvp binary: `given`, or the one next to pmemvp-sweep; throws sweep_error if it cannot run.
std::string resolve_pmemvp(const std::string& given);

// Exit status: 0 every run ok, 1 some failed, 128 + signal if stopped; 0 once submitted with
// --no-wait. Throws sweep_error for a bad sweep file or directory.
int run_sweep(const run_options& o);

// Writes OUT's results tables from the results there so far and says what is missing or still
// running; with `wait`, first waits until OUT's Slurm jobs have left the queue. Exit status: 0
// every run ok, 1 some failed or have no result yet.
int collect_sweep(const std::string& out, bool wait);

} // namespace pmemvp::sweep
