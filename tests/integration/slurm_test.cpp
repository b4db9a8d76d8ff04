// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep --slurm against a real one-node Slurm cluster started for this test (Debian's
// munged, slurmctld and slurmd; tests/harness/slurm_cluster.cpp): the same figures as --local,
// --no-wait then collect, --resume re-running only the failed run, Ctrl-C cancelling the job
// and keeping finished results, a sweep larger than MaxArraySize as a chain of arrays, and the
// errors of a submission that cannot be made, and a crash campaign finding what it finds
// locally. Skipped,
// with the reason, when the cluster cannot start (not root, Slurm not installed). Nothing here
// depends on the host's speed: waits are generous guards with messages, never assertions.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"
#include "pmemvp/test/sweep.h"
#include "pmemvp/test/slurm_cluster.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace pmemvp::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

#define REQUIRE_SLURM()                                                                                                \
    do {                                                                                                               \
        if (!slurm_cluster::shared().up())                                                                             \
            GTEST_SKIP() << "no local Slurm cluster: " << slurm_cluster::shared().problem();                           \
    } while (0)

bool wait_for(const std::string& path) {
    for (int i = 0; i < 30000; ++i) { // a guard against hanging (5 min), not a timing assertion
        if (fs::exists(path)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

std::string image_with_data(const std::string& path) {
    write_file(path, 1 << 20, 0x5a);
    fs::resize_file(path, 16 << 20);
    return read_file(path);
}

// The figures of a row that measure the simulation: every number but the host's times.
json simulated_figures(const json& row) {
    json f = json::object();
    for (const auto& [k, v] : row.items())
        if (v.is_number() && k != "run_wall_time_s" && k != "wall_time_s" && k != "mips") f[k] = v;
    return f;
}

std::string squeue_all() { return run_process({"squeue", "--noheader", "--format=%i %T"}).out; }

} // namespace

TEST(slurm, a_sweep_through_slurm_gives_the_figures_of_the_same_sweep_run_locally) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir(), image = dir + "/d.img";
    const std::string original = image_with_data(image);
    const json spec = {{"base", nvdimm_base(image)},
                       {"axes", {{"guest", {guest("persist-bug"), guest("persist-bug-paged")}},
                                 {"timing.read-random", {"250ns", "400ns"}}}}};
    const std::string file = write_sweep(dir, spec);
    const auto local = sweep({"run", file, "--out", dir + "/local", "--local", "-j", "2"});
    ASSERT_EQ(local.status, 0) << local.err;
    const auto slurm = sweep({"run", file, "--out", dir + "/slurm", "--slurm", "--array-limit", "2"});
    ASSERT_EQ(slurm.status, 0) << slurm.err;
    EXPECT_NE(slurm.err.find("submitted Slurm job"), std::string::npos) << slurm.err;
    EXPECT_NE(slurm.err.find("4/4 done, 0 failed"), std::string::npos) << slurm.err;

    const auto expected = rows(dir + "/local"), got = rows(dir + "/slurm");
    ASSERT_EQ(got.size(), 4u);
    ASSERT_EQ(expected.size(), 4u);
    std::set<std::string> copies;
    for (std::size_t i = 0; i < 4; ++i) {
        SCOPED_TRACE(got[i].dump());
        EXPECT_EQ(got[i]["status"], "ok");
        EXPECT_EQ(got[i]["outcome"], expected[i]["outcome"]);
        EXPECT_EQ(got[i]["guest"], expected[i]["guest"]);
        EXPECT_EQ(got[i]["timing.read-random"], expected[i]["timing.read-random"]);
        EXPECT_EQ(simulated_figures(got[i]), simulated_figures(expected[i]));
        EXPECT_GT(simulated_figures(got[i]).size(), 20u) << "the stats' figures are missing";
        const std::string run_dir = got[i]["run_dir"];
        EXPECT_EQ(run_dir.rfind(dir + "/slurm/run-", 0), 0u) << run_dir;
        EXPECT_TRUE(copies.insert(run_dir + "/d.img").second);
        EXPECT_NE(read_file(run_dir + "/d.img"), original) << "the guest's stores are not in the run's copy";
    }
    EXPECT_EQ(read_file(image), original) << "the user's image changed";
    // What was submitted: one array job over the four runs, recorded for collect and --resume.
    const json jobs = json::parse(read_file(dir + "/slurm/slurm/jobs.json"));
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0]["runs"], 4);
    EXPECT_TRUE(fs::exists(dir + "/slurm/slurm/batch-1/task-3.json"));
    EXPECT_EQ(squeue_all(), "") << "the job is still in the queue";
}

TEST(slurm, no_wait_returns_once_submitted_and_collect_makes_the_tables) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir(), out = dir + "/out";
    const json spec = {{"base", {"-kernel", guest("hello")}}, {"axes", {{"--quantum", {"1us", "10us", "100us"}}}}};
    const auto submitted = sweep({"run", write_sweep(dir, spec), "--out", out, "--slurm", "--no-wait"});
    ASSERT_EQ(submitted.status, 0) << submitted.err;
    EXPECT_NE(submitted.err.find("submitted Slurm job"), std::string::npos) << submitted.err;
    EXPECT_NE(submitted.err.find("pmemvp-sweep collect " + out), std::string::npos) << submitted.err;
    EXPECT_FALSE(fs::exists(out + "/results.csv")) << "--no-wait wrote tables before the runs ended";

    const auto collected = sweep({"collect", out, "--wait"});
    ASSERT_EQ(collected.status, 0) << collected.err;
    EXPECT_NE(collected.err.find("3 of 3 runs have a result, 0 failed"), std::string::npos) << collected.err;
    const auto table = rows(out);
    ASSERT_EQ(table.size(), 3u);
    const int quantum_ns[] = {1000, 10000, 100000};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(table[i]["status"], "ok") << table[i].dump();
        EXPECT_EQ(table[i]["quantum_ns"], quantum_ns[i]);
        EXPECT_NE(read_file(table[i]["run_dir"].get<std::string>() + "/stdout.txt").find("Hello from"), std::string::npos);
    }
    // Collecting again changes nothing.
    const std::string csv = read_file(out + "/results.csv");
    EXPECT_EQ(sweep({"collect", out}).status, 0);
    EXPECT_EQ(read_file(out + "/results.csv"), csv);
}

TEST(slurm, resume_through_slurm_runs_only_the_failed_run_again) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir(), out = dir + "/out";
    // exit-code's run fails (the guest exits 42); persist-bug's is ok.
    const json spec = {{"base", nvdimm_base(dir + "/{name}.img")},
                       {"axes", {{"guest", {guest("persist-bug"), guest("exit-code")}}, {"name", {"a", "b"}}}},
                       {"combine", "zip"}};
    const std::string file = write_sweep(dir, spec);
    const auto first = sweep({"run", file, "--out", out, "--slurm"});
    EXPECT_EQ(first.status, 1) << first.err;
    EXPECT_NE(first.err.find("1 of 2 runs failed"), std::string::npos) << first.err;
    auto table = rows(out);
    ASSERT_EQ(table.size(), 2u);
    EXPECT_EQ(table[0]["status"], "ok");
    EXPECT_EQ(table[1]["status"], "failed");
    EXPECT_EQ(table[1]["exit_status"], 42);

    const std::string run0 = read_file(out + "/run-0000/result.json");
    write_file(out + "/run-0001/marker", 1, 0); // gone if the run is made again
    const auto resumed = sweep({"run", file, "--out", out, "--slurm", "--resume"});
    EXPECT_EQ(resumed.status, 1) << resumed.err;
    EXPECT_NE(resumed.err.find("1 of 2 runs to do"), std::string::npos) << resumed.err;
    EXPECT_EQ(read_file(out + "/run-0000/result.json"), run0) << "the ok run was run again";
    EXPECT_FALSE(fs::exists(out + "/run-0001/marker")) << "the failed run was not run again";
    // The second job had one task: run 1.
    const json task = json::parse(read_file(out + "/slurm/batch-2/task-0.json"));
    EXPECT_EQ(task["plan"]["index"], 1);
    EXPECT_FALSE(fs::exists(out + "/slurm/batch-2/task-1.json"));
    table = rows(out);
    ASSERT_EQ(table.size(), 2u);
    EXPECT_EQ(table[1]["exit_status"], 42);
}

TEST(slurm, sigint_cancels_the_job_and_keeps_finished_results) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir(), out = dir + "/out";
    // One task at a time: run 0 finishes, run 1 (spin, no power failure) never does on its own,
    // run 2 never starts.
    const json spec = {{"base", {"--quantum", "1us"}}, {"axes", {{"guest", {guest("hello"), guest("spin"), guest("spin")}}}}};
    const pid_t pid = start_process({sweep_binary(), "run", write_sweep(dir, spec), "--out", out, "--slurm",
                                     "--array-limit", "1"},
                                    dir + "/sweep.out", dir + "/sweep.err");
    const bool started = wait_for(out + "/run-0000/result.json") && wait_for(out + "/run-0001/stdout.txt");
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const std::string err = read_file(dir + "/sweep.err");
    ASSERT_TRUE(started) << err;
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130) << err;
    EXPECT_NE(err.find("cancelling Slurm job"), std::string::npos) << err;

    const auto table = rows(out);
    ASSERT_EQ(table.size(), 2u) << read_file(out + "/results.jsonl");
    EXPECT_EQ(table[0]["status"], "ok");
    EXPECT_EQ(table[1]["status"], "failed");
    EXPECT_EQ(table[1]["exit_status"], 143);
    const std::string outcome = table[1]["outcome"];
    EXPECT_TRUE(outcome == "interrupted" || outcome.rfind("killed", 0) == 0) << outcome;
    EXPECT_FALSE(fs::exists(out + "/run-0002")) << "a run started after the job was cancelled";
    EXPECT_EQ(squeue_all(), "") << "the job is still in the queue";
}

TEST(slurm, a_sweep_larger_than_max_array_size_is_a_chain_of_arrays) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir(), out = dir + "/out";
    const unsigned runs = slurm_cluster::max_array_size + 2;
    const json spec = {{"base", {"-kernel", guest("hello")}}, {"repetitions", runs}};
    const auto r = sweep({"run", write_sweep(dir, spec), "--out", out, "--slurm", "--array-limit", "2"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json jobs = json::parse(read_file(out + "/slurm/jobs.json"));
    ASSERT_EQ(jobs.size(), 2u) << jobs.dump();
    EXPECT_EQ(jobs[0]["runs"], slurm_cluster::max_array_size);
    EXPECT_EQ(jobs[1]["runs"], 2);
    // The second array's task 1 is run max_array_size + 1.
    EXPECT_EQ(json::parse(read_file(out + "/slurm/batch-2/task-1.json"))["plan"]["index"], runs - 1);
    const auto table = rows(out);
    ASSERT_EQ(table.size(), runs);
    for (const json& row : table)
        EXPECT_EQ(row["status"], "ok") << row.dump();
}

TEST(slurm, a_submission_that_cannot_be_made_is_refused_with_the_reason) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir();
    const std::string file = write_sweep(dir, {{"base", {"-kernel", guest("hello")}}});
    // sbatch refuses the partition: its own message is shown.
    const auto refused = sweep({"run", file, "--out", dir + "/a", "--slurm", "--partition", "nosuch"});
    EXPECT_EQ(refused.status, 2) << refused.err;
    EXPECT_NE(refused.err.find("sbatch refused the job"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("invalid partition"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(dir + "/a")) << "a refused sweep left its output directory";
    // No sbatch on PATH.
    fs::create_directories(dir + "/empty");
    const auto no_sbatch = run_process({"/usr/bin/env", "PATH=" + dir + "/empty", sweep_binary(), "run", file,
                                        "--out", dir + "/b", "--slurm"});
    EXPECT_EQ(no_sbatch.status, 2) << no_sbatch.err;
    EXPECT_NE(no_sbatch.err.find("sbatch is not on PATH"), std::string::npos) << no_sbatch.err;
    EXPECT_NE(no_sbatch.err.find("--local"), std::string::npos) << no_sbatch.err;
    // Slurm's options without --slurm.
    const auto no_slurm = sweep({"run", file, "--out", dir + "/c", "--no-wait"});
    EXPECT_EQ(no_slurm.status, 2);
    EXPECT_NE(no_slurm.err.find("add --slurm"), std::string::npos) << no_slurm.err;
    const auto both = sweep({"run", file, "--out", dir + "/d", "--slurm", "--local"});
    EXPECT_EQ(both.status, 2);
    EXPECT_NE(both.err.find("give one executor"), std::string::npos) << both.err;
    // A task whose plan is not there (the directory not shared with the node).
    const auto task = sweep({"run-task", dir + "/nothing", "0"});
    EXPECT_EQ(task.status, 2);
    EXPECT_NE(task.err.find("on a file system this node sees"), std::string::npos) << task.err;
}

TEST(slurm, a_crash_campaign_through_slurm_finds_what_it_finds_locally) {
    REQUIRE_SLURM();
    const std::string dir = make_temp_dir();
    const json campaign = {{"base", {"-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl", "-object",
                                     "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/log.img",
                                     "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("crash-log-buggy")}}};
    const std::string file = write_sweep(dir, campaign, "campaign.json");
    const std::vector<std::string> points{"--points", "every=40us", "--policy", "random:1:0.5"};
    auto campaign_args = [&](const std::string& out, bool slurm) {
        std::vector<std::string> a{"crash", file, "--out", dir + "/" + out};
        a.insert(a.end(), points.begin(), points.end());
        if (slurm) a.push_back("--slurm");
        return a;
    };
    const auto local = sweep(campaign_args("local", false));
    const auto slurm = sweep(campaign_args("slurm", true));
    EXPECT_EQ(local.status, 1) << local.err; // the buggy log fails points
    EXPECT_EQ(slurm.status, 1) << slurm.err;
    auto summary = [&](const std::string& out) {
        std::ifstream in(dir + "/" + out + "/summary.json");
        json s = json::parse(in);
        for (json& bug : s["bugs"]) bug.erase("command"); // names its own run directory
        s.erase("campaign");
        return s;
    };
    const json a = summary("local"), b = summary("slurm");
    EXPECT_GT(a["failing_points"].get<int>(), 0) << a.dump(1);
    EXPECT_EQ(a, b) << "local:\n" << a.dump(1) << "\nslurm:\n" << b.dump(1);
    EXPECT_TRUE(fs::exists(dir + "/slurm/points/plan.json"));
}
