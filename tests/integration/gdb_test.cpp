// SPDX-License-Identifier: Apache-2.0
// The real pmemvp with its GDB stub, driven by the real gdb-multiarch, and by a client that
// sends garbage.
#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace pmemvp::test;

namespace {

// Starts pmemvp -S -gdb on a free port and waits until it listens.
std::unique_ptr<background> start_stopped(unsigned& port, const std::string& guest_name,
                                          std::vector<std::string> extra = {}, bool stopped = true) {
    return start_listening(port, [&](unsigned p) {
        std::vector<std::string> args{pmemvp_binary(), "-gdb", "tcp::" + std::to_string(p), "-kernel",
                                      guest(guest_name)};
        if (stopped) args.push_back("-S");
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    });
}

// QEMU's stub on the same ELF, stopped at the reset vector.
std::unique_ptr<background> start_qemu(unsigned& port, const std::string& guest_name) {
    return start_listening(port, [&](unsigned p) {
        return std::vector<std::string>{"qemu-system-riscv64", "-M", "virt", "-bios", "none", "-nographic",
                                        "-kernel", guest(guest_name), "-gdb", "tcp::" + std::to_string(p), "-S"};
    });
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
    const auto g = run_gdb(":" + std::to_string(port),
                           "break main\ncontinue\ninfo registers pc\nstepi\nx/4xw $pc\ninfo registers mstatus\ncontinue\n",
                           guest("hello"));
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
    const int fd = connect_tcp(port);
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

TEST(gdb, a_client_that_leaves_in_the_middle_of_a_packet_lets_the_guest_finish) {
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("hello")});
    unsigned port = 0;
    auto vp = start_stopped(port, "hello");
    ASSERT_TRUE(vp);
    const int fd = connect_tcp(port);
    ASSERT_GE(fd, 0);
    const std::string half = "$m80000000,4"; // no '#', no checksum
    ASSERT_EQ(send(fd, half.data(), half.size(), MSG_NOSIGNAL), static_cast<ssize_t>(half.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    close(fd);
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
}

// ---- QEMU's stub is the oracle -----------------------------------------------------------------

TEST(gdb, single_stepping_gives_the_same_pcs_as_qemus_stub) {
    if (!have_gdb() || !have_qemu()) GTEST_SKIP() << "gdb-multiarch or qemu-system-riscv64 missing (scripts/setup)";
    // From main (QEMU starts -bios none guests at RAM's base, pmemvp at the ELF entry), 1,000
    // stepi: through calls, the UART, traps, delegation to S, and Sv39 pages.
    const std::string script = "break main\ncontinue\ndelete\nset $i = 0\nwhile $i < 1000\n  stepi\n"
                               "  printf \"PC %lx\\n\", $pc\n  set $i = $i + 1\nend\nkill\n";
    for (const char* name : {"hello", "priv-delegation", "priv-paging"}) {
        SCOPED_TRACE(name);
        unsigned qport = 0, port = 0;
        auto qemu = start_qemu(qport, name);
        ASSERT_TRUE(qemu);
        const auto expected = run_gdb(":" + std::to_string(qport), script, guest(name));
        auto vp = start_stopped(port, name);
        ASSERT_TRUE(vp);
        const auto ours = run_gdb(":" + std::to_string(port), script, guest(name));
        const auto qemu_pcs = lines_starting(expected.out, "PC ");
        ASSERT_EQ(qemu_pcs.size(), 1000u) << expected.out << expected.err;
        EXPECT_EQ(lines_starting(ours.out, "PC "), qemu_pcs) << ours.out << ours.err;
    }
}

TEST(gdb, watchpoints_stop_where_qemus_stub_stops) {
    if (!have_gdb() || !have_qemu()) GTEST_SKIP() << "gdb-multiarch or qemu-system-riscv64 missing (scripts/setup)";
    // compute fills a table (stores) then reads it (crc32): a write, a read and an access watch.
    std::string script = "watch table[2]\nrwatch table[3]\nawatch table[5]\n";
    for (int i = 0; i < 8; ++i)
        script += "continue\nprintf \"STOP %lx\\n\", $pc\n";
    script += "kill\n";
    unsigned qport = 0, port = 0;
    auto qemu = start_qemu(qport, "compute");
    ASSERT_TRUE(qemu);
    const auto expected = run_gdb(":" + std::to_string(qport), script, guest("compute"));
    auto vp = start_stopped(port, "compute");
    ASSERT_TRUE(vp);
    const auto ours = run_gdb(":" + std::to_string(port), script, guest("compute"));
    auto stops = [](const std::string& out) {
        std::vector<std::string> lines;
        for (const char* p : {"STOP ", "Hardware", "Value", "Old value", "New value"})
            for (const auto& l : lines_starting(out, p)) lines.push_back(l);
        return lines;
    };
    ASSERT_EQ(lines_starting(expected.out, "STOP ").size(), 8u) << expected.out << expected.err;
    EXPECT_NE(expected.out.find("read watchpoint 2"), std::string::npos) << expected.out;
    EXPECT_EQ(stops(ours.out), stops(expected.out)) << ours.out << ours.err;
}

// ---- pmem ----------------------------------------------------------------------------------------

namespace {

std::vector<std::string> persist_bug(const std::string& image, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"-machine", "virt,nvdimm=on", "-object",
                                  "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + image,
                                  "-device", "nvdimm,id=nv0,memdev=m0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

TEST(gdb, a_watch_on_a_pmem_line_follows_it_until_it_is_durable_and_changes_nothing_simulated) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    const std::string dir = make_temp_dir();
    // persist-bug: record A at the start of the NVDIMM (0x100000000) is stored, cleaned, fenced.
    auto plain_args = persist_bug(dir + "/plain.img", {"--power-fail-at", "5ms", "--stats", dir + "/plain.json"});
    plain_args.insert(plain_args.begin(), {pmemvp_binary(), "-kernel", guest("persist-bug")});
    const auto plain = run_process(plain_args);
    ASSERT_EQ(plain.status, 0) << plain.err;

    unsigned port = 0;
    auto vp = start_stopped(port, "persist-bug",
                            persist_bug(dir + "/gdb.img", {"--power-fail-at", "5ms", "--stats", dir + "/gdb.json"}));
    ASSERT_TRUE(vp);
    const auto g = run_gdb(":" + std::to_string(port),
                           "watch *(char*)0x100000000\n"
                           "continue\nprintf \"AFTER-STORE %lx\\n\", $pc\nx/i $pc - 4\nmonitor pmem 0x100000000\n"
                           "continue\nmonitor pmem 0x100000000\n"
                           "continue\nmonitor pmem 0x100000000\nmonitor pmem-stats\n"
                           "delete\ncontinue\n",
                           guest("persist-bug"));
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(g.status, 0) << g.out << g.err;
    // The store: gdb shows the new value, and the instruction before the pc is the store.
    EXPECT_NE(g.out.find("New value = 114 'r'"), std::string::npos) << g.out;
    EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(:\s+sb\s)"))) << g.out;
    // Then the line's way to durability, each change a stop with its message.
    const std::vector<std::string> expected_order{
        "state: dirty in the CPU cache (not durable)",
        "last store: pc 0x",
        "dirty in the CPU cache -> written back at",
        "state: written back from the CPU cache, waiting for a fence (not durable)",
        "written back -> durable at",
        "state: durable (in the write-pending queue or on media; ADR)",
        "NVDIMM 'nv0'",
        "exited normally"};
    std::size_t at = 0;
    for (const auto& text : expected_order) {
        const auto found = g.out.find(text, at);
        ASSERT_NE(found, std::string::npos) << "'" << text << "' after offset " << at << " in\n" << g.out;
        at = found + text.size();
    }
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(r.err, plain.err);
    EXPECT_EQ(simulated_stats(dir + "/gdb.json"), simulated_stats(dir + "/plain.json"));
    EXPECT_EQ(read_file(dir + "/gdb.img"), read_file(dir + "/plain.img"));
}

TEST(gdb, monitor_power_fail_loses_what_was_not_durable_and_persist_check_names_it) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    const std::string dir = make_temp_dir();
    unsigned port = 0;
    auto vp = start_stopped(port, "persist-bug", persist_bug(dir + "/d.img", {"--stats", dir + "/s.json"}));
    ASSERT_TRUE(vp);
    // At puts("records written"): A is durable, B was never cleaned, C never fenced.
    const auto g = run_gdb(":" + std::to_string(port),
                           "break puts\ncontinue\nmonitor persist-check\nmonitor power-fail\nmonitor bogus\n"
                           "monitor pmem\nmonitor help\ncontinue\n",
                           guest("persist-bug"));
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(g.status, 0) << g.out << g.err;
    EXPECT_NE(g.out.find("3 finding(s)"), std::string::npos) << g.out; // B, C and C's unfenced flush
    EXPECT_NE(g.out.find("flush never followed by a fence"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("2 line(s) were not durable"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("the run stops"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("unknown command 'bogus'"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("pmem: expected one physical address"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("persist-check"), std::string::npos) << "help lists the commands";
    EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out;
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("1 power failure(s): 2 line(s) were not durable"), std::string::npos) << r.err;
    EXPECT_NE(read_file(dir + "/s.json").find("\"outcome\": \"power-failure\""), std::string::npos);
    const std::string image = read_file(dir + "/d.img");
    EXPECT_EQ(image.substr(0, 8), "record A") << "durable";
    EXPECT_EQ(image.substr(4096, 8), std::string(8, '\0')) << "never cleaned: lost";
    EXPECT_EQ(image.substr(8192, 8), std::string(8, '\0')) << "never fenced: lost";
}

// ---- transports ----------------------------------------------------------------------------------

TEST(gdb, a_unix_socket_serves_gdb_and_is_removed_at_the_end_but_never_replaces_a_file) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    const std::string dir = make_temp_dir();
    const std::string socket_path = dir + "/gdb.sock";
    background vp({pmemvp_binary(), "-gdb", "unix:" + socket_path + ",server,nowait", "-S", "-kernel", guest("hello")});
    for (int i = 0; i < 500 && access(socket_path.c_str(), F_OK) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto g = run_gdb(socket_path, "break main\ncontinue\ncontinue\n", guest("hello"));
    const auto r = vp.wait_for(std::chrono::seconds(120));
    EXPECT_NE(g.out.find("Breakpoint 1, main ()"), std::string::npos) << g.out << g.err;
    EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out << g.err;
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(access(socket_path.c_str(), F_OK), 0) << "the socket is removed";

    const std::string file = dir + "/notes.txt";
    write_file(file, 100, 'n');
    const auto refused = run_process({pmemvp_binary(), "-gdb", "unix:" + file + ",server", "-kernel", guest("hello")});
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("exists and is not a socket"), std::string::npos) << refused.err;
    EXPECT_EQ(read_file(file), std::string(100, 'n'));
}

TEST(gdb, detach_lets_the_guest_finish_as_without_a_debugger) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    const std::string dir = make_temp_dir();
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("compute"), "--stats", dir + "/plain.json"});
    ASSERT_EQ(plain.status, 0);
    unsigned port = 0;
    auto vp = start_stopped(port, "compute", {"--stats", dir + "/gdb.json"});
    ASSERT_TRUE(vp);
    const auto g = run_gdb(":" + std::to_string(port), "break main\ncontinue\nwatch *(int*)&table[7]\ncontinue\ndetach\n",
                           guest("compute"));
    EXPECT_NE(g.out.find("(Remote target) detached"), std::string::npos) << g.out;
    const auto r = vp->wait_for(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(simulated_stats(dir + "/gdb.json"), simulated_stats(dir + "/plain.json"));
}

TEST(gdb, a_breakpoint_by_source_line_shows_the_locals) {
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    unsigned port = 0;
    auto vp = start_stopped(port, "compute");
    ASSERT_TRUE(vp);
    // compute.c line 29: the matrix loop, inlined into main; the guest is built with -O2 -g.
    const auto g = run_gdb(":" + std::to_string(port), "break compute.c:29\ncontinue\ninfo locals\nkill\n",
                           guest("compute"));
    EXPECT_NE(g.out.find("compute.c:29"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("checksum = 0"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("seed = "), std::string::npos) << g.out;
    vp->wait_for(std::chrono::seconds(60));
}
