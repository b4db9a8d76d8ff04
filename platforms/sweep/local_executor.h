// SPDX-License-Identifier: Apache-2.0
// The local executor: runs on this machine, N at a time, each pmemvp a child of this process.
#pragma once
#include "progress.h"
#include "sweep_file.h"

#include <chrono>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pmemvp::sweep {

class local_executor {
public:
    local_executor(std::string pmemvp, std::string cwd, unsigned jobs, bool quiet)
        : pmemvp_(std::move(pmemvp)), cwd_(std::move(cwd)), jobs_(jobs), quiet_(quiet) {}

    // Runs them all; returns 0, or the signal (SIGINT/SIGTERM) that stopped it: no new run then
    // starts, the running ones get SIGTERM (a second signal: SIGKILL) and are recorded.
    int run(const std::vector<const run_plan*>& todo);
    std::size_t failures() const { return failed_; }

    // Where the signal reaches pmemvp too (a Slurm task, whose processes Slurm signals one by
    // one), pmemvp is given this long to stop on its own before it is sent SIGTERM: pmemvp
    // takes a second signal as "exit at once", without its stats.
    void forward_signals_after(std::chrono::seconds delay) { forward_delay_ = delay; }

private:
    struct running_run {
        const run_plan* run;
        std::chrono::steady_clock::time_point start;
    };
    void start(const run_plan& r);
    void finish(const run_plan& r, int wait_status, double wall, const std::string& error);
    void reap();
    void on_stop_signal(int s, int& stop_signal);
    void forward_stop();

    std::string pmemvp_, cwd_;
    unsigned jobs_;
    bool quiet_;
    std::chrono::seconds forward_delay_{0};
    std::chrono::steady_clock::time_point forward_at_;
    bool forward_pending_ = false;
    progress_line* progress_ = nullptr;
    std::map<pid_t, running_run> running_;
    std::size_t done_ = 0, failed_ = 0;
};

} // namespace pmemvp::sweep
