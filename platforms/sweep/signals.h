// SPDX-License-Identifier: Apache-2.0
// SIGINT, SIGTERM and SIGCHLD taken synchronously by an executor's loop (sigtimedwait), so
// that a signal never interrupts it half-way through starting or recording a run.
#pragma once
#include <csignal>

namespace pmemvp::sweep {

class blocked_signals {
public:
    // Blocks them, with handlers so that none is ignored. They stay blocked after the executor:
    // a Ctrl-C while the results are written stays pending rather than killing the sweep before
    // they are written, and stops the next executor of the same process (a campaign's next stage).
    blocked_signals();

    // Waits up to `seconds` (0: only looks) for one of them; returns it, or 0.
    int wait(long seconds);

private:
    sigset_t set_;
};

} // namespace pmemvp::sweep
