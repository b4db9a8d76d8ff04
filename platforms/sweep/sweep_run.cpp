// SPDX-License-Identifier: Apache-2.0
#include "sweep_run.h"

#include "process.h"
#include "progress.h"
#include "results.h"
#include "signals.h"
#include "slurm.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace pmemvp::sweep {

namespace fs = std::filesystem;

namespace {

// What the runs need that the sweep file names: the guests and the users' images.
void check_inputs(const sweep_spec& spec, const std::vector<run_plan>& runs, const std::string& cwd) {
    for (const axis& a : spec.axes)
        if (a.kind == axis_kind::guest)
            for (const std::string& g : a.values)
                if (!fs::is_regular_file(fs::path(cwd) / g))
                    throw sweep_error("axis \"guest\": " + g + " is not a file; give the guests' paths (relative to " + cwd + ")");
    for (const image& im : runs.front().images)
        if (fs::exists(im.original) && !fs::is_regular_file(im.original))
            throw sweep_error("mem-path " + im.original + " is not a regular file; pmemvp-sweep copies each backing file per run");
}

// OUT must be new, empty, or (with --resume) this sweep's, with none of its Slurm jobs still
// running (they would write the runs this one is about to do again).
void check_out_dir(const std::string& out, const json& plan, const run_options& o) {
    const std::string plan_path = out + "/plan.json";
    if (fs::exists(plan_path)) {
        if (!o.resume)
            throw sweep_error(out + " holds a sweep already: add --resume to complete it, or give another --out");
        const json old = json::parse(read_text(plan_path), nullptr, false);
        if (old.is_discarded() || !old.contains("runs") || old["runs"] != plan["runs"])
            throw sweep_error(out + " holds a different sweep (its runs' commands differ from " + o.sweep_file +
                              "'s); give another --out");
        const std::vector<std::string> jobs = active_jobs(out);
        if (!jobs.empty())
            throw sweep_error(out + ": its Slurm job " + jobs.front() + " is still queued or running; wait for it "
                              "(`pmemvp-sweep collect " + out + " --wait`) or cancel it (scancel " + jobs.front() +
                              "), then --resume");
    } else if (fs::exists(out) && !fs::is_empty(out)) {
        throw sweep_error(out + " exists and is not a sweep's directory; give an empty or new --out");
    }
}

void remove_contents(const std::string& out, bool itself) {
    std::error_code ec;
    if (itself) {
        fs::remove_all(out, ec);
        return;
    }
    for (const auto& entry : fs::directory_iterator(out, ec))
        fs::remove_all(entry.path(), ec);
}

std::size_t count_failed(const std::vector<run_plan>& runs) {
    std::size_t failed = 0;
    for (const run_plan& r : runs)
        failed += !run_ok(r);
    return failed;
}

} // namespace

std::string resolve_pmemvp(const std::string& given) {
    const std::string pmemvp = given.empty() ? self_dir() + "/pmemvp" : fs::absolute(given).string();
    if (::access(pmemvp.c_str(), X_OK) != 0)
        throw sweep_error("cannot run pmemvp at " + pmemvp + ": " + std::strerror(errno) + "; give it with --pmemvp PATH");
    return pmemvp;
}

int run_sweep(const run_options& o) {
    const std::string cwd = fs::current_path().string();
    const sweep_spec spec = load_sweep(o.sweep_file);
    const std::string out = fs::absolute(o.out).lexically_normal().string();
    sweep_plan plan;
    plan.sweep_file = fs::absolute(o.sweep_file).string();
    plan.pmemvp = resolve_pmemvp(o.pmemvp);
    plan.cwd = cwd;
    plan.runs = expand(spec, out, cwd);
    check_inputs(spec, plan.runs, cwd);

    const json plan_json = sweep_plan_to_json(plan);
    check_out_dir(out, plan_json, o);
    const bool fresh = !fs::exists(out + "/plan.json"), made = !fs::exists(out);
    fs::create_directories(out);
    write_atomically(out + "/plan.json", plan_json.dump(1) + "\n");

    std::vector<const run_plan*> todo;
    for (const run_plan& r : plan.runs)
        if (!o.resume || !run_ok(r)) todo.push_back(&r);
    if (o.resume) std::cerr << "pmemvp-sweep: " << todo.size() << " of " << plan.runs.size() << " runs to do\n";

    executor_options ex = o.executor;
    ex.pmemvp = plan.pmemvp;
    ex.cwd = cwd;
    ex.out = out;
    ex.collect_hint = "`pmemvp-sweep collect " + out + "` writes the tables (or `run --resume` runs what failed)";
    int stopped = 0;
    try {
        stopped = execute(todo, ex);
    } catch (const sweep_error&) {
        // Nothing ran (Slurm refused the job): a new directory goes again, so that the same
        // command with the mistake fixed is not told to --resume.
        if (fresh) remove_contents(out, made);
        throw;
    }
    if (ex.slurm && ex.no_wait && !stopped) return 0;

    write_results(plan.runs, out);
    if (stopped) {
        std::cerr << "pmemvp-sweep: stopped; finished results are in " << out << "/results.csv; "
                  << "`--resume` runs the rest\n";
        return 128 + stopped;
    }
    if (const std::size_t failed = count_failed(plan.runs)) {
        std::cerr << "pmemvp-sweep: " << failed << " of " << plan.runs.size() << " runs failed (" << out
                  << "/results.csv); `--resume` runs them again\n";
        return 1;
    }
    return 0;
}

namespace {

// Until OUT's Slurm jobs have left the queue; the line counts the results there. Ctrl-C stops
// waiting (the jobs go on).
int wait_for_jobs(const std::string& out, const std::vector<run_plan>& runs) {
    blocked_signals signals;
    progress_line progress(runs.size());
    for (;;) {
        std::size_t done = 0, failed = 0;
        for (const run_plan& r : runs) {
            const json row = read_result(r);
            done += !row.is_discarded();
            failed += !row.is_discarded() && row.value("status", "") != "ok";
        }
        const std::vector<std::string> jobs = active_jobs(out);
        if (jobs.empty()) {
            progress.finish(done, failed, 0);
            return 0;
        }
        progress.update(done, failed, 0);
        for (int i = 0; i < 5; ++i) {
            const int s = signals.wait(1);
            if (s == SIGINT || s == SIGTERM) {
                progress.note("stopped waiting; the job goes on");
                return s;
            }
        }
    }
}

} // namespace

int collect_sweep(const std::string& out_dir, bool wait) {
    const std::string out = fs::absolute(out_dir).lexically_normal().string();
    const sweep_plan plan = read_sweep_plan(out + "/plan.json");
    if (wait)
        if (const int s = wait_for_jobs(out, plan.runs)) return 128 + s;
    write_results(plan.runs, out);
    std::size_t missing = 0, failed = 0;
    for (const run_plan& r : plan.runs) {
        const json row = read_result(r);
        missing += row.is_discarded();
        failed += !row.is_discarded() && row.value("status", "") != "ok";
    }
    std::cerr << "pmemvp-sweep: " << plan.runs.size() - missing << " of " << plan.runs.size() << " runs have a result, "
              << failed << " failed (" << out << "/results.csv)\n";
    if (missing) {
        const std::vector<std::string> jobs = active_jobs(out);
        std::cerr << "pmemvp-sweep: " << missing << " runs have no result yet"
                  << (jobs.empty() ? std::string("; `run --resume` runs them")
                                   : "; Slurm job " + jobs.front() + " is still queued or running: collect again once it "
                                     "has ended (or `collect --wait`)")
                  << "\n";
    }
    return missing || failed ? 1 : 0;
}

} // namespace pmemvp::sweep
