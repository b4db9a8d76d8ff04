// SPDX-License-Identifier: Apache-2.0
#include "crash_campaign.h"

#include "results.h"

#include "pmemvp/util/keyval.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>

namespace pmemvp::sweep {

using json = nlohmann::ordered_json;

namespace {

json read_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return json();
    return json::parse(in, nullptr, false);
}

} // namespace

recorded_run read_persist_events(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sweep_error("the record run wrote no events file " + path + "; see its stderr.txt");
    recorded_run run;
    bool ended = false;
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        const json j = json::parse(line, nullptr, false);
        const auto bad = [&] {
            return sweep_error(path + " line " + std::to_string(number) + " is not a persistence event of pmemvp's "
                               "--persist-events; was it written by another pmemvp version?");
        };
        if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string() || !j.contains("time_ps") ||
            !j["time_ps"].is_number_unsigned())
            throw bad();
        if (j["kind"] == "end") {
            run.end_ps = j["time_ps"].get<std::uint64_t>();
            run.outcome = j.value("outcome", "");
            ended = true;
            continue;
        }
        persist_event e;
        e.n = run.events.size();
        e.kind = j["kind"].get<std::string>();
        e.time_ps = j["time_ps"].get<std::uint64_t>();
        e.pc = j.value("pc", "");
        e.symbol = j.value("pc_symbol", "");
        run.events.push_back(std::move(e));
    }
    if (!ended)
        throw sweep_error(path + " has no end line: the record run did not finish; see its stderr.txt");
    return run;
}

point_choice parse_points(const std::string& text) {
    point_choice c;
    if (text == "all") return c;
    if (text.rfind("every=", 0) == 0) {
        const auto s = util::parse_seconds(text.substr(6));
        if (!s || *s <= 0)
            throw sweep_error("--points " + text + ": not a time; write e.g. every=10us");
        c.what = point_choice::kind::every;
        c.every_ps = static_cast<std::uint64_t>(std::llround(*s * 1e12));
        if (c.every_ps == 0) throw sweep_error("--points " + text + ": below 1 ps; give a longer period");
        return c;
    }
    const auto n = util::parse_number(text);
    if (!n || *n == 0 || *n > 1000000)
        throw sweep_error("--points " + text + ": give all, a number of points from 1 (e.g. 100), or every=TIME");
    c.what = point_choice::kind::count;
    c.count = *n;
    return c;
}

std::vector<crash_point> choose_points(const recorded_run& run, const point_choice& choice) {
    std::vector<crash_point> all;
    if (choice.what == point_choice::kind::every) {
        for (std::uint64_t t = choice.every_ps; t < run.end_ps; t += choice.every_ps)
            all.push_back({"at", std::nullopt, t});
    } else {
        // Just before the instruction (or device action) that made the event, and just after.
        for (std::size_t i = 0; i < run.events.size(); ++i) {
            const std::uint64_t t = run.events[i].time_ps;
            if (t > 1) all.push_back({"before", i, t - 1});
            all.push_back({"after", i, t + 1});
        }
        if (choice.what == point_choice::kind::count && choice.count < all.size()) {
            // Evenly spread, always including the first and last.
            std::vector<crash_point> some;
            for (std::uint64_t k = 0; k < choice.count; ++k) {
                const std::size_t at = choice.count == 1 ? 0
                                                         : static_cast<std::size_t>(k * (all.size() - 1) / (choice.count - 1));
                some.push_back(all[at]);
            }
            all = std::move(some);
        }
    }
    // The end: what the program left behind when it finished (or stopped).
    if (run.end_ps > 1 && (all.empty() || all.back().fail_ps < run.end_ps - 1))
        all.push_back({"end", std::nullopt, run.end_ps - 1});
    return all;
}

point_outcome judge_point(const std::string& run_dir, const crash_point& p, recovery_check check) {
    point_outcome o;
    const json result = read_json(run_dir + "/result.json");
    const json report = read_json(run_dir + "/power-fail.json");
    if (!result.is_object() || !report.is_object() || !report.contains("lost")) {
        o.outcome = result.is_object() ? result.value("outcome", "no result") : "no result";
        o.failing = true; // a point that could not be judged is shown, never passed
        return o;
    }
    o.ran = true;
    o.outcome = result.value("outcome", "");
    if (result.contains("exit_status") && result["exit_status"].is_number_integer())
        o.exit_status = result["exit_status"].get<int>();
    std::set<std::pair<std::string, std::string>> pcs;
    for (const json& line : report["lost"]) {
        ++o.lines_lost;
        pcs.emplace(line.value("store_pc", ""), line.value("store_pc_symbol", ""));
    }
    o.lines_kept = report.value("kept_by_chance", json::array()).size();
    for (const auto& [pc, symbol] : pcs) {
        o.lost_pcs.push_back(pc);
        o.lost_symbols.push_back(symbol);
    }
    if (check == recovery_check::exit) o.recovered = o.outcome == "finished" && o.exit_status == 0;
    o.failing = (o.recovered && !*o.recovered) || (p.where == "end" && o.lines_lost > 0);
    return o;
}

namespace {

namespace fs = std::filesystem;

bool has_option(const std::vector<std::string>& args, const std::string& name) {
    return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
        return a == name || a.rfind(name + "=", 0) == 0;
    });
}

// One phase of the campaign (the record run, or the points) in its own directory with its own
// plan.json, as a sweep's: any executor can run it, and --resume completes it.
int run_phase(const std::vector<run_plan>& runs, const std::string& dir, const crash_options& c, executor_options ex) {
    sweep_plan plan;
    plan.sweep_file = fs::absolute(c.campaign_file).string();
    plan.pmemvp = ex.pmemvp;
    plan.cwd = ex.cwd;
    plan.runs = runs;
    const json plan_json = sweep_plan_to_json(plan);
    const std::string plan_path = dir + "/plan.json";
    if (fs::exists(plan_path)) {
        const json old = json::parse(read_text(plan_path), nullptr, false);
        if (old.is_discarded() || !old.contains("runs") || old["runs"] != plan_json["runs"])
            throw sweep_error(dir + " holds other runs than this campaign's (a different guest, base or "
                              "--points?); give another --out");
    }
    fs::create_directories(dir);
    write_atomically(plan_path, plan_json.dump(1) + "\n");
    std::vector<const run_plan*> todo;
    for (const run_plan& r : runs)
        if (!c.resume || !run_ok(r)) todo.push_back(&r);
    ex.out = dir;
    return execute(todo, ex);
}

// pmemvp's --power-fail-policy, checked before anything runs (pmemvp checks it again).
bool pmem_policy_valid(const std::string& text) {
    static const std::regex random(R"(random:[0-9]+:(0|1|0?\.[0-9]+|1\.0*))");
    return text == "lose-all" || std::regex_match(text, random);
}

std::string ps_text(std::uint64_t ps) { return std::to_string(ps) + "ps"; }

// A run's command without what only the campaign reads: what a user types to see the bug.
std::string reproducing_command(const run_plan& r, const std::string& pmemvp, const std::string& cwd) {
    run_plan shown = r;
    shown.args.clear();
    for (std::size_t i = 0; i < r.args.size(); ++i) {
        if ((r.args[i] == "--stats" || r.args[i] == "--power-fail-report") && i + 1 < r.args.size()) {
            ++i;
            continue;
        }
        shown.args.push_back(r.args[i]);
    }
    shown.args.push_back("--persist-check");
    return command_line(shown, pmemvp, cwd);
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

} // namespace

int run_crash_campaign(const crash_options& c, const executor_options& ex) {
    sweep_spec spec = load_sweep(c.campaign_file);
    if (!spec.axes.empty() || spec.repetitions != 1)
        throw sweep_error(c.campaign_file + ": a crash campaign runs one configuration; remove \"axes\" and "
                          "\"repetitions\" (run one campaign per guest or setting)");
    for (const char* own : {"--power-fail-at", "--on-power-fail", "--power-fail-policy", "--persist-events",
                            "--power-fail-report", "--symbols"})
        if (has_option(spec.base, own))
            throw sweep_error(c.campaign_file + ": \"base\" has " + std::string(own) + "; remove it: the campaign "
                              "sets it (policy: --policy, symbols: --symbols)");
    const point_choice choice = parse_points(c.points);
    if (!pmem_policy_valid(c.policy))
        throw sweep_error("--policy " + c.policy + ": accepted: lose-all, or random:SEED:P (e.g. random:1:0.5)");
    std::vector<std::string> symbol_args;
    for (const std::string& file : c.symbols) {
        if (!fs::is_regular_file(file)) throw sweep_error("--symbols " + file + ": not a file; give an ELF file");
        symbol_args.push_back("--symbols");
        symbol_args.push_back(fs::absolute(file).string());
    }

    if (ex.no_wait)
        throw sweep_error("--no-wait: a crash campaign plans its points from its record run, so it waits; "
                          "if it is stopped, --resume completes it");
    const std::string out = ex.out;
    if (fs::exists(out) && !fs::is_empty(out) && !c.resume)
        throw sweep_error(out + " exists and is not empty: add --resume to complete that campaign, or give another --out");
    fs::create_directories(out);

    // 1. The record run: every persistence event with its time.
    sweep_spec record = spec;
    record.base.insert(record.base.end(), symbol_args.begin(), symbol_args.end());
    record.base.push_back("--persist-events");
    record.base.push_back("{run_dir}/events.jsonl");
    const std::vector<run_plan> record_runs = expand(record, out + "/record", ex.cwd);
    std::cerr << "pmemvp-sweep crash: recording the persistence events\n";
    if (const int sig = run_phase(record_runs, out + "/record", c, ex)) return 128 + sig;
    write_results(record_runs, out + "/record");
    const run_plan& recorded_plan = record_runs.front();
    const recorded_run recorded = read_persist_events(recorded_plan.dir + "/events.jsonl");
    const std::vector<crash_point> points = choose_points(recorded, choice);
    std::cerr << "pmemvp-sweep crash: " << recorded.events.size() << " persistence events in "
              << recorded.end_ps / 1e6 << " us (" << recorded.outcome << "); " << points.size() << " points\n";

    // 2. One run per point: the power fails there, the guest boots again and checks its data.
    sweep_spec at = spec;
    at.base.insert(at.base.end(), symbol_args.begin(), symbol_args.end());
    for (const char* a : {"--on-power-fail", c.check == recovery_check::exit ? "reboot" : "stop",
                          "--power-fail-policy", c.policy.c_str(), "--power-fail-report", "{run_dir}/power-fail.json"})
        at.base.push_back(a);
    if (!has_option(at.base, "--max-time")) {
        // Room for the reboot to redo all the work, and never a hang.
        at.base.push_back("--max-time");
        at.base.push_back(ps_text(3 * recorded.end_ps + 10'000'000'000ull));
    }
    axis fail_at{"power-fail-at", axis_kind::power_fail_at, {}};
    for (const crash_point& p : points) fail_at.values.push_back(ps_text(p.fail_ps));
    at.axes.push_back(std::move(fail_at));
    // random:SEED:P: point i draws with SEED + i, so that the points keep different lines
    // (with one seed, the first lines drawn would fare the same at every point).
    if (c.policy.rfind("random:", 0) == 0) {
        const std::uint64_t seed = std::stoull(c.policy.substr(7, c.policy.find(':', 7) - 7));
        axis seeds{"seed", axis_kind::seed, {}};
        for (std::size_t i = 0; i < points.size(); ++i) seeds.values.push_back(std::to_string(seed + i));
        at.axes.push_back(std::move(seeds));
        at.zip = true;
    }
    const std::vector<run_plan> runs = expand(at, out + "/points", ex.cwd);
    const int stopped = run_phase(runs, out + "/points", c, ex);
    write_results(runs, out + "/points");

    // 3. Each point judged; failing points grouped by the stores whose lines were lost.
    struct group {
        std::vector<std::string> pcs, symbols;
        std::vector<std::size_t> points;
    };
    std::map<std::vector<std::string>, group> groups;
    std::string csv = "point,where,event,event_kind,event_pc,event_symbol,fail_time_ps,outcome,exit_status,"
                      "recovered,lines_lost,lines_kept_by_chance,lost_store_pcs,lost_store_symbols,failing,command\n";
    std::string jsonl;
    std::size_t failing = 0, judged = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const crash_point& p = points[i];
        const point_outcome o = judge_point(runs[i].dir, p, c.check);
        if (!fs::exists(runs[i].dir + "/result.json")) continue; // not run (stopped)
        ++judged;
        json row;
        row["point"] = i;
        row["where"] = p.where;
        const persist_event* e = p.event ? &recorded.events[*p.event] : nullptr;
        row["event"] = e ? json(e->n) : json();
        row["event_kind"] = e ? json(e->kind) : json();
        row["event_pc"] = e && !e->pc.empty() ? json(e->pc) : json();
        row["event_symbol"] = e && !e->symbol.empty() ? json(e->symbol) : json();
        row["fail_time_ps"] = p.fail_ps;
        row["outcome"] = o.outcome;
        row["exit_status"] = o.exit_status;
        row["recovered"] = o.recovered ? json(*o.recovered) : json();
        row["lines_lost"] = o.lines_lost;
        row["lines_kept_by_chance"] = o.lines_kept;
        row["lost_store_pcs"] = joined(o.lost_pcs, ";");
        row["lost_store_symbols"] = joined(o.lost_symbols, ";");
        row["failing"] = o.failing;
        row["command"] = reproducing_command(runs[i], ex.pmemvp, ex.cwd);
        bool first_field = true;
        for (const auto& [key, value] : row.items()) {
            csv += (first_field ? "" : ",") + csv_field(value);
            first_field = false;
        }
        csv += "\n";
        jsonl += row.dump() + "\n";
        if (!o.failing) continue;
        ++failing;
        group& g = groups[o.lost_pcs];
        g.pcs = o.lost_pcs;
        g.symbols = o.lost_symbols;
        g.points.push_back(i);
    }
    write_atomically(out + "/points.csv", csv);
    write_atomically(out + "/points.jsonl", jsonl);

    // The summary: one entry per distinct set of lost stores, the earliest point (the shortest
    // run) reproducing it.
    json summary;
    summary["campaign"] = fs::absolute(c.campaign_file).string();
    summary["events"] = recorded.events.size();
    summary["points"] = points.size();
    summary["points_run"] = judged;
    summary["failing_points"] = failing;
    summary["policy"] = c.policy;
    summary["check"] = c.check == recovery_check::exit ? "exit" : "none";
    summary["bugs"] = json::array();
    std::vector<const group*> ordered;
    for (const auto& [key, g] : groups) ordered.push_back(&g);
    std::sort(ordered.begin(), ordered.end(), [&](const group* a, const group* b) {
        return points[a->points.front()].fail_ps < points[b->points.front()].fail_ps;
    });
    std::cout << "crash campaign: " << recorded.events.size() << " persistence events, " << judged << " of "
              << points.size() << " points run, " << failing << " failing, " << ordered.size()
              << " distinct bug(s) by lost stores\n";
    for (std::size_t k = 0; k < ordered.size(); ++k) {
        const group& g = *ordered[k];
        const std::size_t first = g.points.front();
        const point_outcome o = judge_point(runs[first].dir, points[first], c.check);
        json bug;
        bug["lost_store_pcs"] = g.pcs;
        bug["lost_store_symbols"] = g.symbols;
        bug["points"] = g.points.size();
        bug["first_point"] = first;
        bug["first_where"] = points[first].where;
        bug["fail_time_ps"] = points[first].fail_ps;
        bug["outcome"] = o.outcome;
        bug["command"] = reproducing_command(runs[first], ex.pmemvp, ex.cwd);
        std::cout << "bug " << k + 1 << ": " << g.points.size() << " point(s), lost stores at ";
        if (g.pcs.empty()) std::cout << "(none: the recovery failed without a lost line)";
        for (std::size_t j = 0; j < g.pcs.size(); ++j)
            std::cout << (j ? ", " : "") << g.pcs[j] << (g.symbols[j].empty() ? "" : " (" + g.symbols[j] + ")");
        std::cout << "\n  first: point " << first << " (" << points[first].where << "), power fails at "
                  << ps_text(points[first].fail_ps) << ", then " << o.outcome
                  << (o.exit_status > 0 ? " with exit status " + std::to_string(o.exit_status) : std::string())
                  << (o.recovered && !*o.recovered ? " (not recovered)"
                      : " (the program had finished with " + std::to_string(o.lines_lost) + " line(s) not durable)")
                  << "\n  reproduce: "
                  << bug["command"].get<std::string>() << "\n";
        summary["bugs"].push_back(std::move(bug));
    }
    write_atomically(out + "/summary.json", summary.dump(1) + "\n");
    if (stopped) {
        std::cerr << "pmemvp-sweep crash: stopped; `--resume` runs the remaining points\n";
        return 128 + stopped;
    }
    return failing ? 1 : 0;
}

} // namespace pmemvp::sweep
