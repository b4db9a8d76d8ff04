// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep (docs/sweeps.md) with the real pmemvp binary: products and zips of axes, one row
// per run with the --stats figures, each run on its own copy of the backing file and the user's
// file untouched, --resume, bad sweep files, and SIGINT keeping finished results. Nothing here
// depends on the host's speed.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

using namespace pmemvp::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An NVDIMM on mem-path, a power failure at 5 ms.
json nvdimm_base(const std::string& mem_path) {
    return json::array({"-machine", "virt,nvdimm=on", "-object",
                        "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + mem_path, "-device",
                        "nvdimm,id=nv0,memdev=m0", "--power-fail-at", "5ms"});
}

std::string write_sweep(const std::string& dir, const json& sweep, const std::string& name = "sweep.json") {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << sweep.dump(2);
    return path;
}

process_result sweep(const std::vector<std::string>& args) {
    std::vector<std::string> argv{sweep_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

std::vector<json> rows(const std::string& out) {
    std::vector<json> r;
    std::ifstream in(out + "/results.jsonl");
    for (std::string line; std::getline(in, line);)
        r.push_back(json::parse(line));
    return r;
}

std::size_t line_count(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

ino_t inode(const std::string& path) {
    struct stat st{};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
}

// A 16 MiB image with 1 MiB of data at its start and a hole after it.
std::string make_image(const std::string& path) {
    write_file(path, 1 << 20, 0x5a);
    fs::resize_file(path, 16 << 20);
    return read_file(path);
}

bool wait_for(const std::string& path) {
    for (int i = 0; i < 60000; ++i) { // a guard against hanging, not a timing assertion
        if (fs::exists(path)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST(sweep, product_of_guests_and_timing_gives_a_row_per_run_each_on_its_own_image) {
    const std::string dir = make_temp_dir(), image = dir + "/d.img", out = dir + "/out";
    const std::string original = make_image(image);
    const json spec = {{"base", nvdimm_base(image)},
                       {"axes", {{"guest", {guest("persist-bug"), guest("persist-bug-paged")}},
                                 {"timing.read-random", {"250ns", "400ns"}}}},
                       {"combine", "product"}};
    const auto r = sweep({"run", write_sweep(dir, spec), "--out", out, "--local", "-j", "2"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("4/4 done, 0 failed"), std::string::npos) << r.err;

    const auto table = rows(out);
    ASSERT_EQ(table.size(), 4u);
    const std::pair<std::string, std::string> order[] = {{"persist-bug", "250ns"}, {"persist-bug", "400ns"},
                                                         {"persist-bug-paged", "250ns"}, {"persist-bug-paged", "400ns"}};
    std::set<ino_t> inodes{inode(image)};
    for (std::size_t i = 0; i < 4; ++i) {
        const json& row = table[i];
        SCOPED_TRACE(row.dump());
        EXPECT_EQ(row["run"], i);
        EXPECT_EQ(row["guest"], guest(order[i].first));
        EXPECT_EQ(row["timing.read-random"], order[i].second);
        EXPECT_EQ(row["status"], "ok");
        EXPECT_EQ(row["exit_status"], 0);
        EXPECT_EQ(row["outcome"], "power-failure");
        EXPECT_EQ(row["power_failures"], 1);
        EXPECT_TRUE(row["nvdimms.nv0.persistence.non_durable_lines"].is_number());
        EXPECT_GT(row["nvdimms.nv0.timing.reads"].get<double>() + row["nvdimms.nv0.timing.writes"].get<double>(), 0);
        EXPECT_GT(row["instructions"].get<double>(), 0);
        EXPECT_TRUE(row["run_wall_time_s"].is_number());
        const std::string command = row["command"];
        EXPECT_NE(command.find("--pmem-timing optane,read-random=" + order[i].second), std::string::npos);
        // Its own copy of the image, which the guest wrote.
        const std::string copy = row["run_dir"].get<std::string>() + "/d.img";
        EXPECT_NE(command.find("mem-path=" + copy), std::string::npos);
        EXPECT_TRUE(inodes.insert(inode(copy)).second) << copy << " shares an inode";
        EXPECT_EQ(fs::file_size(copy), 16u << 20);
        EXPECT_TRUE(read_file(copy) != original) << "the guest's stores are not in " << copy;
    }
    EXPECT_TRUE(read_file(image) == original) << "the user's image changed";

    // The CSV has the same rows; its header names the flattened figures.
    const std::string csv = read_file(out + "/results.csv");
    EXPECT_EQ(line_count(csv), 5u);
    EXPECT_NE(csv.find("nvdimms.nv0.persistence.non_durable_lines"), std::string::npos);
    EXPECT_EQ(csv.substr(0, csv.find('\n')).rfind(",command"), csv.find('\n') - 8);

    // The command reproduces the run: the same figures.
    const json& last = table[3];
    const auto again = run_process({"/bin/sh", "-c", last["command"].get<std::string>()});
    ASSERT_EQ(again.status, 0) << again.err;
    const json stats = json::parse(read_file(last["run_dir"].get<std::string>() + "/stats.json"));
    EXPECT_EQ(stats["instructions"], last["instructions"]);
    EXPECT_EQ(stats["nvdimms"]["nv0"]["timing"]["reads"], last["nvdimms.nv0.timing.reads"]);
    EXPECT_EQ(stats["nvdimms"]["nv0"]["persistence"]["non_durable_lines"], last["nvdimms.nv0.persistence.non_durable_lines"]);
    EXPECT_TRUE(read_file(image) == original);
}

TEST(sweep, zip_with_options_placeholders_and_repetitions_then_resume_reruns_only_missing_and_failed) {
    const std::string dir = make_temp_dir(), out = dir + "/out";
    // The images do not exist: each run's pmemvp creates its own in the run's directory.
    json base = nvdimm_base(dir + "/{name}.img");
    base.insert(base.end(), {"--vcd", "{run_dir}/t.vcd"}); // a file of each run's own
    const json spec = {{"base", base},
                       {"axes", {{"guest", {guest("persist-bug"), guest("exit-code")}},
                                 {"--quantum", {"1us", "10us"}},
                                 {"name", {"a", "b"}}}},
                       {"combine", "zip"},
                       {"repetitions", 2}};
    const std::string file = write_sweep(dir, spec);
    const auto r = sweep({"run", file, "--out", out, "-j2"});
    EXPECT_EQ(r.status, 1) << "exit-code's runs fail: " << r.err;
    EXPECT_NE(r.err.find("2 of 4 runs failed"), std::string::npos) << r.err;
    auto table = rows(out);
    ASSERT_EQ(table.size(), 4u);
    const char* names[] = {"a", "a", "b", "b"};
    for (std::size_t i = 0; i < 4; ++i) {
        const json& row = table[i];
        SCOPED_TRACE(row.dump());
        EXPECT_EQ(row["repetition"], i % 2);
        EXPECT_EQ(row["name"], names[i]);
        EXPECT_TRUE(fs::exists(row["run_dir"].get<std::string>() + "/" + names[i] + ".img"));
        if (i < 2) {
            EXPECT_EQ(row["status"], "ok");
            EXPECT_EQ(row["quantum_ns"], 1000);
            EXPECT_TRUE(fs::exists(row["run_dir"].get<std::string>() + "/t.vcd"));
        } else {
            EXPECT_EQ(row["status"], "failed");
            EXPECT_EQ(row["exit_status"], 42);
            EXPECT_EQ(row["outcome"], "finished");
            EXPECT_EQ(row["quantum_ns"], 10000);
        }
    }
    EXPECT_FALSE(fs::exists(dir + "/a.img")) << "a run wrote the user's path";

    // Without --resume the directory is refused.
    const auto refused = sweep({"run", file, "--out", out});
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;

    // --resume: run 1 (deleted) and runs 2, 3 (failed) again; run 0 untouched.
    const std::string run0 = read_file(table[0]["run_dir"].get<std::string>() + "/result.json");
    fs::remove(table[1]["run_dir"].get<std::string>() + "/result.json");
    const auto resumed = sweep({"run", file, "--out", out, "--resume", "-j", "1"});
    EXPECT_EQ(resumed.status, 1) << resumed.err;
    EXPECT_NE(resumed.err.find("3 of 4 runs to do"), std::string::npos) << resumed.err;
    EXPECT_EQ(read_file(table[0]["run_dir"].get<std::string>() + "/result.json"), run0);
    table = rows(out);
    ASSERT_EQ(table.size(), 4u);
    EXPECT_EQ(table[1]["status"], "ok");

    // A changed sweep is not resumed into the same directory.
    json changed = spec;
    changed["axes"]["--quantum"] = {"2us", "10us"};
    const auto other = sweep({"run", write_sweep(dir, changed, "changed.json"), "--out", out, "--resume"});
    EXPECT_EQ(other.status, 2);
    EXPECT_NE(other.err.find("different sweep"), std::string::npos) << other.err;
}

TEST(sweep, bad_sweep_files_are_refused_with_the_problem_and_the_fix) {
    const std::string dir = make_temp_dir();
    const json base = {"-kernel", guest("hello")};
    const std::pair<std::string, std::string> cases[] = {
        {"{\"base\": [", "is not valid JSON"},
        {"[1, 2]", "must be an object"},
        {R"({"axes": {}})", "no \"base\""},
        {json{{"base", base}, {"bogus", 1}}.dump(), "unknown field \"bogus\""},
        {json{{"base", {"-kernel", 3}}}.dump(), "write it as a string"},
        {json{{"base", base}, {"axes", {{"foo.bar", {1}}}}}.dump(), "unknown kind of axis"},
        {json{{"base", base}, {"axes", {{"--quantum", {"1us"}}, {"seed", {1, 2}}}}, {"combine", "zip"}}.dump(),
         "zip\" needs axes of equal length"},
        {json{{"base", {"-kernel", "{prog}"}}}.dump(), "uses {prog} but there is no axis \"prog\""},
        {json{{"base", base}, {"axes", {{"unused", {1}}}}}.dump(), "is used nowhere"},
        {json{{"base", base}, {"axes", {{"x", json::array()}}}}.dump(), "non-empty array"},
        {json{{"base", base}, {"axes", {{"--quantum", {true}}}}}.dump(), "give a string or a number"},
        {json{{"base", base}, {"combine", "cross"}}.dump(), "\"product\""},
        {json{{"base", base}, {"repetitions", 0}}.dump(), "whole number from 1"},
        {json{{"base", {"-kernel", guest("hello"), "--stats", "s.json"}}}.dump(), "remove it"},
        {json{{"base", {"-m", "256M"}}}.dump(), "no guest"},
        {json{{"base", {"-kernel", guest("hello"), "--vcd", dir + "/t.vcd"}}}.dump(), "{run_dir}/NAME"},
        {json{{"base", base}, {"axes", {{"seed", {1, 2}}}}}.dump(), "--power-fail-policy random"},
        {json{{"base", {"-kernel", guest("hello"), "--pmem-timing", "none"}}, {"axes", {{"timing.read-random", {"1ns"}}}}}.dump(),
         "--pmem-timing none"},
        {json{{"base", base}, {"axes", {{"guest", {dir + "/missing.elf"}}}}}.dump(), "is not a file"},
    };
    int n = 0;
    for (const auto& [text, message] : cases) {
        SCOPED_TRACE(text);
        const std::string file = dir + "/bad" + std::to_string(n) + ".json", out = dir + "/out" + std::to_string(n++);
        std::ofstream(file) << text;
        const auto r = sweep({"run", file, "--out", out});
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out)) << "a refused sweep made its output directory";
    }
    const auto missing = sweep({"run", dir + "/nothing.json"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("cannot read the sweep file"), std::string::npos) << missing.err;
    EXPECT_EQ(sweep({"run", dir + "/bad0.json", "-j", "0"}).status, 2);
    EXPECT_EQ(sweep({"frobnicate"}).status, 2);
}

TEST(sweep, sigint_stops_cleanly_and_keeps_finished_results) {
    const std::string dir = make_temp_dir(), image = dir + "/d.img", out = dir + "/out";
    const std::string original = make_image(image);
    // Run 0 finishes; run 1 (spin) never does on its own; run 2 never starts.
    const json spec = {{"base", nvdimm_base(image)},
                       {"axes", {{"guest", {guest("persist-bug"), guest("spin"), guest("spin")}}}}};
    const pid_t pid = start_process({sweep_binary(), "run", write_sweep(dir, spec), "--out", out, "-j", "1"},
                                    dir + "/sweep.out", dir + "/sweep.err");
    const bool started = wait_for(out + "/run-0000/result.json") && wait_for(out + "/run-0001/stdout.txt");
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(started) << read_file(dir + "/sweep.err");
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130) << read_file(dir + "/sweep.err");
    EXPECT_NE(read_file(dir + "/sweep.err").find("no new runs"), std::string::npos);

    const auto table = rows(out);
    ASSERT_EQ(table.size(), 2u) << read_file(out + "/results.jsonl");
    EXPECT_EQ(table[0]["status"], "ok");
    EXPECT_EQ(table[0]["outcome"], "power-failure");
    EXPECT_EQ(table[1]["status"], "failed");
    // pmemvp got SIGTERM: outcome interrupted with its stats, or (if it had not yet set up its
    // handler) killed by the signal.
    const std::string outcome = table[1]["outcome"];
    EXPECT_TRUE(outcome == "interrupted" || outcome.rfind("killed", 0) == 0) << outcome;
    EXPECT_EQ(table[1]["exit_status"], 143);
    EXPECT_FALSE(fs::exists(out + "/run-0002")) << "a run started after SIGINT";
    EXPECT_EQ(line_count(read_file(out + "/results.csv")), 3u);
    EXPECT_TRUE(read_file(image) == original);
}
