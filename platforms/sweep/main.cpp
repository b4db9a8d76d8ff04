// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep: runs pmemvp over a sweep file's axes, each run in its own directory with its own
// copies of the backing files, and collects --stats into results.csv and results.jsonl
// (docs/sweep.md).
#include "image_copy.h"
#include "sweep_file.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using namespace pmemvp::sweep;

namespace {

const char* const usage =
    "usage: pmemvp-sweep run SWEEP.json [--out DIR] [--local] [-j N] [--resume] [--pmemvp PATH]\n"
    "  --out DIR      where runs and results go (default sweep-out)\n"
    "  --local        run on this machine (the only executor so far)\n"
    "  -j N           runs at a time (default: the number of cores)\n"
    "  --resume       run only the runs of DIR that are missing or failed\n"
    "  --pmemvp PATH  the pmemvp binary (default: next to pmemvp-sweep)\n"
    "Results: DIR/results.csv and DIR/results.jsonl, one row per run (docs/sweep.md).\n";

struct options {
    std::string sweep_file;
    std::string out = "sweep-out";
    unsigned jobs = 0;
    bool resume = false;
    std::string pmemvp;
};

unsigned parse_jobs(const std::string& s) {
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || n < 1 || n > 4096)
        throw sweep_error("-j " + s + ": give the number of runs at a time, from 1 (e.g. -j 4)");
    return static_cast<unsigned>(n);
}

options parse_args(int argc, char** argv) {
    options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) throw sweep_error("no command; give `run SWEEP.json`");
    if (args[0] == "--help" || args[0] == "-h") {
        std::cout << usage;
        std::exit(0);
    }
    if (args[0] != "run")
        throw sweep_error("unknown command \"" + args[0] + "\"; the command is `run` (report, crash: not yet)");
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw sweep_error(a + " needs a value");
            return args[++i];
        };
        if (a == "--out")
            o.out = value();
        else if (a.rfind("--out=", 0) == 0)
            o.out = a.substr(6);
        else if (a == "--local")
            ;
        else if (a == "-j" || a == "--jobs")
            o.jobs = parse_jobs(value());
        else if (a.rfind("-j", 0) == 0 && a.size() > 2 && a[2] != '-')
            o.jobs = parse_jobs(a.substr(2));
        else if (a == "--resume")
            o.resume = true;
        else if (a == "--pmemvp")
            o.pmemvp = value();
        else if (a == "--slurm")
            throw sweep_error("--slurm is not implemented yet; use --local");
        else if (a == "--help" || a == "-h") {
            std::cout << usage;
            std::exit(0);
        } else if (!a.empty() && a[0] == '-')
            throw sweep_error("unknown option " + a + " (see --help)");
        else if (o.sweep_file.empty())
            o.sweep_file = a;
        else
            throw sweep_error("a second sweep file " + a + "; give one");
    }
    if (o.sweep_file.empty()) throw sweep_error("no sweep file; give `run SWEEP.json`");
    if (o.jobs == 0) o.jobs = std::max(1u, std::thread::hardware_concurrency());
    return o;
}

std::string self_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(".") : exe.parent_path().string();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
    }
    fs::rename(tmp, path);
}

// The line that reproduces a run from a fresh copy of the user's files.
std::string command_line(const run_plan& r, const std::string& pmemvp, const std::string& cwd) {
    std::string s = "cd " + shell_quote(cwd);
    for (const image& im : r.images)
        s += fs::exists(im.original)
                 ? " && cp --reflink=auto --sparse=always " + shell_quote(im.original) + " " + shell_quote(im.copy)
                 : " && rm -f " + shell_quote(im.copy);
    s += " && " + shell_quote(pmemvp);
    for (const std::string& a : r.args)
        s += " " + shell_quote(a);
    return s;
}

// Every number of the stats object, under dotted names.
void flatten(const json& j, const std::string& name, json& row) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items())
            flatten(v, name.empty() ? k : name + "." + k, row);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            flatten(j[i], name + "." + std::to_string(i), row);
    } else if (j.is_number() && !row.contains(name)) {
        row[name] = j;
    }
}

std::string csv_field(const json& v) {
    if (v.is_null()) return "";
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// results.csv and results.jsonl from the runs' result.json files, in run order.
void write_results(const std::vector<run_plan>& runs, const std::string& out) {
    std::vector<json> rows;
    for (const run_plan& r : runs) {
        const std::string text = read_text(r.dir + "/result.json");
        if (text.empty()) continue;
        json row = json::parse(text, nullptr, false);
        if (!row.is_discarded()) rows.push_back(std::move(row));
    }
    std::vector<std::string> columns;
    std::set<std::string> seen{"run_dir", "command"};
    for (const json& row : rows)
        for (const auto& [k, v] : row.items())
            if (seen.insert(k).second) columns.push_back(k);
    columns.push_back("run_dir");
    columns.push_back("command");
    std::string csv, jsonl;
    for (std::size_t i = 0; i < columns.size(); ++i)
        csv += (i ? "," : "") + csv_field(columns[i]);
    csv += "\n";
    for (const json& row : rows) {
        for (std::size_t i = 0; i < columns.size(); ++i)
            csv += (i ? "," : "") + (row.contains(columns[i]) ? csv_field(row[columns[i]]) : std::string());
        csv += "\n";
        jsonl += row.dump() + "\n";
    }
    write_atomically(out + "/results.csv", csv);
    write_atomically(out + "/results.jsonl", jsonl);
}

void on_signal(int) {} // signals are taken with sigtimedwait; this only keeps them from being ignored

struct running_run {
    const run_plan* run;
    std::chrono::steady_clock::time_point start;
};

class executor {
public:
    executor(std::string pmemvp, std::string cwd, unsigned jobs)
        : pmemvp_(std::move(pmemvp)), cwd_(std::move(cwd)), jobs_(jobs) {}

    // Returns 0 if stopped by nothing, else the signal that stopped it.
    int run(const std::vector<const run_plan*>& todo);
    unsigned failures() const { return failed_; }

private:
    void start(const run_plan& r);
    void finish(const run_plan& r, int wait_status, double wall, const std::string& error);
    void progress(bool final);

    std::string pmemvp_, cwd_;
    unsigned jobs_;
    std::map<pid_t, running_run> running_;
    std::size_t total_ = 0, done_ = 0;
    unsigned failed_ = 0;
    std::chrono::steady_clock::time_point began_;
    bool tty_ = ::isatty(2) != 0;
};

void executor::start(const run_plan& r) {
    const auto t0 = std::chrono::steady_clock::now();
    std::error_code ec;
    fs::remove_all(r.dir, ec); // a failed or partial earlier attempt
    if (!fs::create_directories(r.dir, ec) && ec)
        throw std::runtime_error("cannot create " + r.dir + ": " + ec.message());
    try {
        for (const image& im : r.images)
            if (fs::exists(im.original)) copy_image(im.original, im.copy);
    } catch (const std::exception& e) {
        finish(r, -1, 0, std::string("image copy failed: ") + e.what());
        return;
    }
    std::vector<std::string> argv{pmemvp_};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    std::vector<char*> cargv;
    for (std::string& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    const std::string out = r.dir + "/stdout.txt", err = r.dir + "/stderr.txt";
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    // Its own process group: a terminal's Ctrl-C reaches the sweep, which stops the runs.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, pmemvp_.c_str(), &fa, &attr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        finish(r, -1, 0, "cannot start " + pmemvp_ + ": " + std::strerror(rc));
        return;
    }
    running_[pid] = {&r, t0};
}

void executor::finish(const run_plan& r, int wait_status, double wall, const std::string& error) {
    json row;
    row["run"] = r.index;
    row["repetition"] = r.repetition;
    for (const auto& [name, value] : r.values)
        row[name] = value;
    json stats = json::parse(read_text(r.dir + "/stats.json"), nullptr, false);
    if (!stats.is_object()) stats = json();
    std::string outcome;
    json exit_status; // null when pmemvp never ran
    if (!error.empty()) {
        outcome = "error: " + error;
    } else if (WIFEXITED(wait_status)) {
        exit_status = WEXITSTATUS(wait_status);
        outcome = stats.contains("outcome") && stats["outcome"].is_string() ? stats["outcome"].get<std::string>()
                                                                             : std::string("no-stats");
    } else if (WIFSIGNALED(wait_status)) {
        exit_status = 128 + WTERMSIG(wait_status);
        outcome = std::string("killed: ") + strsignal(WTERMSIG(wait_status));
    }
    const bool ok = exit_status == 0 && stats.is_object();
    row["status"] = ok ? "ok" : "failed";
    row["exit_status"] = exit_status;
    row["outcome"] = outcome;
    row["run_wall_time_s"] = wall;
    if (stats.is_object()) {
        stats.erase("exit_status");
        flatten(stats, "", row);
    }
    row["run_dir"] = r.dir;
    row["command"] = command_line(r, pmemvp_, cwd_);
    write_atomically(r.dir + "/result.json", row.dump() + "\n");
    ++done_;
    if (!ok) ++failed_;
    if (!ok && !tty_)
        std::cerr << "pmemvp-sweep: run " << r.index << " failed: " << outcome << " (exit status "
                  << (exit_status.is_null() ? std::string("none") : exit_status.dump()) << ", " << r.dir << ")\n";
}

void executor::progress(bool final) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
    char line[200];
    auto hms = [](double s) {
        char b[32];
        const long t = static_cast<long>(s + 0.5);
        std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
        return std::string(b);
    };
    const std::string eta = done_ == 0 ? std::string("?") : hms(elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_));
    std::snprintf(line, sizeof line, "pmemvp-sweep: %zu/%zu done, %u failed, %zu running, %s elapsed, ETA %s", done_,
                  total_, failed_, running_.size(), hms(elapsed).c_str(), eta.c_str());
    if (tty_)
        std::cerr << "\r\033[K" << line << (final ? "\n" : "") << std::flush;
    else
        std::cerr << line << "\n";
}

int executor::run(const std::vector<const run_plan*>& todo) {
    began_ = std::chrono::steady_clock::now();
    total_ = todo.size();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGINT, SIGTERM, SIGCHLD})
        sigaction(s, &sa, nullptr);
    sigprocmask(SIG_BLOCK, &set, nullptr);

    int stop_signal = 0;
    std::size_t next = 0;
    std::size_t last_done = static_cast<std::size_t>(-1);
    auto last_draw = std::chrono::steady_clock::now();
    for (;;) {
        while (!stop_signal && running_.size() < jobs_ && next < todo.size())
            start(*todo[next++]);
        const auto now = std::chrono::steady_clock::now();
        if (done_ != last_done || (tty_ && now - last_draw >= std::chrono::seconds(1))) {
            progress(false);
            last_done = done_;
            last_draw = now;
        }
        if (running_.empty() && (stop_signal || next == todo.size())) break;
        {
            // With nothing running (every start failed at once), only look for a signal.
            timespec timeout{running_.empty() ? 0 : 1, 0};
            siginfo_t info;
            const int s = sigtimedwait(&set, &info, &timeout);
            if (s == SIGINT || s == SIGTERM) {
                if (!stop_signal) {
                    stop_signal = s;
                    std::cerr << (tty_ ? "\n" : "") << "pmemvp-sweep: " << strsignal(s)
                              << ": no new runs; stopping the " << running_.size()
                              << " running (again to kill them)\n";
                    for (const auto& [pid, rr] : running_)
                        ::kill(pid, SIGTERM);
                } else {
                    for (const auto& [pid, rr] : running_)
                        ::kill(pid, SIGKILL);
                }
            }
        }
        for (;;) {
            int st = 0;
            const pid_t pid = ::waitpid(-1, &st, WNOHANG);
            if (pid <= 0) break;
            const auto it = running_.find(pid);
            if (it == running_.end()) continue;
            const running_run rr = it->second;
            running_.erase(it);
            finish(*rr.run, st,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - rr.start).count(), "");
        }
    }
    if (tty_) progress(true);
    return stop_signal;
}

int sweep_main(const options& o) {
    const std::string cwd = fs::current_path().string();
    const sweep_spec spec = load_sweep(o.sweep_file);
    const std::string out = fs::absolute(o.out).lexically_normal().string();
    const std::vector<run_plan> runs = expand(spec, out, cwd);

    const std::string pmemvp = o.pmemvp.empty() ? self_dir() + "/pmemvp" : fs::absolute(o.pmemvp).string();
    if (::access(pmemvp.c_str(), X_OK) != 0)
        throw sweep_error("cannot run pmemvp at " + pmemvp + ": " + std::strerror(errno) + "; give it with --pmemvp PATH");
    for (const axis& a : spec.axes)
        if (a.kind == axis_kind::guest)
            for (const std::string& g : a.values)
                if (!fs::is_regular_file(fs::path(cwd) / g))
                    throw sweep_error("axis \"guest\": " + g + " is not a file; give the guests' paths (relative to " + cwd + ")");
    for (const image& im : runs.front().images)
        if (fs::exists(im.original) && !fs::is_regular_file(im.original))
            throw sweep_error("mem-path " + im.original + " is not a regular file; pmemvp-sweep copies each backing file per run");

    // The plan: which command each run is, to check that --resume continues the same sweep.
    json plan;
    plan["sweep_file"] = fs::absolute(o.sweep_file).string();
    plan["runs"] = json::array();
    for (const run_plan& r : runs)
        plan["runs"].push_back(command_line(r, pmemvp, cwd));
    const std::string plan_path = out + "/plan.json";
    if (fs::exists(plan_path)) {
        if (!o.resume)
            throw sweep_error(out + " holds a sweep already: add --resume to complete it, or give another --out");
        const json old = json::parse(read_text(plan_path), nullptr, false);
        if (old.is_discarded() || old["runs"] != plan["runs"])
            throw sweep_error(out + " holds a different sweep (its runs' commands differ from " + o.sweep_file +
                              "'s); give another --out");
    } else if (fs::exists(out) && !fs::is_empty(out)) {
        throw sweep_error(out + " exists and is not a sweep's directory; give an empty or new --out");
    }
    fs::create_directories(out);
    write_atomically(plan_path, plan.dump(1) + "\n");

    std::vector<const run_plan*> todo;
    for (const run_plan& r : runs) {
        const json row = json::parse(read_text(r.dir + "/result.json"), nullptr, false);
        if (!o.resume || row.is_discarded() || row.value("status", "") != "ok") todo.push_back(&r);
    }
    if (o.resume)
        std::cerr << "pmemvp-sweep: " << todo.size() << " of " << runs.size() << " runs to do\n";

    executor ex(pmemvp, cwd, o.jobs);
    const int stopped = ex.run(todo);
    write_results(runs, out);
    std::size_t failed = 0;
    for (const run_plan& r : runs) {
        const json row = json::parse(read_text(r.dir + "/result.json"), nullptr, false);
        failed += row.is_discarded() || row.value("status", "") != "ok";
    }
    if (stopped) {
        std::cerr << "pmemvp-sweep: stopped; finished results are in " << out << "/results.csv; "
                  << "`--resume` runs the rest\n";
        return 128 + stopped;
    }
    if (failed) {
        std::cerr << "pmemvp-sweep: " << failed << " of " << runs.size() << " runs failed (" << out
                  << "/results.csv); `--resume` runs them again\n";
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return sweep_main(parse_args(argc, argv));
    } catch (const sweep_error& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 1;
    }
}
