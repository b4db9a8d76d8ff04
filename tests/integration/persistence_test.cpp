// SPDX-License-Identifier: Apache-2.0
// Power failure and the persistence checker with the real binary: a guest that forgets a
// clean and a fence loses exactly those records, and the checker names them.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

using namespace pmemvp::test;

namespace {

process_result run(const std::string& dir, const std::string& persistence, std::vector<std::string> extra,
                   const std::string& program = "persist-bug") {
    std::vector<std::string> args{pmemvp_binary(), "-machine", "virt,nvdimm=on,nvdimm-persistence=" + persistence,
                                  "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/d.img",
                                  "-device", "nvdimm,id=nv0,memdev=m0",
                                  "-kernel", guest(program), "--power-fail-at", "5ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
}

std::string record(const std::string& file, std::size_t at) { return file.substr(at, 9); }

} // namespace

// The checker's lines without their pcs (two builds place the code differently).
std::string findings_without_pcs(const std::string& text) {
    return std::regex_replace(text, std::regex(R"(pc 0x[0-9a-f]+( \([^)]*\))?)"), "pc ?");
}

TEST(power_failure, paging_changes_nothing_the_persistence_domain_finds) {
    // The same stores, cleans and fences from S mode under Sv39: stores through the TLB reach
    // the domain with their physical addresses, and the same lines are lost.
    const std::string flat_dir = make_temp_dir() + "/flat", paged_dir = make_temp_dir() + "/paged";
    std::filesystem::create_directories(flat_dir);
    std::filesystem::create_directories(paged_dir);
    const auto flat = run(flat_dir, "mem-ctrl", {"--persist-check"});
    const auto paged = run(paged_dir, "mem-ctrl", {"--persist-check"}, "persist-bug-paged");
    ASSERT_EQ(flat.status, 0) << flat.err;
    ASSERT_EQ(paged.status, 0) << paged.err;
    EXPECT_EQ(paged.out, flat.out);
    EXPECT_NE(flat.err.find("store not durable"), std::string::npos) << flat.err;
    EXPECT_EQ(findings_without_pcs(paged.err), findings_without_pcs(flat.err));
    EXPECT_EQ(read_file(paged_dir + "/d.img"), read_file(flat_dir + "/d.img"));
}

TEST(power_failure, the_checker_names_the_functions_of_the_lost_stores) {
    const std::string dir = make_temp_dir();
    const auto r = run(dir, "mem-ctrl", {"--persist-check"});
    ASSERT_EQ(r.status, 0) << r.err;
    // From the -kernel ELF's own symbols: strcpy's stores (picolibc's memcpy), main's clean.
    EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(store not durable: pc 0x[0-9a-f]+ \(mem(cpy|move)\+0x[0-9a-f]+\))"))) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(flush never followed by a fence: pc 0x[0-9a-f]+ \((main|records)\+0x[0-9a-f]+\))"))) << r.err;
    // --symbols with a file that is not an ELF is refused.
    const auto bad = run(dir, "mem-ctrl", {"--symbols", dir + "/d.img"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--symbols"), std::string::npos) << bad.err;
}

TEST(power_failure, adr_keeps_the_cleaned_and_fenced_record_only) {
    const std::string dir = make_temp_dir();
    const auto r = run(dir, "mem-ctrl", {"--persist-check"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "records written\n");
    const std::string file = read_file(dir + "/d.img");
    EXPECT_EQ(record(file, 0), "record A:");
    EXPECT_EQ(record(file, 4096), std::string(9, '\0')) << "never cleaned: lost";
    EXPECT_EQ(record(file, 8192), std::string(9, '\0')) << "never fenced: lost";
    EXPECT_NE(r.err.find("1 power failure(s): 2 line(s) were not durable and were lost"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("store not durable: pc 0x8000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("offset 0x1000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("flush never followed by a fence: pc 0x8000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("offset 0x2000"), std::string::npos) << r.err;
}

TEST(power_failure, eadr_keeps_every_record_and_calls_the_flushes_redundant) {
    const std::string dir = make_temp_dir();
    const auto r = run(dir, "cpu", {"--persist-check"});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string file = read_file(dir + "/d.img");
    EXPECT_EQ(record(file, 0), "record A:");
    EXPECT_EQ(record(file, 4096), "record B:");
    EXPECT_EQ(record(file, 8192), "record C:");
    EXPECT_NE(r.err.find("redundant flush of a durable line"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("store not durable"), std::string::npos) << r.err;
}

TEST(power_failure, none_loses_even_the_fenced_record_without_a_flush_hint) {
    const std::string dir = make_temp_dir();
    const auto r = run(dir, "none", {});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string file = read_file(dir + "/d.img");
    EXPECT_EQ(record(file, 0), std::string(9, '\0'));
    EXPECT_NE(r.err.find("3 line(s) were not durable"), std::string::npos) << r.err;
}

TEST(power_failure, persist_check_fail_sets_the_exit_status) {
    const std::string dir = make_temp_dir();
    const auto r = run(dir, "mem-ctrl", {"--persist-check=fail", "--stats", dir + "/s.json"});
    EXPECT_EQ(r.status, 3) << r.err;
    const std::string stats = read_file(dir + "/s.json");
    EXPECT_NE(stats.find("\"outcome\": \"power-failure\""), std::string::npos) << stats;
    EXPECT_NE(stats.find("\"persistence_findings\": 3"), std::string::npos) << stats;
}

TEST(power_failure, the_same_seed_loses_the_same_lines) {
    const std::string dir = make_temp_dir();
    std::string kept[3];
    for (int i = 0; i < 3; ++i) {
        const std::string d = dir + "/" + std::to_string(i);
        std::filesystem::create_directories(d);
        ASSERT_EQ(run(d, "mem-ctrl", {"--power-fail-policy", i < 2 ? "random:5:0.5" : "random:6:0.5"}).status, 0);
        const std::string file = read_file(d + "/d.img");
        kept[i] = record(file, 4096) + record(file, 8192);
    }
    EXPECT_EQ(kept[0], kept[1]);
}

TEST(power_failure, option_errors) {
    const std::string dir = make_temp_dir();
    auto r = run(dir, "mem-ctrl", {"--power-fail-policy", "sometimes"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--power-fail-policy 'sometimes'"), std::string::npos) << r.err;
    r = run(dir, "mem-ctrl", {"--persist-check=loud"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--persist-check 'loud'"), std::string::npos) << r.err;
    r = run(dir, "disk", {});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("accepted: cpu, mem-ctrl, none"), std::string::npos) << r.err;
}

namespace {

process_result run_log(const std::string& dir, const std::string& program, std::vector<std::string> extra) {
    std::vector<std::string> args{pmemvp_binary(), "-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl",
                                  "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/log.img",
                                  "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest(program)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
}

} // namespace

TEST(crash_recovery, power_failure_at_100_random_times_then_reboot_always_recovers) {
    const std::string dir = make_temp_dir();
    // How long an undisturbed run takes, to pick failure times inside it.
    const auto clean = run_log(dir, "crash-log", {"--stats", dir + "/s.json"});
    ASSERT_EQ(clean.status, 0) << clean.out;
    const std::string stats = read_file(dir + "/s.json");
    const double total_ns = std::stod(stats.substr(stats.find("\"simulated_time_ns\":") + 20));
    std::mt19937_64 rng(2026);
    int recovered_something = 0;
    for (int i = 0; i < 100; ++i) {
        std::filesystem::remove(dir + "/log.img");
        const auto at = static_cast<long long>(std::uniform_real_distribution<double>(1000, total_ns)(rng));
        const auto r = run_log(dir, "crash-log", {"--power-fail-at", std::to_string(at) + "ns",
                                                  "--on-power-fail", "reboot"});
        ASSERT_EQ(r.status, 0) << "power failure at " << at << " ns:\n" << r.out << r.err;
        ASSERT_EQ(r.out.find("FAILED"), std::string::npos) << at << " ns: " << r.out;
        ASSERT_NE(r.out.find("log holds 200 records"), std::string::npos) << at << " ns: " << r.out;
        ASSERT_NE(r.err.find("the guest booted again"), std::string::npos) << r.err;
        recovered_something += r.out.find("recovered 0 records") == std::string::npos &&
                               r.out.find("recovered ") != std::string::npos;
    }
    EXPECT_GT(recovered_something, 50) << "most failures should hit the appends";
}

TEST(crash_recovery, persistence_events_have_times_that_split_before_from_after) {
    using json = nlohmann::json;
    const std::string dir = make_temp_dir();
    const auto r = run_log(dir, "crash-log", {"--persist-events", dir + "/events.jsonl"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream in(dir + "/events.jsonl");
    std::vector<json> events;
    for (std::string line; std::getline(in, line);) events.push_back(json::parse(line));
    // Per record and for the commit record: a clean then a fence, from the guest library.
    ASSERT_EQ(events.size(), 2 + 4 * 200 + 1u);
    EXPECT_EQ(events.back()["kind"], "end");
    EXPECT_EQ(events.back()["outcome"], "finished");
    EXPECT_EQ(events.back()["events"], 802);
    const json& clean = events[0];
    const json& fence = events[1];
    EXPECT_EQ(clean["kind"], "clean");
    EXPECT_EQ(fence["kind"], "fence");
    EXPECT_EQ(fence["memory"], "nv0");
    EXPECT_EQ(fence["pc_symbol"].get<std::string>().rfind("pmem_region_persist+", 0), 0u) << fence;
    EXPECT_LT(clean["time_ps"].get<std::uint64_t>(), fence["time_ps"].get<std::uint64_t>());
    // A power failure 1 ps before the fence loses the new log's header; 1 ps after, nothing.
    for (const auto& [delta, lost] : {std::pair{-1, 1u}, std::pair{1, 0u}}) {
        std::filesystem::remove(dir + "/log.img");
        const std::string at = std::to_string(fence["time_ps"].get<std::int64_t>() + delta) + "ps";
        const auto f = run_log(dir, "crash-log", {"--power-fail-at", at, "--power-fail-report", dir + "/lost.json"});
        ASSERT_EQ(f.status, 0) << f.err;
        std::ifstream report(dir + "/lost.json");
        const json j = json::parse(report);
        EXPECT_EQ(j["schema"], "pmemvp-power-fail/1");
        ASSERT_EQ(j["lost"].size(), lost) << at << ": " << j;
        if (lost) {
            EXPECT_EQ(j["lost"][0]["offset"], 0);
            EXPECT_EQ(j["lost"][0]["store_pc_symbol"].get<std::string>().rfind("main+", 0), 0u) << j;
        }
    }
}

TEST(crash_recovery, the_log_persists_as_each_domain_requires_and_recovers_in_every_one) {
    // eADR: a fence is enough; no domain: clean, fence, then a flush hint (the guest library
    // reads which from the NFIT's platform capabilities).
    const std::pair<const char*, const char*> domains[] = {{"cpu", ""}, {"mem-ctrl", ""}, {"none", ",flush-hints=1"}};
    for (const auto& [domain, dimm] : domains) {
        const std::string dir = make_temp_dir();
        for (const char* at : {"420us", "500us"}) { // the appends run from about 330 to 530 us
            std::filesystem::remove(dir + "/log.img");
            const auto r = run_process({pmemvp_binary(), "-machine", std::string("virt,nvdimm=on,nvdimm-persistence=") + domain,
                                        "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/log.img",
                                        "-device", std::string("nvdimm,id=nv0,memdev=m0") + dimm, "-kernel", guest("crash-log"),
                                        "--power-fail-at", at, "--on-power-fail", "reboot"});
            EXPECT_EQ(r.status, 0) << domain << " at " << at << ":\n" << r.out << r.err;
            EXPECT_NE(r.out.find("all intact"), std::string::npos) << domain << ": " << r.out;
            EXPECT_EQ(r.out.find("recovered 0 records"), std::string::npos) << domain << " at " << at << ": " << r.out;
            EXPECT_NE(r.out.find("log holds 200 records"), std::string::npos) << domain << ": " << r.out;
        }
    }
}

TEST(crash_recovery, without_dmi_every_access_is_a_transaction_and_the_checker_finds_nothing) {
    // The hart learns the persistence domains from its cache-block operations, so its fences
    // reach them without DMI too: a correct guest gets no finding in any domain.
    const std::pair<const char*, const char*> domains[] = {{"cpu", ""}, {"mem-ctrl", ""}, {"none", ",flush-hints=1"}};
    for (const auto& [domain, dimm] : domains) {
        const std::string dir = make_temp_dir();
        const auto r = run_process({pmemvp_binary(), "-machine", std::string("virt,nvdimm=on,nvdimm-persistence=") + domain,
                                    "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/log.img",
                                    "-device", std::string("nvdimm,id=nv0,memdev=m0") + dimm, "-kernel", guest("crash-log"),
                                    "--no-dmi", "--persist-check=fail"});
        EXPECT_EQ(r.status, 0) << domain << ":\n" << r.out << r.err;
        EXPECT_EQ(r.err.find("persist-check"), std::string::npos) << domain << ": " << r.err;
        EXPECT_NE(r.out.find("log holds 200 records"), std::string::npos) << domain << ": " << r.out;
    }
}

TEST(crash_recovery, the_buggy_log_is_caught_torn_by_random_survival) {
    const std::string dir = make_temp_dir();
    int torn = 0;
    for (int seed = 1; seed <= 20 && !torn; ++seed) {
        std::filesystem::remove(dir + "/log.img");
        const auto r = run_log(dir, "crash-log-buggy", {"--power-fail-at", "300us", "--on-power-fail", "reboot",
                                                        "--power-fail-policy", "random:" + std::to_string(seed) + ":0.5",
                                                        "--persist-check"});
        if (r.out.find("recovery FAILED") != std::string::npos) {
            ++torn;
            EXPECT_EQ(r.status, 1);
            EXPECT_NE(r.err.find("store not durable: pc 0x8000"), std::string::npos) << r.err;
        }
    }
    EXPECT_EQ(torn, 1) << "some seed must leave a committed record torn";
}

TEST(power_failure, the_guest_can_cut_the_power_itself) {
    const std::string dir = make_temp_dir();
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on",
                                "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/d.img",
                                "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug-self-fail"),
                                "--stats", dir + "/s.json"});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string file = read_file(dir + "/d.img");
    EXPECT_EQ(record(file, 0), "record A:");
    EXPECT_EQ(record(file, 4096), std::string(9, '\0'));
    const std::string stats = read_file(dir + "/s.json");
    EXPECT_NE(stats.find("\"outcome\": \"power-failure\""), std::string::npos) << stats;
    EXPECT_NE(stats.find("\"power_failures\": 1"), std::string::npos) << stats;
    EXPECT_NE(stats.find("\"domain\": \"adr\""), std::string::npos) << stats;
}

TEST(crash_recovery, two_power_failures_two_reboots) {
    const std::string dir = make_temp_dir();
    const auto r = run_log(dir, "crash-log", {"--power-fail-at", "350us", "--power-fail-at", "150us",
                                              "--on-power-fail", "reboot", "--stats", dir + "/s.json"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::size_t recoveries = 0;
    for (auto at = r.out.find("recovered "); at != std::string::npos; at = r.out.find("recovered ", at + 1)) ++recoveries;
    EXPECT_EQ(recoveries, 2u) << r.out;
    EXPECT_NE(r.out.find("log holds 200 records"), std::string::npos) << r.out;
    EXPECT_NE(read_file(dir + "/s.json").find("\"power_failures\": 2"), std::string::npos);
}

TEST(power_failure, interleave_sets_are_tracked_per_dimm) {
    const std::string dir = make_temp_dir();
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl",
                                "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/d0.img",
                                "-object", "memory-backend-file,id=m1,share=on,size=16M,mem-path=" + dir + "/d1.img",
                                "-device", "nvdimm,id=nv0,memdev=m0", "-device", "nvdimm,id=nv1,memdev=m1",
                                "-object", "nvdimm-interleave,id=s,dimms=nv0:nv1,granularity=4K",
                                "-kernel", guest("persist-bug"), "--power-fail-at", "5ms", "--persist-check"});
    EXPECT_EQ(r.status, 0) << r.err;
    // Lines of 4 KiB alternate: A at nv0 offset 0, B at nv1 offset 0, C at nv0 offset 4 KiB.
    const std::string d0 = read_file(dir + "/d0.img"), d1 = read_file(dir + "/d1.img");
    EXPECT_EQ(record(d0, 0), "record A:");
    EXPECT_EQ(record(d1, 0), std::string(9, '\0'));
    EXPECT_EQ(record(d0, 4096), std::string(9, '\0'));
    EXPECT_NE(r.err.find("store not durable: pc 0x8000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(", nv1 offset 0x0"), std::string::npos) << r.err; // the user's ids, not internal names
    EXPECT_NE(r.err.find("flush never followed by a fence: pc 0x8000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(", nv0 offset 0x1000"), std::string::npos) << r.err;
}

TEST(power_failure, vcd_traces_the_line_counts_deterministically) {
    const std::string dir = make_temp_dir();
    std::string bodies[2];
    for (int i = 0; i < 2; ++i) {
        const std::string d = dir + "/" + std::to_string(i);
        std::filesystem::create_directories(d);
        const auto r = run(d, "none", {"--vcd", d + "/run.vcd"});
        ASSERT_EQ(r.status, 0) << r.err;
        const std::string vcd = read_file(d + "/run.vcd");
        EXPECT_NE(vcd.find("non_durable_lines"), std::string::npos);
        EXPECT_NE(vcd.find("wpq_lines"), std::string::npos);
        EXPECT_NE(vcd.find("$scope module nv0 $end"), std::string::npos) << "the user's id: " << vcd;
        EXPECT_NE(vcd.find("b11 "), std::string::npos) << "three lines not durable at some point: " << vcd;
        bodies[i] = vcd.substr(vcd.find("$enddefinitions")); // the header carries the date
    }
    EXPECT_EQ(bodies[0], bodies[1]);
    const auto bad = run(dir, "none", {"--vcd", dir + "/trace.txt"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--vcd"), std::string::npos) << bad.err;
}
