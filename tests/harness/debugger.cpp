// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace pmemvp::test {

bool have_gdb() { return std::system("gdb-multiarch --version > /dev/null 2>&1") == 0; }
bool have_qemu() { return std::system("qemu-system-riscv64 --version > /dev/null 2>&1") == 0; }

unsigned free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t size = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
    close(fd);
    return ntohs(a.sin_port);
}

int connect_tcp(unsigned port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// From /proc/net/tcp: connecting would make us a client.
bool listening(unsigned port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    char wanted[16];
    std::snprintf(wanted, sizeof wanted, ":%04X ", port);
    while (std::getline(in, line)) // "sl local_address rem_address st ...": st 0A is LISTEN
        if (line.find(wanted) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
    return false;
}

std::string simulated_stats(const std::string& path) {
    std::istringstream in(read_file(path));
    std::string line, out;
    while (std::getline(in, line))
        if (line.find("wall_time_s") == std::string::npos && line.find("\"mips\"") == std::string::npos &&
            line.find("\"path\"") == std::string::npos) // the runs' own backing files
            out += line + "\n";
    return out;
}

std::unique_ptr<background> start_listening(unsigned& port,
                                            const std::function<std::vector<std::string>(unsigned)>& argv) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        port = free_port();
        auto p = std::make_unique<background>(argv(port));
        for (int i = 0; i < 500 && !listening(port); ++i) {
            int status = 0;
            if (waitpid(p->pid, &status, WNOHANG) == p->pid) { // e.g. the port was taken
                p->pid = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (p->pid > 0 && listening(port)) return p;
    }
    ADD_FAILURE() << "the stub never listened";
    return nullptr;
}

process_result run_gdb(const std::string& target, const std::string& script, const std::string& elf) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script.gdb") << "set pagination off\n" << script;
    const pid_t pid = start_process({"timeout", "120", "gdb-multiarch", "-nx", "-batch", "-ex",
                                     "set architecture riscv:rv64", "-ex", "target remote " + target, "-x",
                                     dir + "/script.gdb", elf},
                                    dir + "/out", dir + "/out");
    int status = 0;
    waitpid(pid, &status, 0);
    process_result r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(dir + "/out");
    return r;
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) out.push_back(line);
    return out;
}

background::background(const std::vector<std::string>& argv) {
    const std::string dir = make_temp_dir();
    out_path = dir + "/out";
    err_path = dir + "/err";
    pid = start_process(argv, out_path, err_path);
}

process_result background::wait_for(std::chrono::seconds limit) {
    process_result r;
    const auto end = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.status = -1;
            r.out = read_file(out_path);
            r.err = read_file(err_path);
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid = -1;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

background::~background() {
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
}

} // namespace pmemvp::test
