// SPDX-License-Identifier: Apache-2.0
#include "interrupt.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace pmemvp::cli {

namespace {

std::atomic<int> requested{0};

extern "C" void on_signal(int sig) {
    int none = 0;
    if (!requested.compare_exchange_strong(none, sig)) {
        static const char text[] = "pmemvp: second signal: exiting at once\n";
        [[maybe_unused]] auto n = write(STDERR_FILENO, text, sizeof text - 1);
        _exit(128 + sig);
    }
}

} // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // host I/O (msync, writes) goes on undisturbed
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() { return requested.load(); }

} // namespace pmemvp::cli
