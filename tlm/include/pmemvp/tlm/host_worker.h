// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pmemvp {

// One host thread for blocking host I/O (msync, fsync) that must not stall the simulation
// thread while simulated time goes on: start() hands it a job, finish() waits for its result.
// Both sides spin briefly before sleeping: a futex wake-up costs tens of microseconds on a
// VM, as much as the simulation of a whole flush round trip.
class host_worker {
public:
    host_worker();
    ~host_worker();
    host_worker(const host_worker&) = delete;
    host_worker& operator=(const host_worker&) = delete;

    void start(std::function<bool()> job); // one job at a time
    bool finish();                          // blocks (wall time only); the job's result

private:
    enum : int { idle, queued, done, stopping };
    void loop();
    bool spin_until(int wanted);

    std::atomic<int> state_{idle};
    std::function<bool()> job_;
    bool result_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::thread thread_;
};

} // namespace pmemvp
