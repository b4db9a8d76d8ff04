// SPDX-License-Identifier: Apache-2.0
#include "process.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pmemvp::sweep {

namespace fs = std::filesystem;

namespace {

// Signal mask empty and SIGINT, SIGTERM, SIGCHLD to their defaults (the sweep blocks and takes
// them), in a new process group.
struct spawn_attributes {
    posix_spawnattr_t attr;
    spawn_attributes() {
        posix_spawnattr_init(&attr);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE})
            sigaddset(&defaults, s);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    }
    ~spawn_attributes() { posix_spawnattr_destroy(&attr); }
    spawn_attributes(const spawn_attributes&) = delete;
    spawn_attributes& operator=(const spawn_attributes&) = delete;
};

struct file_actions {
    posix_spawn_file_actions_t fa;
    file_actions() { posix_spawn_file_actions_init(&fa); }
    ~file_actions() { posix_spawn_file_actions_destroy(&fa); }
    file_actions(const file_actions&) = delete;
    file_actions& operator=(const file_actions&) = delete;
};

std::vector<char*> c_argv(std::vector<std::string>& argv) {
    std::vector<char*> c;
    for (std::string& a : argv)
        c.push_back(a.data());
    c.push_back(nullptr);
    return c;
}

int exit_status(int wait_status) {
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

} // namespace

pid_t spawn_run(const run_plan& r, const std::string& pmemvp, const std::string& cwd, std::string& error) {
    std::vector<std::string> argv{pmemvp};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    std::vector<char*> cargv = c_argv(argv);
    file_actions f;
    posix_spawn_file_actions_addopen(&f.fa, 0, "/dev/null", O_RDONLY, 0);
    const std::string out = r.dir + "/stdout.txt", err = r.dir + "/stderr.txt";
    posix_spawn_file_actions_addopen(&f.fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&f.fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // Relative paths of the command are the sweep's directory's, wherever this process runs
    // (a Slurm task starts in another).
    posix_spawn_file_actions_addchdir_np(&f.fa, cwd.c_str());
    spawn_attributes a;
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, pmemvp.c_str(), &f.fa, &a.attr, cargv.data(), environ);
    if (rc != 0) {
        error = "cannot start " + pmemvp + ": " + std::strerror(rc);
        return -1;
    }
    return pid;
}

command_result run_command(const std::vector<std::string>& args) {
    command_result res;
    std::vector<std::string> argv = args;
    const std::string path = find_program(argv.at(0));
    if (path.empty()) {
        res.err = argv[0] + ": not found on PATH";
        return res;
    }
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        res.err = std::string("pipe: ") + std::strerror(errno);
        return res;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        res.err = std::string("pipe: ") + std::strerror(errno);
        ::close(out[0]);
        ::close(out[1]);
        return res;
    }
    file_actions f;
    posix_spawn_file_actions_addopen(&f.fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&f.fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&f.fa, err[1], 2);
    spawn_attributes a;
    std::vector<char*> cargv = c_argv(argv);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, path.c_str(), &f.fa, &a.attr, cargv.data(), environ);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        res.err = "cannot start " + path + ": " + std::strerror(rc);
        ::close(out[0]);
        ::close(err[0]);
        return res;
    }
    // Both pipes at once, so that neither fills while the other is read.
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* text[2] = {&res.out, &res.err};
    for (int open = 2; open > 0;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                text[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (const pollfd& p : fds)
        if (p.fd >= 0) ::close(p.fd);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    res.status = exit_status(st);
    return res;
}

std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (std::size_t at = 0; at <= dirs.size();) {
        std::size_t end = dirs.find(':', at);
        if (end == std::string::npos) end = dirs.size();
        const std::string dir = end > at ? dirs.substr(at, end - at) : ".";
        const std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
        at = end + 1;
    }
    return {};
}

std::string self_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(".") : exe.parent_path().string();
}

} // namespace pmemvp::sweep
