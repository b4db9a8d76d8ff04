// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/process.h"

#include "pmemvp/test/harness.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pmemvp::test {

pid_t start_process(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path, const std::string& in_path) {
    const pid_t pid = fork();
    if (pid == 0) {
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = err_path == out_path ? out : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open(in_path.c_str(), O_RDONLY);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

process_result run_process(const std::vector<std::string>& argv) {
    const std::string dir = make_temp_dir();
    const std::string out_path = dir + "/out", err_path = dir + "/err";
    const pid_t pid = start_process(argv, out_path, err_path);
    int status = 0;
    waitpid(pid, &status, 0);
    process_result r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

std::string pmemvp_binary() { return PMEMVP_BINARY; }
std::string source_path(const std::string& relative) { return std::string(PMEMVP_SOURCE_DIR) + "/" + relative; }
std::string inspect_binary() { return PMEMVP_INSPECT_BINARY; }
std::string sweep_binary() { return PMEMVP_SWEEP_BINARY; }
std::string guest(const std::string& name) { return std::string(PMEMVP_SW_DIR) + "/" + name + ".elf"; }

} // namespace pmemvp::test
