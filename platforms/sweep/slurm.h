// SPDX-License-Identifier: Apache-2.0
// Slurm's client commands (sbatch, squeue, scancel, scontrol) as pmemvp-sweep uses them, and the
// Slurm executor: one array job (or a chain of them, when the sweep is larger than the
// cluster's MaxArraySize) whose tasks run `pmemvp-sweep run-task` on a shared directory.
#pragma once
#include "executor.h"

#include <string>
#include <vector>

namespace pmemvp::sweep {

class slurm_client {
public:
    // Finds sbatch, squeue and scancel on PATH; throws sweep_error naming what is missing.
    slurm_client();

    // sbatch --test-only: throws sweep_error with sbatch's stderr if the cluster would refuse it.
    void check(const std::vector<std::string>& args, const std::string& script) const;
    // Submits `script` with `args`; returns the job id. Throws sweep_error with sbatch's stderr.
    std::string submit(const std::vector<std::string>& args, const std::string& script) const;

    enum class state { active, gone, unknown };
    // Whether any of the jobs is still queued or running; `running` counts their running tasks,
    // `problem` says why the state is unknown (squeue failed).
    state query(const std::vector<std::string>& jobs, std::size_t& running, std::string& problem) const;
    void cancel(const std::vector<std::string>& jobs) const;
    // The cluster's MaxArraySize (task indexes must be below it); 1001, Slurm's default, if
    // scontrol cannot tell.
    unsigned max_array_size() const;

private:
    std::string sbatch_, squeue_, scancel_;
};

// The Slurm executor (execute() with o.slurm).
int execute_slurm(const std::vector<const run_plan*>& todo, const executor_options& o);

// Jobs this sweep directory submitted that are still queued or running (empty if there is no
// squeue on this machine to ask).
std::vector<std::string> active_jobs(const std::string& out);

// A Slurm task: runs task `index` of the batch directory (OUT/slurm/batch-K) with execute_one.
// Returns the process's exit status.
int run_task(const std::string& batch_dir, unsigned index);

} // namespace pmemvp::sweep
