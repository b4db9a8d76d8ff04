// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep crash (docs/sweeps.md) with the real binaries: a correct crash-consistent log
// has no failing point; its buggy build and persist-bug are caught with the PCs of the stores
// they lose, grouped into the expected number of distinct bugs; the user's image is untouched.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"
#include "pmemvp/test/sweep.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

using namespace pmemvp::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string write_campaign(const std::string& dir, const std::string& program, const std::string& persistence = "mem-ctrl") {
    const json campaign = {{"base", {"-machine", "virt,nvdimm=on,nvdimm-persistence=" + persistence, "-object",
                                     "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/log.img",
                                     "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest(program)}}};
    const std::string path = dir + "/" + program + ".json";
    std::ofstream(path) << campaign.dump(2);
    return path;
}

process_result crash(std::vector<std::string> args) {
    args.insert(args.begin(), "crash");
    return sweep(args);
}

json summary(const std::string& out) {
    std::ifstream in(out + "/summary.json");
    return json::parse(in);
}

std::vector<json> points(const std::string& out) { return json_lines(out + "/points.jsonl"); }

std::set<std::string> symbols_without_offsets(const json& bug) {
    std::set<std::string> names;
    for (const auto& s : bug["lost_store_symbols"]) {
        const std::string text = s.get<std::string>();
        names.insert(text.substr(0, text.find('+')));
    }
    return names;
}

} // namespace

TEST(crash_campaign, the_crash_consistent_log_survives_failures_around_its_persistence_events) {
    const std::string dir = make_temp_dir(), out = dir + "/out";
    write_file(dir + "/log.img", 0, 0); // the user's image: empty, and it must stay so
    // 401 of the 1,605 points, evenly spread (all of them: docs/performance.md).
    const auto r = crash({write_campaign(dir, "crash-log"), "--out", out, "--points", "401", "-j", "2"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const json s = summary(out);
    EXPECT_EQ(s["events"], 802) << "a clean and a fence per record and per commit, and the new header's";
    EXPECT_EQ(s["points"], 401 + 1) << "401 of the events' befores and afters, and the end";
    EXPECT_EQ(s["points_run"], s["points"]);
    EXPECT_EQ(s["failing_points"], 0);
    EXPECT_TRUE(s["bugs"].empty());
    EXPECT_NE(r.out.find("0 failing, 0 distinct bug(s)"), std::string::npos) << r.out;
    const auto rows = points(out);
    ASSERT_EQ(rows.size(), 402u);
    std::size_t lost_before = 0, recovered = 0;
    for (const json& p : rows) {
        recovered += p["recovered"] == true;
        lost_before += p["where"] == "before" && p["lines_lost"].get<int>() > 0;
    }
    EXPECT_EQ(recovered, rows.size());
    // Before each clean and fence something is still in flight, and is lost: the guest's
    // recovery copes with it every time.
    EXPECT_GT(lost_before, 150u);
    EXPECT_EQ(fs::file_size(dir + "/log.img"), 0u);
    EXPECT_TRUE(fs::exists(out + "/points.csv"));
}

TEST(crash_campaign, the_buggy_log_is_caught_with_the_pcs_of_its_lost_stores) {
    // It commits without cleaning or fencing: nothing it appends is ever durable.
    const std::string dir = make_temp_dir();
    // Losing everything, its recovery finds an empty log, which is consistent: only the end
    // shows the bug (the program finished with lines not durable).
    auto r = crash({write_campaign(dir, "crash-log-buggy"), "--out", dir + "/all", "--points", "all"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    json s = summary(dir + "/all");
    EXPECT_EQ(s["events"], 2) << "only the new header is persisted";
    ASSERT_EQ(s["bugs"].size(), 1u) << s.dump(1);
    EXPECT_EQ(s["bugs"][0]["first_where"], "end");
    EXPECT_EQ(symbols_without_offsets(s["bugs"][0]), (std::set<std::string>{"main", "memcpy"})) << s.dump(1);

    // Keeping lines at random (point i with seed 1 + i), some points keep the commit record but
    // not a record it covers: the recovery fails, and the lost stores are the record's.
    r = crash({write_campaign(dir, "crash-log-buggy"), "--out", dir + "/random", "--points", "every=20us",
               "--policy", "random:1:0.5"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    s = summary(dir + "/random");
    std::size_t torn = 0;
    for (const json& p : points(dir + "/random")) {
        if (p["where"] == "at" && p["failing"] == true) {
            ++torn;
            EXPECT_EQ(p["recovered"], false) << p;
            EXPECT_GT(p["lines_lost"].get<int>(), 0) << p;
        }
    }
    EXPECT_GT(torn, 0u) << r.out;
    for (const json& bug : s["bugs"]) {
        for (const std::string& f : symbols_without_offsets(bug))
            EXPECT_TRUE(f == "main" || f == "memcpy") << bug.dump(1);
        // The command reproduces the point: the same failure, the same recovery failure.
        const std::string command = bug["command"].get<std::string>();
        EXPECT_NE(command.find("--power-fail-at " + std::to_string(bug["fail_time_ps"].get<std::uint64_t>()) + "ps"),
                  std::string::npos) << command;
        const auto again = run_process({"/bin/sh", "-c", command});
        if (bug["first_where"] == "at") {
            EXPECT_NE(again.out.find("recovery FAILED"), std::string::npos) << command << "\n" << again.out << again.err;
        }
        EXPECT_NE(again.err.find("store not durable"), std::string::npos) << again.err;
    }
}

TEST(crash_campaign, persist_bug_names_the_two_stores_it_never_makes_durable) {
    // No recovery code (it waits for the power failure): --check none, and only the end counts.
    // Under ADR, record B (never cleaned) and C (cleaned, never fenced) are one bug: the lines
    // the program left behind.
    const std::string dir = make_temp_dir(), out = dir + "/out";
    const auto r = crash({write_campaign(dir, "persist-bug"), "--out", out, "--check", "none",
                          "--symbols", guest("persist-bug")});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    const json s = summary(out);
    EXPECT_EQ(s["events"], 3) << "A's clean, the fence, C's clean";
    ASSERT_EQ(s["bugs"].size(), 1u) << s.dump(1);
    const json& bug = s["bugs"][0];
    EXPECT_EQ(bug["first_where"], "end");
    EXPECT_EQ(symbols_without_offsets(bug), std::set<std::string>{"memcpy"}) << "strcpy's stores";
    // The PCs are those the checker names at the end of a plain run.
    const auto check = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on", "-object",
                                    "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/plain.img",
                                    "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug"),
                                    "--power-fail-at", "5ms", "--persist-check"});
    for (const auto& pc : bug["lost_store_pcs"])
        EXPECT_NE(check.err.find("store not durable: pc " + pc.get<std::string>()), std::string::npos) << check.err;
    // Every event point: nothing counted (no recovery check), the lost lines still listed.
    for (const json& p : points(out)) {
        EXPECT_EQ(p["recovered"], nullptr);
        if (p["where"] != "end") {
            EXPECT_EQ(p["failing"], false) << p;
        }
    }
}

TEST(crash_campaign, bad_input_is_refused_before_anything_runs) {
    const std::string dir = make_temp_dir();
    const std::string campaign = write_campaign(dir, "crash-log");
    struct bad {
        std::vector<std::string> args;
        const char* says;
    };
    const bad cases[] = {
        {{campaign, "--points", "some"}, "--points some"},
        {{campaign, "--points", "every=soon"}, "every=10us"},
        {{campaign, "--policy", "keep-all"}, "random:SEED:P"},
        {{campaign, "--check", "maybe"}, "--check"},
        {{dir + "/missing.json"}, "missing.json"},
        {{campaign, "--symbols", dir + "/nothing.elf"}, "--symbols"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = c.args;
        args.insert(args.end(), {"--out", dir + "/out"});
        const auto r = crash(args);
        EXPECT_EQ(r.status, 2) << c.says << ": " << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(dir + "/out/record")) << c.says;
    }
    // A campaign's base must not hold what the campaign sets.
    const json with_fail = {{"base", {"-kernel", guest("crash-log"), "--power-fail-at", "1ms"}}};
    std::ofstream(dir + "/own.json") << with_fail.dump();
    const auto r = crash({dir + "/own.json", "--out", dir + "/out2"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--power-fail-at"), std::string::npos) << r.err;
}
