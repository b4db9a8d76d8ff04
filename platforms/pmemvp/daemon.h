// SPDX-License-Identifier: Apache-2.0
// -daemonize, as QEMU does it: the process forks before it builds anything; the parent waits
// until the child is ready for connections (monitors and debugger listening), then exits 0 and
// gives the shell back. The child then leaves its standard streams for /dev/null and runs on.
// If the child fails first, the parent exits with the child's status (its message was printed).
#pragma once

namespace pmemvp::cli {

// In the parent this never returns; in the child (and without -daemonize) it does.
void daemonize();
// In a daemonized child: tells the parent, then detaches stdin, stdout and stderr. Elsewhere
// nothing.
void daemon_ready();

} // namespace pmemvp::cli
