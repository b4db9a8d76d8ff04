// SPDX-License-Identifier: Apache-2.0
// pmemvp-sweep crash: a crash campaign (docs/sweeps.md). A first run records every persistence
// event; then each chosen point fails the power just before or just after one event (or at the
// end), the guest boots again and its recovery code checks its data. The points that fail are
// grouped by the set of store PCs whose lines were lost: one group per distinct bug.
#pragma once
#include "executor.h"
#include "sweep_file.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pmemvp::sweep {

// One line of pmemvp's --persist-events.
struct persist_event {
    std::uint64_t n = 0;
    std::string kind; // clean | fence | drain | flush
    std::uint64_t time_ps = 0;
    std::string pc, symbol; // empty for a device's own event
};

// The record run's events and how it ended (the "end" line).
struct recorded_run {
    std::vector<persist_event> events;
    std::uint64_t end_ps = 0;
    std::string outcome;
};
// Throws sweep_error for a file that is not pmemvp's --persist-events output.
recorded_run read_persist_events(const std::string& path);

// Which points: every event (before and after), N of them evenly spread, or one every T of
// simulated time. The end of the run is always a point.
struct point_choice {
    enum class kind { all, count, every } what = kind::all;
    std::uint64_t count = 0;
    std::uint64_t every_ps = 0;
};
// "all", "N" or "every=TIME"; throws sweep_error naming the text.
point_choice parse_points(const std::string& text);

struct crash_point {
    std::string where; // before | after | end | at
    std::optional<std::size_t> event; // index into recorded_run::events
    std::uint64_t fail_ps = 0;
};
std::vector<crash_point> choose_points(const recorded_run& run, const point_choice& choice);

// What a point run's outputs say.
struct point_outcome {
    bool ran = false;        // pmemvp ran and wrote its stats and report
    std::string outcome;     // the run's (after the reboot)
    int exit_status = -1;
    std::optional<bool> recovered; // check exit: the guest finished with status 0 after the reboot
    std::vector<std::string> lost_pcs;     // sorted, unique: first stores of the lines lost
    std::vector<std::string> lost_symbols; // the same order; "" where unknown
    std::size_t lines_lost = 0, lines_kept = 0;
    bool failing = false;
};

enum class recovery_check { exit, none };

// Reads RUN/result.json and RUN/power-fail.json; a point fails if the guest did not recover
// (check exit), or if it is the end point and the end left lines that were lost.
point_outcome judge_point(const std::string& run_dir, const crash_point& p, recovery_check check);

struct crash_options {
    std::string campaign_file; // a sweep file without axes (docs/sweeps.md)
    std::string points = "all";
    std::string policy = "lose-all";
    recovery_check check = recovery_check::exit;
    std::vector<std::string> symbols; // passed to pmemvp's --symbols
    bool resume = false;
};

// The whole campaign: the record run, the point runs on the executor, then OUT/points.csv,
// OUT/points.jsonl and OUT/summary.json, and the summary on stdout. Returns 0 if no point
// failed, 1 if some did, 128 + signal if stopped. Throws sweep_error for bad input.
int run_crash_campaign(const crash_options& c, const executor_options& ex);

} // namespace pmemvp::sweep
