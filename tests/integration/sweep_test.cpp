// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep (docs/sweeps.md) with the real pmemvp binary: products and zips of axes, one row
// per run with the --stats figures, each run on its own copy of the backing file and the user's
// file untouched, --resume, bad sweep files, SIGINT keeping finished results, and `report`'s
// summary and plots (valid PNG and SVG, a series per value of the other axis). Nothing here
// depends on the host's speed.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"
#include "pmemvp/test/sweep.h"

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

namespace {

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

bool is_png(const std::string& path) { return read_file(path).rfind("\x89PNG\r\n\x1a\n", 0) == 0; }

// An SVG document: the XML declaration, an <svg> element, and closed.
bool is_svg(const std::string& path) {
    const std::string s = read_file(path);
    return s.rfind("<?xml", 0) == 0 && s.find("<svg") != std::string::npos && s.find("</svg>") != std::string::npos;
}

} // namespace

TEST(sweep_report, summary_and_plots_with_a_series_per_value_of_the_other_axis) {
    const std::string dir = make_temp_dir(), out = dir + "/out";
    // 3 x 2 over --pmem-timing keys; the bandwidths out of order, to be sorted by value. (The
    // test's json orders keys by name: wpq-depth is the first axis.)
    json base = nvdimm_base(dir + "/p.img");
    base.erase(base.end() - 2, base.end()); // no power failure: the loop runs to its end
    base.insert(base.end(), {"-kernel", guest("persist-bench")});
    const json spec = {{"base", base},
                       {"axes", {{"timing.write-bandwidth", {"4GB/s", "1GB/s", "2.21GB/s"}}, {"timing.wpq-depth", {8, 32}}}}};
    const auto r = sweep({"run", write_sweep(dir, spec), "--out", out, "-j", "2"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto table = rows(out);
    ASSERT_EQ(table.size(), 6u);
    EXPECT_EQ(line_count(read_file(out + "/results.csv")), 7u);
    // Each row's figures are those of a single run of the same configuration, made here.
    for (const json& row : table) {
        std::vector<std::string> argv{pmemvp_binary()};
        for (const auto& a : base) argv.push_back(a.get<std::string>());
        const std::string single = dir + "/single.img";
        fs::remove(single);
        for (std::string& a : argv)
            if (a.find("mem-path=") != std::string::npos) a = a.substr(0, a.find("mem-path=")) + "mem-path=" + single;
        argv.insert(argv.end(), {"--pmem-timing", "optane,write-bandwidth=" + row["timing.write-bandwidth"].get<std::string>() +
                                                      ",wpq-depth=" + row["timing.wpq-depth"].get<std::string>(),
                                 "--stats", dir + "/single.json"});
        const auto one = run_process(argv);
        ASSERT_EQ(one.status, 0) << one.err;
        const json stats = json::parse(read_file(dir + "/single.json"));
        EXPECT_EQ(row["simulated_time_ns"], stats["simulated_time_ns"]) << row.dump();
        EXPECT_EQ(row["instructions"], stats["instructions"]);
        EXPECT_EQ(row["nvdimms.nv0.timing.media_writes"], stats["nvdimms"]["nv0"]["timing"]["media_writes"]);
        EXPECT_EQ(row["nvdimms.nv0.timing.wpq_max"], stats["nvdimms"]["nv0"]["timing"]["wpq_max"]);
    }

    const auto rep = sweep({"report", out, "--x", "timing.write-bandwidth", "--y", "simulated_time_ns", "--format",
                            "png,svg"});
    ASSERT_EQ(rep.status, 0) << rep.err;
    const std::string report_dir = out + "/report", base_name = report_dir + "/simulated_time_ns-vs-timing.write-bandwidth";
    EXPECT_TRUE(is_png(base_name + ".png")) << base_name << ".png is not a PNG";
    EXPECT_TRUE(is_svg(base_name + ".svg")) << base_name << ".svg is not an SVG";
    // One series per value of the other axis (wpq-depth 8, 32): two gnuplot plots, two data blocks.
    const std::string svg = read_file(base_name + ".svg");
    EXPECT_EQ(count(svg, "<g id=\"gnuplot_plot_"), 2u) << svg.substr(0, 2000);
    EXPECT_NE(svg.find("timing.wpq-depth=8"), std::string::npos);
    EXPECT_NE(svg.find("timing.wpq-depth=32"), std::string::npos);
    const std::string data = read_file(base_name + ".dat");
    EXPECT_EQ(count(data, "# timing.wpq-depth="), 2u) << data;
    // The bandwidths by value on x: 1, 2.21, 4 GB/s.
    const std::string script = read_file(base_name + ".gp");
    const std::size_t at1 = script.find("\"1GB/s\""), at2 = script.find("\"2.21GB/s\""), at4 = script.find("\"4GB/s\"");
    ASSERT_NE(at4, std::string::npos) << script;
    EXPECT_TRUE(at1 < at2 && at2 < at4) << script;

    // The summary: a line per combination with runs, failures and the figure's mean/min/max.
    const std::string summary = read_file(report_dir + "/summary.csv");
    EXPECT_EQ(line_count(summary), 7u) << summary;
    EXPECT_EQ(summary.substr(0, summary.find('\n')),
              "timing.wpq-depth,timing.write-bandwidth,runs,failed,simulated_time_ns.mean,simulated_time_ns.min,"
              "simulated_time_ns.max");
    const std::string t = std::to_string(rows(out)[0]["simulated_time_ns"].get<long long>()); // wpq-depth 8, 4GB/s
    EXPECT_NE(summary.find("\n8,4GB/s,1,0," + t + "," + t + "," + t + "\n"), std::string::npos) << summary;
    EXPECT_NE(rep.out.find("| timing.write-bandwidth |"), std::string::npos) << rep.out;
    EXPECT_TRUE(fs::exists(report_dir + "/summary.md"));

    // Without --x and --y: a plot per axis of several values against the figures that vary;
    // against wpq-depth, a series per bandwidth.
    const auto all = sweep({"report", out, "--out-dir", dir + "/all", "--format", "svg"});
    ASSERT_EQ(all.status, 0) << all.err;
    const std::string against_depth = dir + "/all/simulated_time_ns-vs-timing.wpq-depth.svg";
    ASSERT_TRUE(is_svg(against_depth)) << all.err;
    EXPECT_EQ(count(read_file(against_depth), "<g id=\"gnuplot_plot_"), 3u);
    EXPECT_TRUE(is_svg(dir + "/all/simulated_time_ns-vs-timing.write-bandwidth.svg"));
    EXPECT_FALSE(fs::exists(dir + "/all/simulated_time_ns-vs-timing.wpq-depth.png")) << "--format svg made a PNG";
}

TEST(sweep_report, unknown_axes_figures_and_formats_are_refused_naming_those_there_are) {
    const std::string dir = make_temp_dir(), out = dir + "/out";
    const json spec = {{"base", {"-kernel", guest("hello")}}, {"axes", {{"--quantum", {"1us", "10us"}}}}};
    ASSERT_EQ(sweep({"run", write_sweep(dir, spec), "--out", out}).status, 0);
    const auto x = sweep({"report", out, "--x", "nosuch"});
    EXPECT_EQ(x.status, 2);
    EXPECT_NE(x.err.find("--x nosuch: no such axis in the results; the axes are: --quantum"), std::string::npos) << x.err;
    const auto y = sweep({"report", out, "--y", "nosuch"});
    EXPECT_EQ(y.status, 2);
    EXPECT_NE(y.err.find("--y nosuch: no such figure"), std::string::npos) << y.err;
    EXPECT_NE(y.err.find("simulated_time_ns"), std::string::npos) << y.err;
    const auto f = sweep({"report", out, "--format", "gif"});
    EXPECT_EQ(f.status, 2);
    EXPECT_NE(f.err.find("give png, svg"), std::string::npos) << f.err;
    EXPECT_FALSE(fs::exists(out + "/report")) << "a refused report wrote files";
    const auto none = sweep({"report", dir + "/nothing"});
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("run the sweep first"), std::string::npos) << none.err;
}
