// SPDX-License-Identifier: Apache-2.0
#include "executor.h"

#include "local_executor.h"
#include "results.h"
#include "slurm.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace pmemvp::sweep {

int execute(const std::vector<const run_plan*>& todo, const executor_options& o) {
    if (o.slurm) return execute_slurm(todo, o);
    const unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
    return local_executor(o.pmemvp, o.cwd, jobs, o.quiet).run(todo);
}

int execute_one(const run_plan& r, const std::string& pmemvp, const std::string& cwd) {
    // The local executor with one job: the same image copies, signal handling and row.
    local_executor one(pmemvp, cwd, 1, true);
    one.forward_signals_after(std::chrono::seconds(2));
    const int stopped = one.run({&r});
    if (stopped) return 128 + stopped;
    return run_ok(r) ? 0 : 1;
}

} // namespace pmemvp::sweep
