// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep: runs pmemvp over a sweep file's axes, each run in its own directory with its own
// copies of the backing files, here or on Slurm, collects --stats into results.csv and
// results.jsonl, and makes tables and plots of them (docs/sweeps.md). This file parses the
// command line and hands each subcommand to its own code.
#include "crash_campaign.h"
#include "report.h"
#include "slurm.h"
#include "sweep_run.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace pmemvp::sweep;

namespace {

const char* const usage =
    "usage: pmemvp-sweep run SWEEP.json [--out DIR] [--resume] [--pmemvp PATH] [--local] [-j N]\n"
    "       pmemvp-sweep run SWEEP.json --slurm [--partition P] [--account A] [--time T] [--array-limit N]\n"
    "                                   [--sbatch-arg ARG]... [--no-wait] [--out DIR] [--resume]\n"
    "       pmemvp-sweep collect DIR [--wait]\n"
    "       pmemvp-sweep report DIR [--x AXIS] [--y FIGURE]... [--format png,svg] [--out-dir DIR]\n"
    "       pmemvp-sweep crash CAMPAIGN.json [--out DIR] [--points all|N|every=T] [--policy lose-all|random:SEED:P]\n"
    "                                        [--check exit|none] [--symbols ELF]... [--resume] [-j N | --slurm ...]\n"
    "run:\n"
    "  --out DIR          where runs and results go (default sweep-out)\n"
    "  --resume           run only the runs of DIR that are missing or failed\n"
    "  --pmemvp PATH      the pmemvp binary (default: next to pmemvp-sweep)\n"
    "  --local            run on this machine (the default)\n"
    "  -j N               runs at a time (default: the number of cores)\n"
    "  --slurm            one sbatch --array job; DIR, pmemvp and the inputs on a file system every node sees\n"
    "  --partition P, --account A, --time T   sbatch's --partition, --account, --time (per run)\n"
    "  --array-limit N    tasks at a time (default: -j if given, else 64)\n"
    "  --sbatch-arg ARG   one more sbatch argument, e.g. --sbatch-arg=--mem=2G (repeatable)\n"
    "  --no-wait          return once submitted; then `collect DIR` or `run --resume`\n"
    "collect: the tables from the results in DIR so far (--wait: after DIR's Slurm jobs end)\n"
    "report:  a summary table and plots of FIGURE against AXIS, one line per value of the others\n"
    "  --x AXIS           the plots' x axis (default: each axis with more than one value)\n"
    "  --y FIGURE         a column of results.csv to summarise and plot (repeatable; default: a few)\n"
    "  --format LIST      png, svg or both (default png,svg)\n"
    "  --out-dir DIR      where the table and plots go (default DIR/report)\n"
    "crash:   a crash campaign: a record run lists the persistence events, then the power fails just\n"
    "         before and after each (and at the end), the guest boots again and checks its data\n"
    "  --points all|N|every=T   every event, N of them evenly spread, or one point every T (default all)\n"
    "  --policy P         what is lost at each failure: lose-all (default) or random:SEED:P\n"
    "  --check exit|none  a point fails if the guest does not exit 0 after the reboot (exit, default),\n"
    "                     or only if lines were lost at the end (none: guests without recovery code)\n"
    "  --symbols ELF      name pcs with this ELF's functions too (e.g. vmlinux)\n"
    "  results: DIR/points.csv, DIR/points.jsonl, DIR/summary.json; exit status 1 if a point fails\n"
    "Results: DIR/results.csv and DIR/results.jsonl, one row per run (docs/sweeps.md).\n";

[[noreturn]] void print_usage() {
    std::cout << usage;
    std::exit(0);
}

unsigned parse_count(const std::string& option, const std::string& s, unsigned max) {
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || n < 1 || n > max)
        throw sweep_error(option + " " + s + ": give a whole number from 1 to " + std::to_string(max) + " (e.g. " +
                          option + " 4)");
    return static_cast<unsigned>(n);
}

// The arguments after the subcommand: options (NAME VALUE or NAME=VALUE) and positionals.
class arguments {
public:
    arguments(int argc, char** argv) : args_(argv + 2, argv + argc) {}

    bool next() { return ++at_ < args_.size(); }
    bool is(const char* option) const { return split().first == option; }
    bool is_option() const { return args_[at_].size() > 1 && args_[at_][0] == '-'; }
    const std::string& current() const { return args_[at_]; }
    // The option's value: after '=', or the next argument.
    std::string value() {
        const auto [n, v] = split();
        if (args_[at_].find('=') != std::string::npos) return v;
        if (at_ + 1 >= args_.size()) throw sweep_error(n + " needs a value (see --help)");
        return args_[++at_];
    }

private:
    std::pair<std::string, std::string> split() const {
        const std::string& a = args_[at_];
        const std::size_t eq = a.rfind("--", 0) == 0 ? a.find('=') : std::string::npos;
        return eq == std::string::npos ? std::make_pair(a, std::string()) : std::make_pair(a.substr(0, eq), a.substr(eq + 1));
    }
    std::vector<std::string> args_;
    std::size_t at_ = static_cast<std::size_t>(-1);
};

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> parts;
    std::istringstream in(s);
    for (std::string p; std::getline(in, p, ',');)
        if (!p.empty()) parts.push_back(p);
    return parts;
}

[[noreturn]] void unknown(const arguments& a, const char* command) {
    if (a.is_option()) throw sweep_error("unknown option " + a.current() + " for `" + command + "` (see --help)");
    throw sweep_error("unexpected argument " + a.current() + " for `" + command + "` (see --help)");
}

// The executor's options, shared by run and crash; false if `a` is not one of them.
struct executor_choice {
    bool local = false, jobs_given = false;
    std::vector<std::string> slurm_only; // options given that need --slurm
};

bool executor_option(arguments& a, executor_options& ex, executor_choice& c) {
    if (a.is("--local")) c.local = true;
    else if (a.is("-j") || a.is("--jobs")) { ex.jobs = parse_count("-j", a.value(), 4096); c.jobs_given = true; }
    else if (a.current().rfind("-j", 0) == 0 && a.current().size() > 2 && a.current()[2] != '-') {
        ex.jobs = parse_count("-j", a.current().substr(2), 4096);
        c.jobs_given = true;
    }
    else if (a.is("--slurm")) ex.slurm = true;
    else if (a.is("--partition")) { ex.partition = a.value(); c.slurm_only.push_back("--partition"); }
    else if (a.is("--account")) { ex.account = a.value(); c.slurm_only.push_back("--account"); }
    else if (a.is("--time")) { ex.time_limit = a.value(); c.slurm_only.push_back("--time"); }
    else if (a.is("--array-limit")) { ex.array_limit = parse_count("--array-limit", a.value(), 100000); c.slurm_only.push_back("--array-limit"); }
    else if (a.is("--sbatch-arg")) { ex.sbatch_args.push_back(a.value()); c.slurm_only.push_back("--sbatch-arg"); }
    else if (a.is("--no-wait")) { ex.no_wait = true; c.slurm_only.push_back("--no-wait"); }
    else return false;
    return true;
}

void check_executor(executor_options& ex, const executor_choice& c) {
    if (c.local && ex.slurm) throw sweep_error("--local and --slurm: give one executor");
    if (!ex.slurm && !c.slurm_only.empty())
        throw sweep_error(c.slurm_only.front() + " is an option of the Slurm executor; add --slurm (or remove it)");
    if (ex.slurm && c.jobs_given && !ex.array_limit) ex.array_limit = ex.jobs; // -j means the same there
}

int run_main(arguments a) {
    run_options o;
    executor_choice choice;
    while (a.next()) {
        if (executor_option(a, o.executor, choice)) continue;
        if (a.is("--out")) o.out = a.value();
        else if (a.is("--resume")) o.resume = true;
        else if (a.is("--pmemvp")) o.pmemvp = a.value();
        else if (a.is("--help") || a.is("-h")) print_usage();
        else if (!a.is_option() && o.sweep_file.empty()) o.sweep_file = a.current();
        else if (!a.is_option()) throw sweep_error("a second sweep file " + a.current() + "; give one");
        else unknown(a, "run");
    }
    if (o.sweep_file.empty()) throw sweep_error("no sweep file; give `run SWEEP.json`");
    check_executor(o.executor, choice);
    return run_sweep(o);
}

int crash_main(arguments a) {
    crash_options c;
    executor_options ex;
    executor_choice choice;
    std::string out = "crash-out", pmemvp;
    while (a.next()) {
        if (executor_option(a, ex, choice)) continue;
        if (a.is("--out")) out = a.value();
        else if (a.is("--resume")) c.resume = true;
        else if (a.is("--pmemvp")) pmemvp = a.value();
        else if (a.is("--points")) c.points = a.value();
        else if (a.is("--policy")) c.policy = a.value();
        else if (a.is("--symbols")) c.symbols.push_back(a.value());
        else if (a.is("--check")) {
            const std::string v = a.value();
            if (v == "exit") c.check = recovery_check::exit;
            else if (v == "none") c.check = recovery_check::none;
            else throw sweep_error("--check " + v + ": give exit (the guest's exit status after the reboot) or none");
        }
        else if (a.is("--help") || a.is("-h")) print_usage();
        else if (!a.is_option() && c.campaign_file.empty()) c.campaign_file = a.current();
        else if (!a.is_option()) throw sweep_error("a second campaign file " + a.current() + "; give one");
        else unknown(a, "crash");
    }
    if (c.campaign_file.empty()) throw sweep_error("no campaign file; give `crash CAMPAIGN.json` (a sweep file without axes)");
    check_executor(ex, choice);
    ex.pmemvp = resolve_pmemvp(pmemvp);
    ex.cwd = std::filesystem::current_path().string();
    ex.out = std::filesystem::absolute(out).lexically_normal().string();
    return run_crash_campaign(c, ex);
}

int collect_main(arguments a) {
    std::string out;
    bool wait = false;
    while (a.next()) {
        if (a.is("--wait")) wait = true;
        else if (a.is("--help") || a.is("-h")) print_usage();
        else if (!a.is_option() && out.empty()) out = a.current();
        else unknown(a, "collect");
    }
    if (out.empty()) throw sweep_error("no directory; give `collect DIR` (the --out of `pmemvp-sweep run`)");
    return collect_sweep(out, wait);
}

int report_main(arguments a) {
    report_options o;
    while (a.next()) {
        if (a.is("--x")) o.x = a.value();
        else if (a.is("--y")) {
            for (const std::string& y : split_list(a.value()))
                o.y.push_back(y);
        } else if (a.is("--format")) {
            o.formats = split_list(a.value());
            for (const std::string& f : o.formats)
                if (f != "png" && f != "svg")
                    throw sweep_error("--format " + f + ": give png, svg or png,svg");
            if (o.formats.empty()) throw sweep_error("--format: give png, svg or png,svg");
        } else if (a.is("--out-dir")) o.out_dir = a.value();
        else if (a.is("--help") || a.is("-h")) print_usage();
        else if (!a.is_option() && o.out.empty()) o.out = a.current();
        else unknown(a, "report");
    }
    if (o.out.empty()) throw sweep_error("no directory; give `report DIR` (the --out of `pmemvp-sweep run`)");
    return report(o);
}

// Slurm's array task: `run-task BATCH_DIR [INDEX]`, INDEX from $SLURM_ARRAY_TASK_ID by default.
int run_task_main(arguments a) {
    std::vector<std::string> positional;
    while (a.next())
        positional.push_back(a.current());
    const char* env = std::getenv("SLURM_ARRAY_TASK_ID");
    if (positional.size() == 1 && env) positional.push_back(env);
    if (positional.size() != 2) throw sweep_error("run-task BATCH_DIR INDEX (pmemvp-sweep's Slurm tasks run this)");
    const std::string& index = positional[1];
    char* end = nullptr;
    const unsigned long i = std::strtoul(index.c_str(), &end, 10);
    if (index.empty() || *end || i > 4000000000ul) throw sweep_error("run-task: INDEX " + index + " is not a task index");
    return run_task(positional[0], static_cast<unsigned>(i));
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc < 2) throw sweep_error("no command; give `run SWEEP.json` (see --help)");
        const std::string command = argv[1];
        if (command == "--help" || command == "-h") print_usage();
        const std::vector<std::pair<std::string, std::function<int(arguments)>>> commands = {
            {"run", run_main}, {"collect", collect_main}, {"report", report_main}, {"crash", crash_main},
            {"run-task", run_task_main}};
        for (const auto& [name, handler] : commands)
            if (command == name) return handler(arguments(argc, argv));
        throw sweep_error("unknown command \"" + command + "\"; the commands are run, collect, report and crash (see --help)");
    } catch (const sweep_error& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 1;
    }
}
