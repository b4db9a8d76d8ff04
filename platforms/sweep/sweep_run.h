// SPDX-License-Identifier: Apache-2.0
// `pmemvp-sweep run`: a sweep file's runs into an output directory, through an executor, and
// the results tables made of what the runs recorded.
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

// Exit status: 0 every run ok, 1 some failed, 128 + signal if stopped. Throws sweep_error for
// a bad sweep file or directory.
int run_sweep(const run_options& o);


} // namespace pmemvp::sweep
