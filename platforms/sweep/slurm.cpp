// SPDX-License-Identifier: Apache-2.0
#include "slurm.h"

#include "process.h"
#include "progress.h"
#include "results.h"
#include "signals.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace pmemvp::sweep {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? sep : "") + v[i];
    return s;
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> w;
    for (std::string x; in >> x;)
        w.push_back(x);
    return w;
}

std::string need(const std::string& name) {
    const std::string path = find_program(name);
    if (path.empty())
        throw sweep_error("--slurm: " + name + " is not on PATH; run pmemvp-sweep where Slurm's client commands "
                          "are installed (Debian: slurm-client) and can reach your cluster, or use --local");
    return path;
}

// OUT/slurm/jobs.json: the jobs this directory submitted.
std::string jobs_file(const std::string& out) { return out + "/slurm/jobs.json"; }

json read_jobs(const std::string& out) {
    const json j = json::parse(read_text(jobs_file(out)), nullptr, false);
    return j.is_array() ? j : json::array();
}

// One array job's share of the runs: OUT/slurm/batch-K/task-I.json is task I's run plan, and
// job.sh the script every task runs.
struct batch {
    std::string dir;
    std::vector<const run_plan*> runs;
    std::string job;
};

std::string new_batch_dir(const std::string& slurm_dir) {
    for (unsigned k = 1;; ++k) {
        const std::string dir = slurm_dir + "/batch-" + std::to_string(k);
        std::error_code ec;
        if (fs::create_directory(dir, ec)) return dir;
        if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
    }
}

void write_batch(const batch& b, const executor_options& o) {
    for (std::size_t i = 0; i < b.runs.size(); ++i) {
        json task;
        task["pmemvp"] = o.pmemvp;
        task["cwd"] = o.cwd;
        task["plan"] = run_plan_to_json(*b.runs[i]);
        write_atomically(b.dir + "/task-" + std::to_string(i) + ".json", task.dump() + "\n");
    }
    // The executable that submitted is the one that runs the tasks: the same version reads
    // the same task files.
    const std::string self = self_dir() + "/pmemvp-sweep";
    write_atomically(b.dir + "/job.sh", "#!/bin/sh\n# pmemvp-sweep's Slurm array job: task I runs " + b.dir +
                                            "/task-I.json\nexec " + shell_quote(self) + " run-task " +
                                            shell_quote(b.dir) + " \"$SLURM_ARRAY_TASK_ID\"\n");
    fs::permissions(b.dir + "/job.sh", fs::perms::owner_exec, fs::perm_options::add);
}

std::vector<std::string> sbatch_args(const batch& b, const executor_options& o, const std::string& after) {
    const unsigned limit = o.array_limit ? o.array_limit : 64;
    std::vector<std::string> a{"--parsable",
                               "--array=0-" + std::to_string(b.runs.size() - 1) + "%" + std::to_string(limit),
                               "--job-name=pmemvp-sweep",
                               "--output=" + b.dir + "/%A_%a.out",
                               "--error=" + b.dir + "/%A_%a.err",
                               "--chdir=" + o.cwd,
                               "--ntasks=1"};
    if (!o.partition.empty()) a.push_back("--partition=" + o.partition);
    if (!o.account.empty()) a.push_back("--account=" + o.account);
    if (!o.time_limit.empty()) a.push_back("--time=" + o.time_limit);
    // A chain: each array starts when the one before has ended, so the limit holds overall.
    if (!after.empty()) a.push_back("--dependency=afterany:" + after);
    for (const std::string& w : words(o.sbatch_extra))
        a.push_back(w);
    a.insert(a.end(), o.sbatch_args.begin(), o.sbatch_args.end());
    return a;
}

void record_job(const std::string& out, const batch& b) {
    json jobs = read_jobs(out);
    jobs.push_back({{"job", b.job}, {"batch", b.dir}, {"runs", b.runs.size()}});
    write_atomically(jobs_file(out), jobs.dump(1) + "\n");
}

// Waits for the jobs while counting the results that appear; Ctrl-C cancels them.
class slurm_waiter {
public:
    slurm_waiter(const slurm_client& client, const executor_options& o, std::vector<batch> batches, std::size_t total)
        : client_(client), o_(o), batches_(std::move(batches)), progress_(total, o.quiet) {
        for (const batch& b : batches_) {
            jobs_.push_back(b.job);
            for (const run_plan* r : b.runs)
                pending_.push_back(r);
        }
    }

    int wait();

private:
    void collect_new_results();
    void on_stop_signal(int s);
    void record_lost_tasks();

    const slurm_client& client_;
    const executor_options& o_;
    std::vector<batch> batches_;
    std::vector<std::string> jobs_;
    std::vector<const run_plan*> pending_; // no result.json yet
    progress_line progress_;
    std::size_t done_ = 0, failed_ = 0, running_ = 0;
    int stop_signal_ = 0;
    bool given_up_ = false; // a second signal: stop waiting for the cancelled jobs
};

void slurm_waiter::collect_new_results() {
    auto ended = std::stable_partition(pending_.begin(), pending_.end(),
                                       [](const run_plan* r) { return !fs::exists(r->dir + "/result.json"); });
    for (auto it = ended; it != pending_.end(); ++it) {
        ++done_;
        const json row = read_result(**it);
        if (row.is_discarded() || row.value("status", "") == "ok") continue;
        ++failed_;
        if (!progress_.tty())
            progress_.note("run " + std::to_string((*it)->index) + " failed: " + row.value("outcome", "") + " (" +
                           (*it)->dir + ")");
    }
    pending_.erase(ended, pending_.end());
}

void slurm_waiter::on_stop_signal(int s) {
    if (!stop_signal_) {
        stop_signal_ = s;
        progress_.note(std::string(strsignal(s)) + ": cancelling Slurm job " + join(jobs_, ", ") +
                       " (scancel); waiting for its running tasks to record their results (again to stop waiting)");
        client_.cancel(jobs_);
    } else {
        given_up_ = true;
    }
}

// A task that ended without result.json (killed at its time limit, a node that failed, OUT
// not visible on the node): its row says so.
void slurm_waiter::record_lost_tasks() {
    for (const batch& b : batches_)
        for (std::size_t i = 0; i < b.runs.size(); ++i) {
            const run_plan& r = *b.runs[i];
            if (std::find(pending_.begin(), pending_.end(), &r) == pending_.end()) continue;
            std::error_code ec;
            fs::create_directories(r.dir, ec);
            const std::string task = b.job + "_" + std::to_string(i);
            record_result(r,
                          {0, 0,
                           "Slurm task " + task + " ended without a result (its log: " + b.dir + "/" + task +
                               ".err; is the sweep's directory on a file system every node sees?)"},
                          o_.pmemvp, o_.cwd);
            ++done_;
            ++failed_;
        }
    pending_.clear();
}

int slurm_waiter::wait() {
    blocked_signals signals;
    const auto began = clock_type::now();
    auto last_query = began - std::chrono::hours(1);
    std::string problem_shown;
    std::optional<clock_type::time_point> gone_at, all_in_at;
    for (;;) {
        collect_new_results();
        progress_.update(done_, failed_, running_);
        const auto now = clock_type::now();
        if (given_up_ || gone_at) {
            // A shared file system may show a result written on another node some seconds late.
            if (given_up_ || pending_.empty() || stop_signal_ || now - *gone_at >= std::chrono::seconds(30)) break;
        } else if (pending_.empty()) {
            // Every result is in: the job is leaving the queue; the caller may rely on it having
            // left, unless squeue cannot tell for a minute.
            if (!all_in_at) all_in_at = now;
            if (now - *all_in_at >= std::chrono::seconds(60)) break;
        }
        // Ask the controller every 2 s for the first half minute, then every 10 s (enough for a
        // progress line, gentle on a busy slurmctld); each second once the end is near.
        const auto interval = all_in_at || stop_signal_                ? std::chrono::seconds(1)
                              : now - began < std::chrono::seconds(30) ? std::chrono::seconds(2)
                                                                       : std::chrono::seconds(10);
        if (!gone_at && now - last_query >= interval) {
            last_query = now;
            std::string problem;
            const auto st = client_.query(jobs_, running_, problem);
            if (st == slurm_client::state::gone) {
                gone_at = now;
                running_ = 0;
                continue; // collect once more, then decide
            }
            if (st == slurm_client::state::unknown && problem != problem_shown) {
                progress_.note("squeue failed (" + problem + "); still waiting");
                problem_shown = problem;
            }
        }
        const int s = signals.wait(1);
        if (s == SIGINT || s == SIGTERM) on_stop_signal(s);
    }
    if (!stop_signal_ && !pending_.empty()) record_lost_tasks();
    progress_.finish(done_, failed_, pending_.empty() ? 0 : running_);
    return stop_signal_;
}

} // namespace

slurm_client::slurm_client() : sbatch_(need("sbatch")), squeue_(need("squeue")), scancel_(need("scancel")) {}

namespace {

[[noreturn]] void refused(const std::vector<std::string>& args, const std::string& script, const command_result& r) {
    throw sweep_error("--slurm: sbatch refused the job (exit status " + std::to_string(r.status) + "):\n" +
                      trimmed(r.err + r.out) + "\nthe command: sbatch " + join(args, " ") + " " + script +
                      "\ncheck --partition, --account, --time and --sbatch-arg against your cluster (sinfo, "
                      "sacctmgr show assoc user=$USER)");
}

} // namespace

void slurm_client::check(const std::vector<std::string>& args, const std::string& script) const {
    std::vector<std::string> argv{sbatch_};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(script);
    const command_result r = run_command(argv);
    if (r.status != 0) refused(args, script, r);
}

std::string slurm_client::submit(const std::vector<std::string>& args, const std::string& script) const {
    std::vector<std::string> argv{sbatch_};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(script);
    const command_result r = run_command(argv);
    const std::string id = trimmed(r.out.substr(0, r.out.find(';'))); // --parsable: ID[;CLUSTER]
    if (r.status != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) refused(args, script, r);
    if (!trimmed(r.err).empty()) std::cerr << "pmemvp-sweep: sbatch: " << trimmed(r.err) << "\n";
    return id;
}

slurm_client::state slurm_client::query(const std::vector<std::string>& jobs, std::size_t& running,
                                        std::string& problem) const {
    const command_result r = run_command({squeue_, "--noheader", "--array", "--jobs=" + join(jobs, ","),
                                          "--format=%T"});
    if (r.status != 0) {
        // Jobs that left the controller's memory (MinJobAge after they ended) are invalid ids.
        if (r.err.find("Invalid job id") != std::string::npos) return state::gone;
        problem = trimmed(first_line(r.err.empty() ? r.out : r.err));
        return state::unknown;
    }
    running = 0;
    std::size_t queued = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        line = trimmed(line);
        if (line.empty()) continue;
        ++queued;
        running += line == "RUNNING" || line == "COMPLETING";
    }
    return queued ? state::active : state::gone;
}

void slurm_client::cancel(const std::vector<std::string>& jobs) const {
    std::vector<std::string> argv{scancel_};
    argv.insert(argv.end(), jobs.begin(), jobs.end());
    const command_result r = run_command(argv);
    if (r.status != 0)
        std::cerr << "pmemvp-sweep: scancel " << join(jobs, " ") << " failed: " << trimmed(r.err)
                  << "; cancel the job yourself\n";
}

unsigned slurm_client::max_array_size() const {
    const command_result r = run_command({"scontrol", "show", "config"});
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("MaxArraySize", 0) != 0) continue;
        const unsigned long n = std::strtoul(line.substr(line.find('=') + 1).c_str(), nullptr, 10);
        if (n > 1) return static_cast<unsigned>(n);
    }
    return 1001;
}

int execute_slurm(const std::vector<const run_plan*>& todo, const executor_options& o) {
    if (todo.empty()) return 0;
    const slurm_client client;
    const std::string slurm_dir = o.out + "/slurm";
    fs::create_directories(slurm_dir);
    // Task indexes must stay below MaxArraySize: larger sweeps become a chain of arrays.
    const std::size_t per_job = client.max_array_size();
    std::vector<batch> batches;
    for (std::size_t at = 0; at < todo.size(); at += per_job) {
        batch b;
        b.dir = new_batch_dir(slurm_dir);
        b.runs.assign(todo.begin() + static_cast<std::ptrdiff_t>(at),
                      todo.begin() + static_cast<std::ptrdiff_t>(std::min(todo.size(), at + per_job)));
        write_batch(b, o);
        batches.push_back(std::move(b));
    }
    // sbatch --test-only: a partition, account or time limit the cluster refuses is found
    // before an earlier attempt's results are cleared.
    std::vector<std::string> test = sbatch_args(batches.front(), o, "");
    test.insert(test.begin(), "--test-only");
    client.check(test, batches.front().dir + "/job.sh");
    // An earlier attempt's result must not count as this one's.
    for (const run_plan* r : todo) {
        std::error_code ec;
        fs::remove_all(r->dir, ec);
    }
    std::vector<std::string> ids;
    for (batch& b : batches) {
        b.job = client.submit(sbatch_args(b, o, ids.empty() ? "" : ids.back()), b.dir + "/job.sh");
        record_job(o.out, b);
        ids.push_back(b.job);
    }
    std::cerr << "pmemvp-sweep: submitted Slurm job " << join(ids, ", ") << ": " << todo.size()
              << " runs, at most " << (o.array_limit ? o.array_limit : 64) << " at a time\n";
    if (o.no_wait) {
        std::cerr << "pmemvp-sweep: each run writes its result to " << o.out << "/run-*/result.json; "
                  << "follow the job with `squeue -j " << join(ids, ",") << "`"
                  << (o.collect_hint.empty() ? std::string() : "; once it has ended: " + o.collect_hint) << "\n";
        return 0;
    }
    return slurm_waiter(client, o, std::move(batches), todo.size()).wait();
}

std::vector<std::string> active_jobs(const std::string& out) {
    const json jobs = read_jobs(out);
    if (jobs.empty()) return {};
    std::vector<std::string> active;
    try {
        const slurm_client client;
        for (const json& j : jobs) {
            const std::string id = j.value("job", "");
            std::size_t running = 0;
            std::string problem;
            if (!id.empty() && client.query({id}, running, problem) == slurm_client::state::active)
                active.push_back(id);
        }
    } catch (const sweep_error&) {
        // No Slurm commands on this machine: nothing to ask.
    }
    return active;
}

int run_task(const std::string& batch_dir, unsigned index) {
    const std::string path = batch_dir + "/task-" + std::to_string(index) + ".json";
    const json task = json::parse(read_text(path), nullptr, false);
    if (!task.is_object())
        throw sweep_error("cannot read the task " + path + " (is the sweep's directory on a file system this node "
                          "sees, at the same path?)");
    return execute_one(run_plan_from_json(task.at("plan")), task.value("pmemvp", ""), task.value("cwd", ""));
}

} // namespace pmemvp::sweep
