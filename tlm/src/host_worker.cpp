// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/host_worker.h"

#include <chrono>

namespace pmemvp {

namespace {
inline void relax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}
} // namespace

host_worker::host_worker() : thread_([this] { loop(); }) {}

host_worker::~host_worker() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.store(stopping);
    }
    changed_.notify_all();
    thread_.join();
}

bool host_worker::spin_until(int wanted) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
    for (int i = 0;; ++i) {
        if (state_.load(std::memory_order_acquire) == wanted) return true;
        relax();
        if (i % 256 == 0 && std::chrono::steady_clock::now() > until) return false;
    }
}

void host_worker::start(std::function<bool()> job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = std::move(job);
        state_.store(queued, std::memory_order_release);
    }
    changed_.notify_all();
}

bool host_worker::finish() {
    if (!spin_until(done)) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return state_.load() == done; });
    }
    const bool result = result_;
    state_.store(idle, std::memory_order_release);
    return result;
}

void host_worker::loop() {
    for (;;) {
        if (!spin_until(queued)) {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { int s = state_.load(); return s == queued || s == stopping; });
        }
        if (state_.load() == stopping) return;
        std::function<bool()> job;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            job = std::move(job_);
        }
        result_ = job();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            state_.store(done, std::memory_order_release);
        }
        changed_.notify_all();
    }
}

} // namespace pmemvp
