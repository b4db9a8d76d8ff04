// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

namespace pmemvp::test {

struct process_result {
    int status = -1;    // exit status, or 128 + signal
    std::string out;    // stdout
    std::string err;    // stderr
};

// Runs a program to completion with its stdout and stderr captured (through files, so large
// outputs never block).
process_result run_process(const std::vector<std::string>& argv);
// Starts a program with stdin from /dev/null and stdout/stderr into these files; the caller
// waits for it (waitpid).
// The same path for both: one file with stdout and stderr as they were written (2>&1).
pid_t start_process(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path, const std::string& in_path = "/dev/null");

// The pmemvp binary and guest programs of this build (set by CMake).
std::string pmemvp_binary();
std::string source_path(const std::string& relative); // a file of the source tree
std::string guest(const std::string& name); // path of sw/<name>.elf
std::string inspect_binary();                // pmemvp-inspect
std::string sweep_binary();                  // pmemvp-sweep

} // namespace pmemvp::test
