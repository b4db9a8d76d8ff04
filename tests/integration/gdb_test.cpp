// SPDX-License-Identifier: Apache-2.0
// The real pmemvp with its GDB stub, driven by the real gdb-multiarch, and by a client that
// sends garbage.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace pmemvp::test;

namespace {

bool have_gdb() { return std::system("gdb-multiarch --version > /dev/null 2>&1") == 0; }

// A port nobody listens on now (bound then released).
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

// Whether something listens on the TCP port (from /proc/net/tcp: connecting would be a client).
bool listening(unsigned port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    char wanted[16];
    std::snprintf(wanted, sizeof wanted, ":%04X ", port);
    while (std::getline(in, line)) // "sl local_address rem_address st ...": st 0A is LISTEN
        if (line.find(wanted) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
    return false;
}

// pmemvp in the background, its output in files.
struct background {
    pid_t pid = -1;
    std::string out_path, err_path;

    explicit background(const std::vector<std::string>& argv) {
        const std::string dir = make_temp_dir();
        out_path = dir + "/out";
        err_path = dir + "/err";
        pid = start_process(argv, out_path, err_path);
    }
    // The exit status, or -1 if it did not end within the time (then it is killed).
    process_result wait_for(std::chrono::seconds limit) {
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
    ~background() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

// A --stats file without its wall-clock lines: what must not change with a debugger.
std::string simulated_stats(const std::string& path) {
    std::istringstream in(read_file(path));
    std::string line, out;
    while (std::getline(in, line))
        if (line.find("wall_time_s") == std::string::npos && line.find("\"mips\"") == std::string::npos)
            out += line + "\n";
    return out;
}

// Starts pmemvp -S -gdb on a free port and waits until it listens.
std::unique_ptr<background> start_stopped(unsigned& port, const std::string& guest_name,
                                          std::vector<std::string> extra = {}, bool stopped = true) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        port = free_port();
        std::vector<std::string> args{pmemvp_binary(), "-gdb", "tcp::" + std::to_string(port),
                                      "-kernel", guest(guest_name)};
        if (stopped) args.push_back("-S");
        args.insert(args.end(), extra.begin(), extra.end());
        auto p = std::make_unique<background>(args);
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
    ADD_FAILURE() << "pmemvp never listened";
    return nullptr;
}

} // namespace

TEST(gdb, break_at_main_step_and_continue) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    const std::string dir = make_temp_dir();
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--stats", dir + "/plain.json"});
    ASSERT_EQ(plain.status, 0);

    unsigned port = 0;
    auto vp = start_stopped(port, "hello", {"--stats", dir + "/gdb.json"});
    ASSERT_TRUE(vp);
    const auto g = run_process({"timeout", "120", "gdb-multiarch", "-nx", "-batch",
                                "-ex", "set architecture riscv:rv64",
                                "-ex", "target remote :" + std::to_string(port),
                                "-ex", "break main", "-ex", "continue", "-ex", "info registers pc",
                                "-ex", "stepi", "-ex", "x/4xw $pc", "-ex", "info registers mstatus",
                                "-ex", "continue", guest("hello")});
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(g.status, 0) << g.out << g.err;
    EXPECT_NE(g.out.find("Breakpoint 1, main ()"), std::string::npos) << g.out << g.err;
    EXPECT_NE(g.out.find("<main>"), std::string::npos) << g.out; // info registers pc
    EXPECT_NE(g.out.find("<main+"), std::string::npos) << g.out; // after stepi
    EXPECT_NE(g.out.find("mstatus"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out << g.err;
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(simulated_stats(dir + "/gdb.json"), simulated_stats(dir + "/plain.json"))
        << "stopping and stepping change nothing simulated";
}

namespace {

int connect_to(unsigned port) {
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

// Reads until `wanted` arrives (true) or the time runs out.
bool read_until(int fd, const std::string& wanted, std::string& got, int timeout_ms) {
    for (int waited = 0; got.find(wanted) == std::string::npos; waited += 50) {
        if (waited > timeout_ms) return false;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            char buffer[4096];
            const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) return false;
            got.append(buffer, static_cast<std::size_t>(n));
        }
    }
    return true;
}

} // namespace

TEST(gdb, ctrl_c_stops_a_running_guest_and_changes_nothing_simulated) {
    const std::string dir = make_temp_dir();
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("compute"), "--stats", dir + "/plain.json"});
    ASSERT_EQ(plain.status, 0);
    unsigned port = 0;
    auto vp = start_stopped(port, "compute", {"--stats", dir + "/gdb.json"}, false);
    ASSERT_TRUE(vp);
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    std::string got;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(send(fd, "\x03", 1, MSG_NOSIGNAL), 1);
    EXPECT_TRUE(read_until(fd, "$S02#b5", got, 10000)) << got; // SIGINT, as QEMU
    got.clear();
    const std::string g = "$g#67";
    ASSERT_EQ(send(fd, g.data(), g.size(), MSG_NOSIGNAL), static_cast<ssize_t>(g.size()));
    EXPECT_TRUE(read_until(fd, "#", got, 10000)) << got;
    EXPECT_EQ(got.find("$") != std::string::npos ? got.find('#') - got.find('$') - 1 : 0, 33u * 16) << got;
    const std::string c = "$c#63";
    ASSERT_EQ(send(fd, c.data(), c.size(), MSG_NOSIGNAL), static_cast<ssize_t>(c.size()));
    got.clear();
    EXPECT_TRUE(read_until(fd, "$W00#b7", got, 60000)) << got; // the guest's end
    close(fd);
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(simulated_stats(dir + "/gdb.json"), simulated_stats(dir + "/plain.json"));
}

TEST(gdb, garbage_neither_crashes_nor_hangs) {
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("hello")});
    unsigned port = 0;
    auto vp = start_stopped(port, "hello");
    ASSERT_TRUE(vp);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::string garbage;
    std::mt19937 random(14);
    for (int i = 0; i < 100000; ++i) {
        const char c = static_cast<char>(random());
        if (c != '$') garbage += c; // no packet can form by chance (a 'k' would end the run)
    }
    garbage += "$g#00";                                       // a bad checksum
    garbage += "$m80000000,4#zz";                             // bad checksum digits
    garbage += "$" + std::string(1 << 20, 'm') + "#00";       // a huge packet
    garbage += "$mffffffffffffffff,ffffffffffffffff#";        // a huge length, checksum below
    {
        unsigned sum = 0;
        for (const char c : std::string("mffffffffffffffff,ffffffffffffffff")) sum += static_cast<unsigned char>(c);
        char cs[4];
        std::snprintf(cs, sizeof cs, "%02x", sum & 0xff);
        garbage += cs;
    }
    garbage += "$?#3f"; // a good packet: the stub still answers
    std::size_t sent = 0;
    std::string replies;
    while (sent < garbage.size()) {
        const ssize_t n = send(fd, garbage.data() + sent, garbage.size() - sent, MSG_NOSIGNAL);
        ASSERT_GT(n, 0);
        sent += static_cast<std::size_t>(n);
        char buffer[4096];
        pollfd p{fd, POLLIN, 0};
        while (poll(&p, 1, 0) > 0) {
            const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) break;
            replies.append(buffer, static_cast<std::size_t>(got));
        }
    }
    for (int i = 0; i < 200 && replies.find("$S05#b8") == std::string::npos; ++i) {
        char buffer[4096];
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) break;
            replies.append(buffer, static_cast<std::size_t>(got));
        }
    }
    EXPECT_NE(replies.find("$S05#b8"), std::string::npos) << "the stub answers after garbage";
    EXPECT_NE(replies.find("$E14#aa"), std::string::npos) << "a huge read is an error";
    EXPECT_NE(replies.find('-'), std::string::npos) << "bad packets are refused";
    close(fd); // a client that goes away lets the guest run on
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
}
