// SPDX-License-Identifier: Apache-2.0
// The real pmemvp binary on real guest programs: exit statuses, limits, loader and option
// errors, statistics, traces and determinism.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <filesystem>
#include <fstream>

using namespace pmemvp::test;

namespace {

process_result run_pmemvp(std::vector<std::string> args) {
    args.insert(args.begin(), pmemvp_binary());
    return run_process(args);
}

// The number after "key": in a flat JSON text.
double json_number(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\":");
    if (at == std::string::npos) {
        ADD_FAILURE() << "no " << key << " in " << json;
        return -1;
    }
    return std::stod(json.substr(at + key.size() + 3));
}

void expect_error(const std::vector<std::string>& args, const std::string& names) {
    const auto r = run_pmemvp(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(names), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(r.err.find("Segmentation"), std::string::npos);
}

} // namespace

TEST(pmemvp, hello_prints_and_exits_0) {
    const auto r = run_pmemvp({"-machine", "virt", "-m", "256M", "-nographic", "-bios", "none",
                           "-kernel", guest("hello")});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Hello from a RISC-V guest on pmemvp (hart 0)\n");
    EXPECT_EQ(r.err, "") << "stdout is the guest's, stderr is empty on success";
}

TEST(pmemvp, isa_self_checks_pass) {
    const auto r = run_pmemvp({"-kernel", guest("isa-test")});
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
}

TEST(pmemvp, isa_self_checks_pass_without_dmi) {
    const auto r = run_pmemvp({"-kernel", guest("isa-test"), "--no-dmi"});
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
}

TEST(pmemvp, timer_interrupts_arrive_on_time) {
    const auto r = run_pmemvp({"-kernel", guest("timer-test")});
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("3 timer interrupts"), std::string::npos) << r.out;
}

TEST(pmemvp, exit_status_is_the_finisher_code) {
    const auto r = run_pmemvp({"-kernel", guest("exit-code")});
    EXPECT_EQ(r.status, 42);
    EXPECT_EQ(r.out, "exiting with 42\n");
}

TEST(pmemvp, finisher_reset_reboots_the_guest) {
    const std::string stats = make_temp_dir() + "/stats.json";
    const auto r = run_pmemvp({"-kernel", guest("reboot"), "--stats", stats});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "first boot: requesting a reset\nsecond boot: found the mark\n");
    EXPECT_EQ(json_number(read_file(stats), "resets"), 1);
}

TEST(pmemvp, max_time_stops_a_guest_that_never_finishes) {
    const std::string stats = make_temp_dir() + "/stats.json";
    const auto r = run_pmemvp({"-kernel", guest("spin"), "--max-time", "2ms", "--stats", stats});
    EXPECT_EQ(r.status, 124);
    EXPECT_NE(r.err.find("--max-time"), std::string::npos) << r.err;
    EXPECT_EQ(json_number(read_file(stats), "simulated_time_ns"), 2e6);
}

TEST(pmemvp, a_guest_waiting_forever_is_reported) {
    const auto r = run_pmemvp({"-kernel", guest("idle")});
    EXPECT_EQ(r.status, 125);
    EXPECT_NE(r.err.find("waiting for an interrupt"), std::string::npos) << r.err;
}

TEST(pmemvp, stats_report_the_run) {
    const std::string stats = make_temp_dir() + "/stats.json";
    const auto r = run_pmemvp({"-kernel", guest("hello"), "--stats", stats});
    ASSERT_EQ(r.status, 0);
    const std::string json = read_file(stats);
    EXPECT_GT(json_number(json, "instructions"), 1000);
    EXPECT_GT(json_number(json, "simulated_time_ns"), 1000);
    EXPECT_GE(json_number(json, "wall_time_s"), 0);
    EXPECT_GE(json_number(json, "mips"), 0);
    // Each character is one UART write through the router, plus status polls.
    EXPECT_GE(json_number(json, "uart"), 46);
    EXPECT_EQ(json_number(json, "finisher"), 1);
}

TEST(pmemvp, same_inputs_give_the_same_timeline) {
    for (const char* program : {"compute", "timer-test", "isa-test"}) {
        const std::string dir = make_temp_dir();
        const auto a = run_pmemvp({"-kernel", guest(program), "--stats", dir + "/a.json"});
        const auto b = run_pmemvp({"-kernel", guest(program), "--stats", dir + "/b.json"});
        ASSERT_EQ(a.status, 0) << program;
        EXPECT_EQ(a.status, b.status) << program;
        EXPECT_EQ(a.out, b.out) << program;
        const std::string ja = read_file(dir + "/a.json"), jb = read_file(dir + "/b.json");
        for (const char* key : {"instructions", "cycles", "simulated_time_ns", "uart", "clint"})
            EXPECT_EQ(json_number(ja, key), json_number(jb, key)) << program << " " << key;
    }
}

TEST(pmemvp, quantum_changes_neither_output_nor_instruction_count) {
    const std::string dir = make_temp_dir();
    const auto a = run_pmemvp({"-kernel", guest("timer-test"), "--quantum", "1us", "--stats", dir + "/a.json"});
    const auto b = run_pmemvp({"-kernel", guest("timer-test"), "--quantum", "100us", "--stats", dir + "/b.json"});
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.status, 0);
    EXPECT_EQ(b.status, 0);
}

TEST(pmemvp, trace_logs_transactions) {
    const std::string trace = make_temp_dir() + "/trace.txt";
    const auto r = run_pmemvp({"-kernel", guest("hello"), "--trace", trace});
    ASSERT_EQ(r.status, 0);
    const std::string log = read_file(trace);
    EXPECT_NE(log.find(" uart W 0x10000000 1 0x48 TLM_OK_RESPONSE"), std::string::npos)
        << "the 'H' of Hello: " << log.substr(0, 400);
    EXPECT_NE(log.find(" finisher W 0x100000 4 0x5555 TLM_OK_RESPONSE"), std::string::npos);
}

TEST(pmemvp, serial_to_a_file) {
    const std::string file = make_temp_dir() + "/uart.txt";
    const auto r = run_pmemvp({"-kernel", guest("hello"), "-serial", "file:" + file});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read_file(file), "Hello from a RISC-V guest on pmemvp (hart 0)\n");
}

TEST(pmemvp, memory_backend_objects_are_created_and_checked) {
    const std::string dir = make_temp_dir();
    const auto r = run_pmemvp({"-kernel", guest("hello"), "-object",
                           "memory-backend-file,id=pm0,mem-path=" + dir + "/pm0.img,size=2M,share=on"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(std::filesystem::file_size(dir + "/pm0.img"), 2u << 20);
    expect_error({"-kernel", guest("hello"), "-object",
                  "memory-backend-file,id=pm0,mem-path=" + dir + "/x.img,size=0"},
                 "'size'");
}

TEST(pmemvp, loader_errors_name_the_problem) {
    const std::string dir = make_temp_dir();
    expect_error({"-kernel", dir + "/missing.elf"}, "cannot open");
    write_file(dir + "/text.elf", 100, 'x');
    expect_error({"-kernel", dir + "/text.elf"}, "not an ELF file");
    expect_error({"-kernel", "/bin/true"}, "not RISC-V");
    const std::string elf = read_file(guest("hello"));
    {
        std::ofstream out(dir + "/truncated.elf", std::ios::binary);
        out.write(elf.data(), static_cast<std::streamsize>(elf.size() / 8));
    }
    expect_error({"-kernel", dir + "/truncated.elf"}, "truncated");
    // The program's data lives 2 MiB into RAM: with 1 MiB of RAM it does not fit.
    expect_error({"-kernel", guest("hello"), "-m", "1M"}, "outside the platform's RAM");
}

TEST(pmemvp, option_errors_name_the_offending_text) {
    const std::string k = guest("hello");
    expect_error({"-kernel", k, "-frobnicate"}, "unknown option '-frobnicate'");
    expect_error({"-kernel", k, "-machine", "sifive_u"}, "'sifive_u'");
    expect_error({"-kernel", k, "-machine", "virt,colour=red"}, "'colour'");
    expect_error({"-kernel", k, "-m", "lots"}, "-m 'lots'");
    expect_error({"-kernel", k, "--quantum", "fast"}, "--quantum 'fast'");
    expect_error({"-kernel", k, "--max-time", "0s"}, "--max-time '0s'");
    expect_error({"-kernel", k, "--clock", "3 parsecs"}, "--clock");
    expect_error({"-kernel", k, "--cpi", "0"}, "--cpi");
    expect_error({"-kernel", k, "-bios", "opensbi.bin"}, "-bios 'opensbi.bin'");
    expect_error({"-kernel", k, "-serial", "tcp:1234"}, "-serial 'tcp:1234'");
    expect_error({"-kernel", k, "-device", "e1000,id=n0"}, "'e1000'");
    expect_error({"-kernel", k, "-object", "memory-backend-ram,id=r,size=1M"}, "'memory-backend-ram'");
    expect_error({"-kernel", k, "-object", "memory-backend-file,mem-path=/tmp/x,size=1M"}, "'id'");
    expect_error({"-kernel", k, "--log", "cpu=chatty"}, "'chatty'");
    expect_error({}, "-kernel");
    expect_error({"-kernel", k, "stray"}, "unexpected argument");
}

TEST(pmemvp, qemu_command_line_habits_work) {
    const std::string k = guest("hello");
    const std::string dir = make_temp_dir();
    // QEMU's own virtio-pmem example: a bare 'share'.
    const auto shared = run_pmemvp({"-kernel", k, "-object",
                                    "memory-backend-file,id=mem1,share,mem-path=" + dir + "/v.img,size=16M",
                                    "-device", "virtio-pmem-pci,id=virtio_pmem1,memdev=mem1"});
    EXPECT_EQ(shared.status, 0) << shared.err;
    const auto m = run_pmemvp({"-kernel", k, "-m", "256M,slots=2,maxmem=4G", "-smp", "1", "-name", "guest1"});
    EXPECT_EQ(m.status, 0) << m.err;
    expect_error({"-kernel", k, "-smp", "4"}, "one hart");
    expect_error({"-kernel", k, "-trace", "enable=*"}, "-d int,guest_errors,unimp");
    expect_error({"-kernel", k, "-object", "memory-backend-file,id=m,share,mem-path,size=1M"},
                 "'mem-path' needs a value");
    // Help on types, as QEMU's -device help.
    const auto devices = run_pmemvp({"-device", "help"});
    EXPECT_EQ(devices.status, 0);
    EXPECT_NE(devices.out.find("name \"virtio-pmem-pci\""), std::string::npos) << devices.out;
    EXPECT_NE(devices.out.find("name \"nvdimm\""), std::string::npos) << devices.out;
    EXPECT_NE(run_pmemvp({"-device", "nvdimm,help"}).out.find("label-size=<size>"), std::string::npos);
    EXPECT_NE(run_pmemvp({"-object", "memory-backend-file,help"}).out.find("mem-path=<str>"), std::string::npos);
    expect_error({"-device", "e1000,help"}, "-device help lists them");
    EXPECT_NE(devices.out.find("name \"pcie-root-port\""), std::string::npos) << devices.out;
    EXPECT_NE(run_pmemvp({"-device", "pcie-root-port,help"}).out.find("slot=<uint8>"), std::string::npos);
    EXPECT_NE(run_pmemvp({"-machine", "help"}).out.find("Supported machines are:\nvirt "), std::string::npos);
    EXPECT_NE(run_pmemvp({"-M", "virt,help"}).out.find("nvdimm=<bool>"), std::string::npos);
    EXPECT_NE(run_pmemvp({"-d", "help"}).out.find("guest_errors"), std::string::npos);
    // --help shows QEMU's options as QEMU does, with one dash; pmemvp's own keep two.
    const std::string help = run_pmemvp({"--help"}).out;
    EXPECT_NE(help.find("\n  -machine virt"), std::string::npos) << help;
    EXPECT_NE(help.find("\n  -device TYPE"), std::string::npos) << help;
    EXPECT_EQ(help.find("\n  --machine"), std::string::npos) << help;
    EXPECT_NE(help.find("\n  --monitor-script"), std::string::npos) << help;
    // -pidfile: written while running, removed at the end, never over a backing file.
    const auto pid = run_pmemvp({"-kernel", k, "-pidfile", dir + "/vp.pid"});
    EXPECT_EQ(pid.status, 0) << pid.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/vp.pid"));
    write_file(dir + "/pm.img", 1 << 20, 'p');
    expect_error({"-kernel", k, "-object", "memory-backend-file,id=m0,share=on,size=1M,mem-path=" + dir + "/pm.img",
                  "-pidfile", dir + "/pm.img"},
                 "-pidfile");
    EXPECT_EQ(read_file(dir + "/pm.img"), std::string(1 << 20, 'p'));
}

TEST(pmemvp, memory_size_errors_are_qemus) {
    // The same -m on qemu-system-riscv64: its message is the oracle.
    if (run_process({"qemu-system-riscv64", "--version"}).status != 0)
        GTEST_SKIP() << "qemu-system-riscv64 is not installed (scripts/setup installs it)";
    for (const char* m : {"256M,slots=2", "256M,slots=2,maxmem=128M", "256M,slots=2,maxmem=256M"}) {
        SCOPED_TRACE(m);
        const auto qemu = run_process({"timeout", "20", "qemu-system-riscv64", "-M", "virt", "-nographic", "-bios",
                                       "none", "-m", m, "-kernel", guest("hello")});
        const std::string prefix = "qemu-system-riscv64: ";
        ASSERT_EQ(qemu.err.rfind(prefix, 0), 0u) << qemu.err;
        std::string message = qemu.err.substr(prefix.size());
        message = message.substr(0, message.find('\n'));
        expect_error({"-kernel", guest("hello"), "-m", m}, message);
    }
}

TEST(pmemvp, help_lists_the_options) {
    const auto r = run_pmemvp({"--help"});
    EXPECT_EQ(r.status, 0);
    for (const char* option : {"-kernel", "-machine", "-object", "--quantum", "--max-time", "--stats", "--trace"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option;
}
