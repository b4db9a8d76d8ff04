// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace pmemvp::cli {

// SIGINT and SIGTERM ask the run to stop: the simulation ends at its next slice of simulated
// time, then backing files are synced and stats written as usual. A second signal ends the
// process at once (_exit): the mapped backing files keep what the guest had stored, since the
// host kernel owns their pages, but nothing more is written.
void install_interrupt_handlers();
// The signal that asked the run to stop, or 0.
int interrupt_signal();

} // namespace pmemvp::cli
