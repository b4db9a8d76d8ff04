// SPDX-License-Identifier: Apache-2.0
// Helpers for tests that debug the real pmemvp with gdb-multiarch (and compare with QEMU's
// stub): processes in the background, free ports, gdb in batch mode.
#pragma once
#include "pmemvp/test/process.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pmemvp::test {

bool have_gdb();  // gdb-multiarch
bool have_qemu(); // qemu-system-riscv64

// A TCP port nobody listens on now (bound then released).
unsigned free_port();
// Whether something listens on the TCP port.
bool listening(unsigned port);
// A connection to a local TCP port; -1 if nothing accepts it.
int connect_tcp(unsigned port);

// A process in the background, its output in files; killed if still running at destruction.
struct background {
    pid_t pid = -1;
    std::string out_path, err_path;

    explicit background(const std::vector<std::string>& argv);
    // The exit status, or -1 if it did not end within the time (then it is killed).
    process_result wait_for(std::chrono::seconds limit);
    ~background();
};

// Starts a stub (argv for a port) on a free port and waits until it listens; nullptr (and a
// test failure) if it never does.
std::unique_ptr<background> start_listening(unsigned& port,
                                            const std::function<std::vector<std::string>(unsigned)>& argv);

// gdb-multiarch in batch mode: connects to `target` (":PORT" or a socket path), runs `script`
// on `elf`. Its stdout and stderr (where batch mode puts monitor output) in one, in order.
process_result run_gdb(const std::string& target, const std::string& script, const std::string& elf);

// A --stats file without its wall-clock lines and backing-file paths: what must not change
// with a debugger.
std::string simulated_stats(const std::string& path);

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix);

} // namespace pmemvp::test
