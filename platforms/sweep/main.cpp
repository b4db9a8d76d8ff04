// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep: runs pmemvp over a sweep file's axes, each run in its own directory with its own
// copies of the backing files, and collects --stats into results.csv and results.jsonl
// (docs/sweeps.md). This file parses the command line and hands each subcommand to its own code.
#include "sweep_run.h"

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

using namespace pmemvp::sweep;

namespace {

const char* const usage =
    "usage: pmemvp-sweep run SWEEP.json [--out DIR] [--local] [-j N] [--resume] [--pmemvp PATH]\n"
    "  --out DIR      where runs and results go (default sweep-out)\n"
    "  --local        run on this machine (the only executor so far)\n"
    "  -j N           runs at a time (default: the number of cores)\n"
    "  --resume       run only the runs of DIR that are missing or failed\n"
    "  --pmemvp PATH  the pmemvp binary (default: next to pmemvp-sweep)\n"
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

[[noreturn]] void unknown(const arguments& a, const char* command) {
    if (a.is_option()) throw sweep_error("unknown option " + a.current() + " for `" + command + "` (see --help)");
    throw sweep_error("unexpected argument " + a.current() + " for `" + command + "` (see --help)");
}

int run_main(arguments a) {
    run_options o;
    executor_options& ex = o.executor;
    while (a.next()) {
        if (a.is("--out")) o.out = a.value();
        else if (a.is("--local")) ;
        else if (a.is("-j") || a.is("--jobs")) ex.jobs = parse_count("-j", a.value(), 4096);
        else if (a.current().rfind("-j", 0) == 0 && a.current().size() > 2 && a.current()[2] != '-')
            ex.jobs = parse_count("-j", a.current().substr(2), 4096);
        else if (a.is("--resume")) o.resume = true;
        else if (a.is("--pmemvp")) o.pmemvp = a.value();
        else if (a.is("--slurm")) throw sweep_error("--slurm is not implemented yet; use --local");
        else if (a.is("--help") || a.is("-h")) print_usage();
        else if (!a.is_option() && o.sweep_file.empty()) o.sweep_file = a.current();
        else if (!a.is_option()) throw sweep_error("a second sweep file " + a.current() + "; give one");
        else unknown(a, "run");
    }
    if (o.sweep_file.empty()) throw sweep_error("no sweep file; give `run SWEEP.json`");
    return run_sweep(o);
}

} // namespace
int main(int argc, char** argv) {
    try {
        if (argc < 2) throw sweep_error("no command; give `run SWEEP.json` (see --help)");
        const std::string command = argv[1];
        if (command == "--help" || command == "-h") print_usage();
        const std::vector<std::pair<std::string, std::function<int(arguments)>>> commands = {{"run", run_main}};
        for (const auto& [name, handler] : commands)
            if (command == name) return handler(arguments(argc, argv));
        throw sweep_error("unknown command \"" + command + "\"; the command is `run` (report, crash: not yet)");
    } catch (const sweep_error& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pmemvp-sweep: " << e.what() << "\n";
        return 1;
    }
}
