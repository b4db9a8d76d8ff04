// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep's executors (docs/sweeps.md): run plans on this machine (-j N at a time) or as
// one Slurm array job. Every run ends with RUN/result.json written (record_result), which is
// all that the results tables are made of, whichever executor ran it.
#pragma once
#include "sweep_file.h"

#include <string>
#include <vector>

namespace pmemvp::sweep {

struct executor_options {
    std::string pmemvp; // the pmemvp binary (absolute)
    std::string cwd;    // where pmemvp runs: relative paths of the commands are relative to it
    std::string out;    // the sweep's directory (holds plan.json; Slurm's files go to OUT/slurm)
    unsigned jobs = 0;  // local: runs at a time (0: the number of cores)
    bool quiet = false; // no progress line (a Slurm task)

    // Slurm: one `sbatch --array` job whose tasks run `pmemvp-sweep run-task` on OUT/plan.json,
    // which must exist and be on a file system every node sees, as must pmemvp, the sweep's
    // directory and the images.
    bool slurm = false;
    bool no_wait = false;     // return once submitted
    std::string partition, account, time_limit; // sbatch --partition, --account, --time
    std::vector<std::string> sbatch_args;       // more sbatch arguments, each one word
    std::string sbatch_extra;                   // more sbatch arguments, split at spaces
    unsigned array_limit = 0;                   // tasks at a time (0: 64)
    std::string collect_hint;                   // with no_wait: how the user collects (printed)
};

// Runs every plan of `todo` (each ends with run.dir/result.json written). Returns 0, or the
// signal (SIGINT/SIGTERM) that stopped it. With no_wait (Slurm only) returns after submitting.
// Throws sweep_error when the executor cannot start (no sbatch, a refused submission).
int execute(const std::vector<const run_plan*>& todo, const executor_options& o);

// One run, synchronously, in this process's child: copy images, run pmemvp, write result.json
// (used by Slurm array tasks). SIGINT/SIGTERM reach pmemvp, whose stats are still recorded.
// Returns 0 if the run is ok, 1 if it failed, 128 + signal if a signal stopped it.
int execute_one(const run_plan& r, const std::string& pmemvp, const std::string& cwd);

} // namespace pmemvp::sweep
