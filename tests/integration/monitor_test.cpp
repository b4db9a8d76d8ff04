// SPDX-License-Identifier: Apache-2.0
// The QMP and HMP monitors of the real pmemvp: the same QMP session sent to
// qemu-system-riscv64 (the oracle) and to pmemvp must get the same replies; HMP on stdio and
// TCP; pmemvp's own commands and events; clients that send garbage or leave.
#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/monitor_client.h"
#include "pmemvp/test/process.h"

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <regex>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace pmemvp::test;

namespace {

std::string without_timestamps(const std::string& text) {
    return std::regex_replace(text, std::regex(R"("timestamp": \{"seconds": \d+, "microseconds": \d+\})"),
                              "\"timestamp\": T");
}

} // namespace

TEST(monitor, qmp_answers_as_qemu_does) {
    if (!have_qemu()) GTEST_SKIP() << "qemu-system-riscv64 is not installed (scripts/setup installs it)";
    // Each request with the number of lines it gets back (an event and the reply: 2).
    const std::vector<std::pair<std::string, int>> session{
        {R"({"execute": "query-status"})", 1}, // before negotiation
        {"garbage\n", 1},
        {"{\"execute\": }\n", 1},
        {"[1, 2]\n", 1},
        {"\"text\"\n", 1},
        {R"({"exec": "x"})", 1},
        {R"({"execute": "qmp_capabilities", "id": 1})", 1},
        {R"({"execute": "qmp_capabilities", "id": "again"})", 1},
        {R"({"execute": "query-status", "id": [1, {"a": 2}]})", 1},
        {R"({"execute": "frobnicate", "id": 2})", 1},
        {R"({"execute": "query-status", "arguments": {"x": 1}})", 1},
        {R"({"execute": "query-name"})", 1},
        // Objects and devices added and removed (the backend's file in the test's directory).
        {R"({"execute": "object-add", "arguments": {"qom-type": "memory-backend-file", "id": "m2", "share": true, "mem-path": "MEM_PATH", "size": 67108864}})", 1},
        {R"({"execute": "object-add", "arguments": {"qom-type": "memory-backend-file", "id": "m2", "share": true, "mem-path": "MEM_PATH", "size": 67108864}})", 1},
        {R"({"execute": "object-add", "arguments": {"qom-type": "foo", "id": "m3"}})", 1},
        {R"({"execute": "object-add", "arguments": {"qom-type": "memory-backend-file", "id": "m4", "share": "yes", "mem-path": "MEM_PATH", "size": 67108864}})", 1},
        {R"({"execute": "object-add", "arguments": {"qom-type": "memory-backend-file", "id": "m5", "bogus": 1, "mem-path": "MEM_PATH", "size": 67108864}})", 1},
        {R"({"execute": "device_add", "arguments": {"driver": "foo", "id": "x"}})", 1},
        {R"({"execute": "device_del", "arguments": {"id": "x"}})", 1},
        {R"({"execute": "device_del", "arguments": {"id": "rp1"}})", 1},
        {R"({"execute": "object-del", "arguments": {"id": "x"}})", 1},
        {R"({"execute": "object-del", "arguments": {"id": "m2"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "device_del x"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "object_del x"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "info status"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "info name"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "bogus"}})", 1},
        {R"({"execute": "human-monitor-command", "arguments": {}})", 1},
        {R"({"execute": "system_powerdown", "id": 4})", 2},
        {R"({"execute": "human-monitor-command", "arguments": {"command-line": "system_powerdown"}})", 2},
        {R"({"execute": "cont", "id": 5})", 2},
        {R"({"execute": "cont"})", 1},
        {R"({"execute": "stop"})", 2},
        {R"({"execute": "stop"})", 1},
        {R"({"execute": "query-status"})", 1},
        {R"({"execute": "quit", "id": 9})", 2},
    };
    const std::string dir = make_temp_dir();
    const std::string mem_path = dir + "/m2.img";
    auto converse = [&](const std::vector<std::string>& argv, const std::string& socket) {
        background vp(argv);
        monitor_client c(socket);
        EXPECT_TRUE(c.connected());
        std::vector<std::string> replies{c.read_lines(1)}; // the greeting
        for (auto [request, lines] : session) {
            if (const auto at = request.find("MEM_PATH"); at != std::string::npos) request.replace(at, 8, mem_path);
            c.send(request);
            replies.push_back(without_timestamps(c.read_lines(lines)));
        }
        const auto r = vp.wait_for(std::chrono::seconds(60));
        EXPECT_EQ(r.status, 0) << r.err;
        return replies;
    };
    const auto qemu = converse({"qemu-system-riscv64", "-M", "virt", "-bios", "none", "-nographic", "-kernel",
                                guest("spin"), "-S", "-name", "guest1", "-m", "256M,slots=2,maxmem=1G", "-device",
                                "pcie-root-port,id=rp1,slot=1", "-qmp",
                                "unix:" + dir + "/q.sock,server=on,wait=off"},
                               dir + "/q.sock");
    const auto ours = converse({pmemvp_binary(), "-kernel", guest("spin"), "-S", "-name", "guest1", "-m",
                                "256M,slots=2,maxmem=1G", "-device", "pcie-root-port,id=rp1,slot=1", "-qmp",
                                "unix:" + dir + "/p.sock,server=on,wait=off"},
                               dir + "/p.sock");
    ASSERT_EQ(qemu.size(), ours.size());
    // The greeting: the same shape, our own version.
    const std::regex version(R"("version": \{"qemu": \{"micro": \d+, "minor": \d+, "major": \d+\}, "package": "[^"]*"\})");
    EXPECT_EQ(std::regex_replace(ours[0], version, "V"), std::regex_replace(qemu[0], version, "V")) << ours[0];
    for (std::size_t i = 1; i < qemu.size(); ++i)
        EXPECT_EQ(ours[i], qemu[i]) << "after " << session[i - 1].first;
}

TEST(monitor, hmp_on_stdio_starts_a_paused_run_and_shows_the_machine) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/in") << "info status\ninfo memory-devices\npmem 0x100000000\ninfo mtree\nfrobnicate\ncont\n";
    const pid_t pid = start_process({pmemvp_binary(), "-S", "-monitor", "stdio", "-machine", "virt,nvdimm=on",
                                     "-object", "memory-backend-file,id=m0,share,size=16M,mem-path=" + dir + "/d.img",
                                     "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("hello")},
                                    dir + "/out", dir + "/err", dir + "/in");
    int status = 0;
    waitpid(pid, &status, 0);
    const std::string out = read_file(dir + "/out");
    EXPECT_EQ(WEXITSTATUS(status), 0) << read_file(dir + "/err");
    for (const char* text : {"monitor - type 'help' for more information", "(qemu) ", "VM status: paused",
                             "Memory device [nvdimm]: \"nv0\"", "memdev: /objects/m0", "slot: 0",
                             "state: durable", "address-space: memory", "pmem2", "unknown command: 'frobnicate'",
                             "Hello from a RISC-V guest on pmemvp"})
        EXPECT_NE(out.find(text), std::string::npos) << text << " in\n" << out;
}

TEST(monitor, qmp_schedules_a_power_failure_and_reports_the_lost_lines) {
    const std::string dir = make_temp_dir();
    background vp({pmemvp_binary(), "-S", "-qmp", "unix:" + dir + "/q.sock,server=on,wait=off", "-machine",
                   "virt,nvdimm=on", "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/d.img",
                   "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug")});
    monitor_client c(dir + "/q.sock");
    ASSERT_TRUE(c.connected());
    c.read_lines(1);
    c.send(R"({"execute": "qmp_capabilities"})");
    c.read_lines(1);
    c.send(R"({"execute": "query-memory-devices"})");
    const std::string devices = c.read_lines(1);
    EXPECT_NE(devices.find(R"("type": "nvdimm", "data": {"slot": 0, "node": 0, "addr": 4294967296, "memdev": "/objects/m0", "id": "nv0")"),
              std::string::npos) << devices;
    c.send(R"({"execute": "x-pmemvp-power-fail", "arguments": {"at": "soon"}})");
    EXPECT_NE(c.read_lines(1).find("expects a simulated time"), std::string::npos);
    c.send(R"({"execute": "x-pmemvp-power-fail", "arguments": {"at": "5ms"}})");
    EXPECT_EQ(c.read_lines(1), "{\"return\": {}}\r\n");
    c.send(R"({"execute": "x-pmemvp-query-pmem"})");
    EXPECT_NE(c.read_lines(1).find(R"("memdev": "m0", "domain": "adr")"), std::string::npos);
    c.send(R"({"execute": "x-pmemvp-query-pmem", "arguments": {"address": "0x100000040"}})");
    EXPECT_NE(c.read_lines(1).find(R"("offset": 64, "state": "durable", "durable": true)"), std::string::npos);
    c.send(R"({"execute": "x-pmemvp-query-pmem", "arguments": {"address": "nowhere"}})");
    EXPECT_NE(c.read_lines(1).find("expects an unsigned number"), std::string::npos);
    c.send(R"({"execute": "x-pmemvp-query-pmem", "arguments": {"address": 2147483648}})");
    EXPECT_NE(c.read_lines(1).find("0x80000000 is not in a pmem memory"), std::string::npos);
    c.send(R"({"execute": "cont"})");
    const std::string events = c.read_lines(0, "\"event\": \"SHUTDOWN\"");
    EXPECT_NE(events.find("\"event\": \"RESUME\""), std::string::npos) << events;
    EXPECT_NE(events.find("\"event\": \"POWER_FAILURE\", \"data\": {\"time-ns\": 5000000, \"lost-lines\": 2"),
              std::string::npos) << events;
    const auto r = vp.wait_for(std::chrono::seconds(60));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("2 line(s) were not durable"), std::string::npos) << r.err;
    const std::string image = read_file(dir + "/d.img");
    EXPECT_EQ(image.substr(0, 8), "record A");
    EXPECT_EQ(image.substr(4096, 8), std::string(8, '\0'));
}

TEST(monitor, clients_that_send_garbage_or_leave_never_change_the_run) {
    const std::string dir = make_temp_dir();
    const auto plain = run_process({pmemvp_binary(), "-kernel", guest("compute"), "--stats", dir + "/plain.json"});
    ASSERT_EQ(plain.status, 0);
    const unsigned port = free_port();
    background vp({pmemvp_binary(), "-kernel", guest("compute"), "--stats", dir + "/vp.json", "-qmp",
                   "unix:" + dir + "/q.sock,server=on,wait=off", "-monitor",
                   "tcp:127.0.0.1:" + std::to_string(port) + ",server=on,wait=off"});
    {
        monitor_client garbage(dir + "/q.sock");
        ASSERT_TRUE(garbage.connected());
        std::mt19937 random(15);
        std::string bytes;
        for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(random());
        garbage.send(bytes);
        monitor_client half(dir + "/q.sock");
        half.send(R"({"execute": "qmp_capabilities"} {"execute": "query-sta)"); // and goes
    }
    monitor_client hmp(port); // listening before the run starts
    EXPECT_TRUE(hmp.connected());
    if (hmp.connected()) {
        hmp.read_lines(0, "(qemu) ");
        hmp.send("info status\n");
        EXPECT_NE(hmp.read_lines(0, "(qemu) ").find("VM status: running"), std::string::npos);
        hmp.send(std::string(10000, 'x') + "\n"); // a long line: cut, answered
        EXPECT_NE(hmp.read_lines(0, "(qemu) ").find("unknown command"), std::string::npos);
    }
    const auto r = vp.wait_for(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(simulated_stats(dir + "/vp.json"), simulated_stats(dir + "/plain.json"));
}

TEST(monitor, bad_monitor_options_are_named) {
    const std::string dir = make_temp_dir();
    auto error_of = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv{pmemvp_binary(), "-kernel", guest("hello")};
        argv.insert(argv.end(), extra.begin(), extra.end());
        const auto r = run_process(argv);
        EXPECT_EQ(r.status, 2) << r.out;
        return r.err;
    };
    EXPECT_NE(error_of({"-qmp", "unix:" + dir + "/q.sock"}).find("add ,server=on"), std::string::npos);
    EXPECT_NE(error_of({"-qmp", "pipe:x"}).find("accepted: stdio"), std::string::npos);
    EXPECT_NE(error_of({"-monitor", "tcp::99999,server=on"}).find("the port must be"), std::string::npos);
    EXPECT_NE(error_of({"-qmp", "unix:" + dir + "/q.sock,server=on,telnet=on"}).find("unknown option 'telnet=on'"),
              std::string::npos);
    EXPECT_NE(error_of({"-S"}).find("-S waits for a debugger or a monitor"), std::string::npos);
    write_file(dir + "/file", 10, 'f');
    EXPECT_NE(error_of({"-qmp", "unix:" + dir + "/file,server=on,wait=off"}).find("not a socket"), std::string::npos);
    EXPECT_EQ(read_file(dir + "/file"), std::string(10, 'f'));
    // QEMU's long form: -chardev and -mon.
    EXPECT_NE(error_of({"-mon", "chardev=nope,mode=control"}).find("no -chardev with id 'nope'"), std::string::npos);
    EXPECT_NE(error_of({"-chardev", "socket,id=c,path=" + dir + "/c.sock", "-mon", "chardev=c"}).find("add server=on"),
              std::string::npos);
    EXPECT_NE(error_of({"-chardev", "socket,id=c,path=" + dir + "/c.sock,server=on", "-mon", "chardev=c,mode=gui"})
                  .find("accepted: control (QMP), readline (HMP)"), std::string::npos);
    EXPECT_NE(error_of({"-chardev", "pty,id=c"}).find("socket and stdio"), std::string::npos);
    EXPECT_NE(error_of({"-chardev", "stdio,id=c", "-chardev", "stdio,id=c"}).find("duplicate id 'c'"), std::string::npos);
}

TEST(monitor, chardev_and_mon_are_qemus_long_form_of_qmp_and_monitor) {
    const std::string dir = make_temp_dir();
    const unsigned port = free_port();
    background vp({pmemvp_binary(), "-kernel", guest("spin"), "-S", "-chardev",
                   "socket,id=qmp0,path=" + dir + "/q.sock,server=on,wait=off", "-mon", "chardev=qmp0,mode=control",
                   "-chardev", "socket,id=hmp0,host=127.0.0.1,port=" + std::to_string(port) + ",server=on,wait=off",
                   "-mon", "chardev=hmp0"});
    monitor_client q(dir + "/q.sock");
    ASSERT_TRUE(q.connected());
    EXPECT_NE(q.read_lines(1).find("\"QMP\""), std::string::npos);
    monitor_client h(port);
    ASSERT_TRUE(h.connected());
    EXPECT_NE(h.read_lines(0, "(qemu) ").find("monitor - type 'help'"), std::string::npos);
    h.send("info status\n");
    EXPECT_NE(h.read_lines(0, "(qemu) ").find("VM status: paused (prelaunch)"), std::string::npos);
    q.send(R"({"execute": "qmp_capabilities"})");
    q.read_lines(1);
    q.send(R"({"execute": "quit"})");
    q.read_lines(2);
    EXPECT_EQ(vp.wait_for(std::chrono::seconds(60)).status, 0);
}

namespace {

std::vector<std::string> crash_log_args(const std::string& dir, const std::string& tag) {
    return {pmemvp_binary(), "-machine", "virt,nvdimm=on", "-object",
            "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/" + tag + ".img", "-device",
            "nvdimm,id=nv0,memdev=m0", "-kernel", guest("crash-log"), "--on-power-fail", "reboot",
            "--stats", dir + "/" + tag + ".json", "--vcd", dir + "/" + tag + ".vcd"};
}

// A VCD file without its $date header (the wall-clock time it was written).
std::string vcd_body(const std::string& path) {
    const std::string text = read_file(path);
    const std::size_t end = text.find("$end");
    return text.rfind("$date", 0) == 0 && end != std::string::npos ? text.substr(end) : text;
}

} // namespace

TEST(monitor_script, runs_commands_at_their_times_and_gives_the_same_timeline_every_run) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script") << "# a power failure in the middle of the appends, from both protocols\n"
                                      "@100us info status\n"
                                      "@400us {\"execute\": \"x-pmemvp-power-fail\"}\n"
                                      "\n"
                                      "@400us pmem-stats\n"
                                      "@600us power-fail\n";
    std::vector<process_result> runs;
    for (const char* tag : {"a", "b"}) {
        auto args = crash_log_args(dir, tag);
        args.insert(args.end(), {"--monitor-script", dir + "/script"});
        runs.push_back(run_process(args));
        ASSERT_EQ(runs.back().status, 0) << runs.back().err;
    }
    EXPECT_EQ(simulated_stats(dir + "/a.json"), simulated_stats(dir + "/b.json"));
    EXPECT_EQ(vcd_body(dir + "/a.vcd"), vcd_body(dir + "/b.vcd"));
    EXPECT_EQ(runs[0].out, runs[1].out);
    EXPECT_EQ(read_file(dir + "/a.img"), read_file(dir + "/b.img"));
    const std::string& err = runs[0].err;
    EXPECT_NE(err.find("@100us info status\nVM status: running\n"), std::string::npos) << err;
    EXPECT_NE(err.find("@400us {\"execute\": \"x-pmemvp-power-fail\"}\n{\"return\": {}}"), std::string::npos) << err;
    EXPECT_NE(err.find("power failures so far: 1"), std::string::npos) << err;
    EXPECT_NE(err.find("2 power failure(s)"), std::string::npos) << err;
    // Two failures mid-log, two reboots: the log recovers each time and completes.
    EXPECT_NE(runs[0].out.find("log holds 200 records"), std::string::npos) << runs[0].out;
    EXPECT_EQ(simulated_stats(dir + "/a.json").find("\"power_failures\":2") != std::string::npos ||
                  read_file(dir + "/a.json").find("\"power_failures\": 2") != std::string::npos,
              true) << read_file(dir + "/a.json");
}

TEST(monitor_script, a_recorded_session_replays_to_the_same_timeline) {
    // A live QMP client cuts the power whenever its command arrives (host timing: during the
    // run of compute, about a second of wall time, or after it); the recording replays it at
    // exactly that simulated time.
    const std::string dir = make_temp_dir();
    auto vp_args = [&](const std::string& tag) {
        std::vector<std::string> args = crash_log_args(dir, tag);
        args[args.size() - 7] = guest("compute"); // after -kernel
        return args;
    };
    {
        auto args = vp_args("live");
        args.insert(args.end(), {"-S", "-qmp", "unix:" + dir + "/q.sock,server=on,wait=off", "--record-monitor",
                                 dir + "/session"});
        background vp(args);
        monitor_client c(dir + "/q.sock");
        ASSERT_TRUE(c.connected());
        c.read_lines(1);
        c.send(R"({"execute": "qmp_capabilities"})");
        c.read_lines(1);
        c.send(R"({"execute": "cont", "id": 1})");
        c.read_lines(0, "\"id\": 1}");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        c.send(R"({"execute": "x-pmemvp-power-fail", "id": 2})");
        c.read_lines(0, "\"event\": \"SHUTDOWN\"");
        const auto r = vp.wait_for(std::chrono::seconds(120));
        ASSERT_EQ(r.status, 0) << r.err;
    }
    const std::string session = read_file(dir + "/session");
    EXPECT_TRUE(std::regex_search(session, std::regex(R"(\n@0ps \{"execute": "cont"\}\n)"))) << session;
    EXPECT_NE(session.find(R"({"execute": "x-pmemvp-power-fail"})"), std::string::npos) << session;
    auto args = vp_args("replay");
    args.insert(args.end(), {"-S", "--monitor-script", dir + "/session"});
    const auto replay = run_process(args);
    ASSERT_EQ(replay.status, 0) << replay.err;
    EXPECT_EQ(simulated_stats(dir + "/replay.json"), simulated_stats(dir + "/live.json")) << session;
    EXPECT_EQ(vcd_body(dir + "/replay.vcd"), vcd_body(dir + "/live.vcd"));
}

TEST(monitor_script, bad_scripts_are_named_by_line) {
    const std::string dir = make_temp_dir();
    const std::pair<const char*, const char*> cases[] = {
        {"info status\n", "line 1: 'info status' has no time"},
        {"@5 info status\n", "'@5' is not a simulated time"},
        {"@1ms\n", "@1ms has no command"},
        {"@2ms info status\n@1ms info status\n", "line 2: @1ms is before the line above"},
        {"# fine\n@1ms {\"execute\": \n", "line 2: the QMP command is not valid JSON"},
    };
    for (const auto& [text, says] : cases) {
        std::ofstream(dir + "/script") << text;
        const auto r = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--monitor-script", dir + "/script"});
        EXPECT_EQ(r.status, 2) << text;
        EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    }
    const auto missing = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--monitor-script", dir + "/none"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
    const auto record = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--record-monitor", dir + "/r"});
    EXPECT_EQ(record.status, 2);
    EXPECT_NE(record.err.find("add one"), std::string::npos) << record.err;
}

TEST(monitor, daemonize_gives_the_shell_back_and_serves_qmp_in_the_background) {
    const std::string dir = make_temp_dir();
    const auto started = run_process({pmemvp_binary(), "-daemonize", "-pidfile", dir + "/pid", "-qmp",
                                      "unix:" + dir + "/q.sock,server=on,wait=off", "-serial", "file:" + dir + "/serial",
                                      "-kernel", guest("spin")});
    ASSERT_EQ(started.status, 0) << started.err;
    EXPECT_EQ(started.out + started.err, "");
    const pid_t daemon = std::stoi(read_file(dir + "/pid"));
    EXPECT_EQ(kill(daemon, 0), 0) << "the daemon runs on";
    {
        monitor_client c(dir + "/q.sock");
        ASSERT_TRUE(c.connected());
        c.read_lines(1);
        c.send(R"({"execute": "qmp_capabilities"})");
        c.read_lines(1);
        c.send(R"({"execute": "query-status"})");
        EXPECT_NE(c.read_lines(1).find("\"running\": true"), std::string::npos);
        c.send(R"({"execute": "quit"})");
        c.read_lines(2);
    }
    bool gone = false;
    for (int i = 0; i < 6000 && !gone; ++i) { // a guard against hanging, not a timing assertion
        gone = kill(daemon, 0) != 0;
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(gone) << "quit ends the daemon";
    if (!gone) kill(daemon, SIGKILL); // never leave it behind
    for (int i = 0; i < 500 && std::ifstream(dir + "/pid"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(std::ifstream(dir + "/pid")) << "the pid file is removed at the end";
    // What a daemon cannot have is refused before it forks.
    for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-kernel", guest("spin")}, "-serial file:PATH"},
             {{"-serial", "none", "-monitor", "stdio", "-kernel", guest("spin")}, "a monitor on stdio"},
             {{"-serial", "none", "-kernel", dir + "/missing.elf"}, "cannot read the file"}}) {
        std::vector<std::string> argv{pmemvp_binary(), "-daemonize"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = run_process(argv);
        EXPECT_EQ(r.status, 2) << says;
        EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    }
}
