// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep's results (docs/sweeps.md): each run's row (RUN/result.json), the tables made of
// them (results.csv, results.jsonl), and the plan (OUT/plan.json) from which any run can be
// executed again, here or on a Slurm node.
#pragma once
#include "sweep_file.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pmemvp::sweep {

using json = nlohmann::ordered_json;

// The shell line that reproduces a run from a fresh copy of the user's files.
std::string command_line(const run_plan& r, const std::string& pmemvp, const std::string& cwd);

// Every number of `j` into `row`, under dotted names ("nvdimms.nv0.timing.reads").
void flatten(const json& j, const std::string& name, json& row);

// One CSV field, quoted when it must be.
std::string csv_field(const json& v);

// results.csv and results.jsonl in `out`, from the runs' result.json files, in run order.
void write_results(const std::vector<run_plan>& runs, const std::string& out);

// The whole file; empty if it cannot be read.
std::string read_text(const std::string& path);
// Writes through a temporary file and a rename: readers see the old or the new text, never a part.
void write_atomically(const std::string& path, const std::string& text);

// How one run ended, as its executor saw it.
struct run_end {
    int wait_status = 0;  // waitpid's status (meaningless when error is set)
    double wall_s = 0;    // host seconds, image copy included
    std::string error;    // set when pmemvp never ran (e.g. the image copy failed)
};

// The run's row from its stats and how it ended; written to RUN/result.json and returned.
json record_result(const run_plan& r, const run_end& end, const std::string& pmemvp, const std::string& cwd);

// The row in RUN/result.json; a discarded json if there is none (not run, or not finished).
json read_result(const run_plan& r);
// Whether the run has a row with status ok.
bool run_ok(const run_plan& r);

// A run plan as JSON and back: everything needed to execute the run.
json run_plan_to_json(const run_plan& r);
run_plan run_plan_from_json(const json& j); // throws sweep_error on a malformed plan

// OUT/plan.json: the sweep's runs as commands (compared by --resume), the plans themselves, and
// the pmemvp binary and directory they run with.
struct sweep_plan {
    std::string sweep_file;
    std::string pmemvp;
    std::string cwd;
    std::vector<run_plan> runs;
};
json sweep_plan_to_json(const sweep_plan& p);
// Reads OUT/plan.json; throws sweep_error naming the file and the problem.
sweep_plan read_sweep_plan(const std::string& path);

} // namespace pmemvp::sweep
