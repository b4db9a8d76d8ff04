// SPDX-License-Identifier: Apache-2.0
// Child processes of pmemvp-sweep: pmemvp for a run, and the short commands it asks things of
// (sbatch, squeue, scancel, gnuplot).
#pragma once
#include "sweep_file.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace pmemvp::sweep {

// Starts pmemvp for run `r`: in `cwd`, stdin from /dev/null, stdout and stderr into the run's
// directory, default signal handling, in a process group of its own (a terminal's Ctrl-C
// reaches only the sweep, which stops its runs). Returns the pid, or -1 with `error` set.
pid_t spawn_run(const run_plan& r, const std::string& pmemvp, const std::string& cwd, std::string& error);

struct command_result {
    int status = -1;  // exit status, 128 + signal if killed, -1 if it could not start
    std::string out;  // stdout
    std::string err;  // stderr, or why it could not start
};

// Runs a program to completion (found on PATH if argv[0] has no '/'), its output captured, in a
// process group of its own so that a terminal's Ctrl-C does not interrupt it half-way.
command_result run_command(const std::vector<std::string>& argv);

// The program's path on PATH (or itself if it holds a '/' and is executable); empty if none.
std::string find_program(const std::string& name);

// The directory of the running executable.
std::string self_dir();

} // namespace pmemvp::sweep
