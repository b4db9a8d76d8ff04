// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep's sweep file (docs/sweeps.md): parsing, validation and expansion into runs.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pmemvp::sweep {

// A problem with the command line or the sweep file: the message names it and the fix.
struct sweep_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class axis_kind { placeholder, option, timing, guest, power_fail_at, seed };

struct axis {
    std::string name;
    axis_kind kind = axis_kind::placeholder;
    std::vector<std::string> values;
};

struct sweep_spec {
    std::vector<std::string> base; // pmemvp's arguments, without the program
    std::vector<axis> axes;        // in the file's order
    bool zip = false;
    unsigned repetitions = 1;
};

// One backing file of a run: the user's file (absolute; it may not exist) and the run's copy.
struct image {
    std::string original;
    std::string copy;
};

struct run_plan {
    unsigned index = 0;
    unsigned repetition = 0;
    std::vector<std::pair<std::string, std::string>> values; // axis name -> value
    std::string dir;                                         // absolute
    std::vector<std::string> args;                           // pmemvp's arguments, --stats included
    std::vector<image> images;
};

// Reads and validates a sweep file; throws sweep_error.
sweep_spec load_sweep(const std::string& path);

// Every run of the sweep, their directories under out_dir (absolute), relative paths of the
// base command resolved against cwd. Throws sweep_error.
std::vector<run_plan> expand(const sweep_spec& spec, const std::string& out_dir, const std::string& cwd);

std::string shell_quote(const std::string& s);

} // namespace pmemvp::sweep
