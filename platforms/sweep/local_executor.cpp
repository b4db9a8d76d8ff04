// SPDX-License-Identifier: Apache-2.0
#include "local_executor.h"

#include "image_copy.h"
#include "process.h"
#include "results.h"
#include "signals.h"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <sys/wait.h>

namespace pmemvp::sweep {

namespace fs = std::filesystem;

void local_executor::start(const run_plan& r) {
    const auto t0 = std::chrono::steady_clock::now();
    std::error_code ec;
    fs::remove_all(r.dir, ec); // a failed or partial earlier attempt
    if (!fs::create_directories(r.dir, ec) && ec)
        throw std::runtime_error("cannot create " + r.dir + ": " + ec.message());
    try {
        for (const image& im : r.images)
            if (fs::exists(im.original)) copy_image(im.original, im.copy);
    } catch (const std::exception& e) {
        finish(r, -1, 0, std::string("image copy failed: ") + e.what());
        return;
    }
    std::string error;
    const pid_t pid = spawn_run(r, pmemvp_, cwd_, error);
    if (pid < 0) {
        finish(r, -1, 0, error);
        return;
    }
    running_[pid] = {&r, t0};
}

void local_executor::finish(const run_plan& r, int wait_status, double wall, const std::string& error) {
    const json row = record_result(r, {wait_status, wall, error}, pmemvp_, cwd_);
    ++done_;
    if (row["status"] == "ok") return;
    ++failed_;
    if (!progress_->tty()) {
        const json& status = row["exit_status"];
        progress_->note("run " + std::to_string(r.index) + " failed: " + row["outcome"].get<std::string>() +
                        " (exit status " + (status.is_null() ? std::string("none") : status.dump()) + ", " + r.dir +
                        ")");
    }
}

// Records every run that has ended.
void local_executor::reap() {
    for (;;) {
        int st = 0;
        const pid_t pid = ::waitpid(-1, &st, WNOHANG);
        if (pid <= 0) break;
        const auto it = running_.find(pid);
        if (it == running_.end()) continue;
        const running_run rr = it->second;
        running_.erase(it);
        finish(*rr.run, st, std::chrono::duration<double>(std::chrono::steady_clock::now() - rr.start).count(), "");
    }
}

void local_executor::on_stop_signal(int s, int& stop_signal) {
    if (!stop_signal) {
        stop_signal = s;
        progress_->note(std::string(strsignal(s)) + ": no new runs; stopping the " + std::to_string(running_.size()) +
                        " running (again to kill them)");
        forward_at_ = std::chrono::steady_clock::now() + forward_delay_;
        forward_pending_ = true;
        forward_stop();
    } else {
        for (const auto& [pid, rr] : running_)
            ::kill(pid, SIGKILL);
    }
}

// SIGTERM to the running pmemvp processes, once, when the delay has passed.
void local_executor::forward_stop() {
    if (!forward_pending_ || std::chrono::steady_clock::now() < forward_at_) return;
    forward_pending_ = false;
    for (const auto& [pid, rr] : running_)
        ::kill(pid, SIGTERM);
}

int local_executor::run(const std::vector<const run_plan*>& todo) {
    progress_line progress(todo.size(), quiet_);
    progress_ = &progress;
    blocked_signals signals;
    int stop_signal = 0;
    std::size_t next = 0;
    for (;;) {
        while (!stop_signal && running_.size() < jobs_ && next < todo.size())
            start(*todo[next++]);
        progress.update(done_, failed_, running_.size());
        if (running_.empty() && (stop_signal || next == todo.size())) break;
        // With nothing running (every start failed at once), only look for a signal.
        const int s = signals.wait(running_.empty() ? 0 : 1);
        if (s == SIGINT || s == SIGTERM) on_stop_signal(s, stop_signal);
        reap();
        forward_stop();
    }
    progress.finish(done_, failed_, running_.size());
    progress_ = nullptr;
    return stop_signal;
}

} // namespace pmemvp::sweep
