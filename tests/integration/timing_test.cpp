// SPDX-License-Identifier: Apache-2.0
// Timing of NVDIMM memory end to end: the guest microbenchmark (sw/pmem-bench) on the real
// pmemvp binary reproduces the reference Optane measurements (../shared/reference/
// perf-persistence.md §1.2 and §1.5) within 15 %, moves when a parameter moves, and gives the
// same timeline on every run with the checker and the VCD on.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <map>
#include <sstream>

using namespace pmemvp::test;

namespace {

std::vector<std::string> dimm_args(const std::string& dir, unsigned count, const std::string& machine = "") {
    std::vector<std::string> args{pmemvp_binary(), "-machine", "virt,nvdimm=on" + machine};
    for (unsigned i = 0; i < count; ++i) {
        const std::string n = std::to_string(i);
        args.insert(args.end(), {"-object", "memory-backend-file,id=m" + n + ",share=on,size=128M,mem-path=" + dir + "/d" + n + ".img",
                                 "-device", "nvdimm,id=nv" + n + ",memdev=m" + n});
    }
    return args;
}

process_result bench(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    args.insert(args.end(), {"-kernel", guest("pmem-bench")});
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
}

// "range 0: read bandwidth 64 B: 1.64 GB/s" -> {"range 0: read bandwidth 64 B", 1.64}
std::map<std::string, double> figures(const std::string& out) {
    std::map<std::string, double> f;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const auto colon = line.rfind(": ");
        const bool figure = line.rfind("range ", 0) == 0 &&
                            (line.find(" ns", colon) != std::string::npos || line.find(" GB/s", colon) != std::string::npos);
        if (figure) f[line.substr(0, colon)] = std::stod(line.substr(colon + 2));
    }
    return f;
}

void expect_within(const std::map<std::string, double>& f, const std::string& key, double reference, double tolerance = 0.15) {
    const auto it = f.find(key);
    ASSERT_NE(it, f.end()) << key << " missing";
    EXPECT_NEAR(it->second, reference, reference * tolerance) << key;
}

} // namespace

TEST(calibration, optane_reproduces_the_reference_latencies_and_single_dimm_bandwidths) {
    const std::string dir = make_temp_dir();
    const auto r = bench(dimm_args(dir, 1));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const auto f = figures(r.out);
    // §1.2 idle latency.
    expect_within(f, "range 0: read latency sequential", 169.4);
    expect_within(f, "range 0: read latency random", 305.0);
    // §1.5, one DIMM, read and ntstore columns (our store + cbo.clean reads no line first).
    const std::pair<unsigned, std::pair<double, double>> by_size[] = {
        {64, {1.68, 0.55}}, {128, {3.34, 1.10}}, {256, {6.50, 2.21}}, {512, {6.53, 2.21}}, {4096, {6.56, 2.23}}};
    for (const auto& [size, ref] : by_size) {
        expect_within(f, "range 0: read bandwidth " + std::to_string(size) + " B", ref.first);
        expect_within(f, "range 0: write bandwidth " + std::to_string(size) + " B", ref.second);
    }
}

TEST(calibration, interleaving_two_dimms_doubles_small_random_reads) {
    const std::string dir = make_temp_dir();
    auto args = dimm_args(dir, 3);
    args.insert(args.end(), {"-object", "nvdimm-interleave,id=s,dimms=nv1:nv2,granularity=4K"});
    const auto r = bench(args);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const auto f = figures(r.out);
    ASSERT_NE(r.out.find("range 0: 2 DIMM(s)"), std::string::npos) << r.out;
    ASSERT_NE(r.out.find("range 1: 1 DIMM(s)"), std::string::npos) << r.out;
    const double two = f.at("range 0: read bandwidth 64 B"), one = f.at("range 1: read bandwidth 64 B");
    EXPECT_NEAR(two / one, 2.0, 0.2) << two << " vs " << one;
}

TEST(timing, parameters_and_profiles_move_the_guest_figures) {
    const std::string dir = make_temp_dir();
    const auto slower = figures(bench(dimm_args(dir, 1), {"--pmem-timing", "optane,read-random=400ns,write-bandwidth=1.1GB/s"}).out);
    expect_within(slower, "range 0: read latency random", 400, 0.02);
    expect_within(slower, "range 0: write bandwidth 4096 B", 1.1, 0.05);
    const auto dram = figures(bench(dimm_args(dir, 1), {"--pmem-timing", "dram"}).out);
    expect_within(dram, "range 0: read latency random", 101.5, 0.05);
    // Untimed: loads cost their instruction only.
    const auto none = figures(bench(dimm_args(dir, 1), {"--pmem-timing", "none"}).out);
    EXPECT_LT(none.at("range 0: read latency random"), 5) << "no timing: no latency";
}

TEST(timing, the_timeline_is_identical_on_every_run_with_the_checker_and_vcd_on) {
    const std::string dir = make_temp_dir();
    std::string out[2], vcd[2], stats[2];
    for (int i = 0; i < 2; ++i) {
        const std::string n = std::to_string(i);
        const auto r = bench(dimm_args(dir, 1, ",nvdimm-persistence=mem-ctrl"),
                             {"--persist-check", "--vcd", dir + "/t" + n + ".vcd", "--stats", dir + "/s" + n + ".json"});
        ASSERT_EQ(r.status, 0) << r.err;
        out[i] = r.out;
        const std::string v = read_file(dir + "/t" + n + ".vcd");
        vcd[i] = v.substr(v.find("$enddefinitions")); // the header has the wall-clock date
        const std::string s = read_file(dir + "/s" + n + ".json");
        stats[i] = s.substr(s.find("\"simulated_time_ns\""), 40) + s.substr(s.find("\"timing\""), 400);
    }
    EXPECT_NE(out[0].find("range 0: persist 64 B"), std::string::npos) << out[0];
    EXPECT_EQ(out[0], out[1]);
    EXPECT_TRUE(vcd[0] == vcd[1]) << "the VCDs differ";
    EXPECT_GT(vcd[0].size(), 1000u);
    EXPECT_EQ(stats[0], stats[1]);
}

TEST(timing, stats_report_per_dimm_counters) {
    const std::string dir = make_temp_dir();
    const auto r = bench(dimm_args(dir, 1), {"--stats", dir + "/s.json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string s = read_file(dir + "/s.json");
    for (const char* key : {"\"profile\": \"optane\"", "\"reads\": ", "\"writes\": ", "\"media_writes\": ",
                            "\"write_amplification\": ", "\"wpq_max\": 32", "\"wpq_mean\": ", "\"flushes\": ",
                            "\"pmem_cpu_cache\": {", "\"hits\": "})
        EXPECT_NE(s.find(key), std::string::npos) << key << "\n" << s;
}

TEST(timing, the_option_lists_parameters_and_rejects_bad_ones) {
    const auto help = run_process({pmemvp_binary(), "--pmem-timing", "help,dram"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("profile dram"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("read-random=101.5ns"), std::string::npos) << help.out;
    const auto bad = run_process({pmemvp_binary(), "--pmem-timing", "optane,wpq-depth=0", "-kernel", guest("hello")});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("wpq-depth='0' is out of range; give 1 to 4096"), std::string::npos) << bad.err;
    const auto unknown = run_process({pmemvp_binary(), "--pmem-timing", "optane,speed=3", "-kernel", guest("hello")});
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("speed"), std::string::npos) << unknown.err;
}
