// SPDX-License-Identifier: Apache-2.0
#include "signals.h"

#include <ctime>

namespace pmemvp::sweep {

namespace {

constexpr int taken[3] = {SIGINT, SIGTERM, SIGCHLD};

void on_signal(int) {} // never called while blocked; keeps SIGCHLD from being discarded

} // namespace

blocked_signals::blocked_signals() {
    sigemptyset(&set_);
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : taken) {
        sigaddset(&set_, s);
        sigaction(s, &sa, nullptr);
    }
    sigprocmask(SIG_BLOCK, &set_, nullptr);
}

int blocked_signals::wait(long seconds) {
    timespec timeout{seconds, 0};
    siginfo_t info;
    const int s = sigtimedwait(&set_, &info, &timeout);
    return s > 0 ? s : 0;
}

} // namespace pmemvp::sweep
