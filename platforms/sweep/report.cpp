// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include "plot.h"
#include "results.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

namespace pmemvp::sweep {

namespace fs = std::filesystem;

namespace {

// Columns of results that are neither axes nor figures worth a summary.
const std::set<std::string> bookkeeping = {"run", "repetition", "status", "exit_status", "outcome", "run_dir", "command"};
// Figures that measure the host, not the simulation: never chosen by default.
const std::set<std::string> host_figures = {"run_wall_time_s", "wall_time_s", "mips"};

// An axis value as a number, for sorting and spacing: "250ns" -> 2.5e-7, "4K" -> 4096.
struct quantity {
    bool ok = false;
    double value = 0;
    std::string unit;
};

const std::map<std::string, double>& units() {
    static const std::map<std::string, double> u = {
        {"", 1},          {"ps", 1e-12},    {"ns", 1e-9},       {"us", 1e-6},           {"ms", 1e-3},
        {"s", 1},         {"B", 1},         {"K", 1024.0},      {"KB", 1024.0},         {"KiB", 1024.0},
        {"M", 1048576.0}, {"MB", 1048576.0}, {"MiB", 1048576.0}, {"G", 1073741824.0}, {"GB", 1073741824.0},
        {"GiB", 1073741824.0}};
    return u;
}

quantity parse_quantity(const std::string& s) {
    quantity q;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || !std::isfinite(v)) return q;
    q.unit = end;
    const auto u = units().find(q.unit);
    q.value = u == units().end() ? v : v * u->second;
    q.ok = true;
    return q;
}

// The results: rows, axes (the columns between repetition and status) and figures (numbers).
struct results {
    std::vector<json> rows;
    std::vector<std::string> axes;
    std::map<std::string, std::vector<std::string>> values; // per axis, sorted
    std::map<std::string, bool> numeric;                    // per axis: values are quantities
    std::vector<std::string> figures;                       // in column order
};

// Sorted by value when every value is a quantity in units we know ("250ns", "1us") or all in
// the same unit ("4x", "8x"); else in the order of the sweep.
void order_values(results& res, const std::string& axis) {
    std::vector<std::string>& v = res.values[axis];
    bool all_quantities = true, all_known = true;
    std::set<std::string> seen_units;
    for (const std::string& s : v) {
        const quantity q = parse_quantity(s);
        all_quantities = all_quantities && q.ok;
        all_known = all_known && units().count(q.unit);
        seen_units.insert(q.unit);
    }
    const bool numeric = all_quantities && (all_known || seen_units.size() == 1);
    res.numeric[axis] = numeric;
    if (numeric)
        std::stable_sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
            return parse_quantity(a).value < parse_quantity(b).value;
        });
}

results read_results(const std::string& out) {
    const std::string path = out + "/results.jsonl";
    std::ifstream in(path);
    if (!in)
        throw sweep_error("no " + path + "; run the sweep first (`pmemvp-sweep run SWEEP.json --out " + out +
                          "`, or `pmemvp-sweep collect " + out + "` after a --no-wait)");
    results res;
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (line.empty()) continue;
        json row = json::parse(line, nullptr, false);
        if (!row.is_object())
            throw sweep_error(path + ": line " + std::to_string(n) + " is not a JSON object; write the tables again "
                              "with `pmemvp-sweep collect " + out + "`");
        res.rows.push_back(std::move(row));
    }
    if (res.rows.empty()) throw sweep_error(path + " has no runs; nothing to report");
    // Every row has run, repetition, its axes, then status (record_result's order).
    bool in_axes = false;
    for (const auto& [k, v] : res.rows.front().items()) {
        if (k == "status") break;
        if (in_axes) res.axes.push_back(k);
        if (k == "repetition") in_axes = true;
    }
    std::set<std::string> figure_seen;
    for (const json& row : res.rows) {
        for (const std::string& a : res.axes) {
            const std::string v = row.value(a, "");
            auto& vs = res.values[a];
            if (std::find(vs.begin(), vs.end(), v) == vs.end()) vs.push_back(v);
        }
        for (const auto& [k, v] : row.items())
            if (v.is_number() && !bookkeeping.count(k) && figure_seen.insert(k).second) res.figures.push_back(k);
    }
    for (const std::string& a : res.axes)
        order_values(res, a);
    return res;
}

std::string listed(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + v[i];
    return s.empty() ? std::string("(none)") : s;
}

// The figures asked for, checked; by default those that differ between runs (not the host's).
std::vector<std::string> chosen_figures(const results& res, const std::vector<std::string>& asked) {
    for (const std::string& y : asked)
        if (std::find(res.figures.begin(), res.figures.end(), y) == res.figures.end())
            throw sweep_error("--y " + y + ": no such figure in the results; the figures are: " + listed(res.figures));
    if (!asked.empty()) return asked;
    std::vector<std::string> varying;
    for (const std::string& f : res.figures) {
        if (host_figures.count(f)) continue;
        std::set<std::string> seen;
        for (const json& row : res.rows)
            if (row.contains(f)) seen.insert(row[f].dump());
        if (seen.size() > 1) varying.push_back(f);
        if (varying.size() == 6) break;
    }
    if (varying.empty())
        for (const char* f : {"simulated_time_ns", "instructions"})
            if (std::find(res.figures.begin(), res.figures.end(), f) != res.figures.end()) varying.push_back(f);
    return varying;
}

struct stats {
    std::size_t n = 0;
    double sum = 0, min = 0, max = 0;
    void add(double v) {
        min = n ? std::min(min, v) : v;
        max = n ? std::max(max, v) : v;
        sum += v;
        ++n;
    }
    double mean() const { return n ? sum / static_cast<double>(n) : 0; }
};

bool ok(const json& row) { return row.value("status", "") == "ok"; }

// Integers as integers, the rest with 6 significant digits.
std::string format(double v) {
    char b[40];
    if (std::fabs(v) < 1e15 && v == std::floor(v))
        std::snprintf(b, sizeof b, "%.0f", v);
    else
        std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

std::string display(const std::string& axis, const std::string& value) {
    // Guests are paths: their file name says enough.
    return axis == "guest" ? fs::path(value).filename().string() : value;
}

// The summary: one line per combination of the axes' values, in the sweep's order.
void write_summary(const results& res, const std::vector<std::string>& ys, const std::string& dir) {
    std::vector<std::string> header = res.axes;
    header.insert(header.end(), {"runs", "failed"});
    for (const std::string& y : ys)
        header.insert(header.end(), {y + ".mean", y + ".min", y + ".max"});
    std::vector<std::vector<std::string>> lines;
    std::map<std::vector<std::string>, std::size_t> line_of;
    std::vector<std::pair<std::size_t, std::size_t>> counts;
    std::vector<std::vector<stats>> figures;
    for (const json& row : res.rows) {
        std::vector<std::string> key;
        for (const std::string& a : res.axes)
            key.push_back(row.value(a, ""));
        auto [it, added] = line_of.emplace(key, lines.size());
        if (added) {
            lines.push_back(key);
            counts.emplace_back(0, 0);
            figures.emplace_back(ys.size());
        }
        ++counts[it->second].first;
        counts[it->second].second += !ok(row);
        if (!ok(row)) continue;
        for (std::size_t i = 0; i < ys.size(); ++i)
            if (row.contains(ys[i]) && row[ys[i]].is_number()) figures[it->second][i].add(row[ys[i]].get<double>());
    }
    std::string csv, md = "|";
    for (std::size_t i = 0; i < header.size(); ++i) {
        csv += (i ? "," : "") + csv_field(header[i]);
        md += " " + header[i] + " |";
    }
    csv += "\n";
    md += "\n|";
    for (std::size_t i = 0; i < header.size(); ++i)
        md += i < res.axes.size() ? " --- |" : " ---: |";
    md += "\n";
    for (std::size_t l = 0; l < lines.size(); ++l) {
        std::vector<std::string> cells;
        for (const std::string& v : lines[l])
            cells.push_back(v);
        cells.push_back(std::to_string(counts[l].first));
        cells.push_back(std::to_string(counts[l].second));
        for (const stats& s : figures[l]) {
            const bool any = s.n > 0;
            cells.insert(cells.end(), {any ? format(s.mean()) : "", any ? format(s.min) : "", any ? format(s.max) : ""});
        }
        md += "|";
        for (std::size_t i = 0; i < cells.size(); ++i) {
            csv += (i ? "," : "") + csv_field(cells[i]);
            md += " " + (i < res.axes.size() ? display(res.axes[i], cells[i]) : cells[i]) + " |";
        }
        csv += "\n";
        md += "\n";
    }
    write_atomically(dir + "/summary.csv", csv);
    write_atomically(dir + "/summary.md", md);
    std::cout << md;
}

std::string file_name_part(const std::string& s) {
    std::string f;
    for (char c : s)
        f += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
    const std::size_t start = f.find_first_not_of("-_");
    return start == std::string::npos ? std::string("axis") : f.substr(start);
}

// FIGURE against AXIS: a series per combination of the other axes that have several values.
line_plot make_plot(const results& res, const std::string& x, const std::string& y) {
    line_plot p;
    p.title = y + " against " + x;
    p.x_label = x;
    p.y_label = y;
    const std::vector<std::string>& xs = res.values.at(x);
    const bool numeric = res.numeric.at(x);
    auto position = [&](const std::string& v) {
        return numeric ? parse_quantity(v).value
                       : static_cast<double>(std::find(xs.begin(), xs.end(), v) - xs.begin());
    };
    for (const std::string& v : xs)
        p.x_tics.emplace_back(display(x, v), position(v));
    if (numeric && xs.size() > 2) {
        const double lo = parse_quantity(xs.front()).value, hi = parse_quantity(xs.back()).value;
        p.log_x = lo > 0 && hi / lo >= 100; // orders of magnitude
    }
    std::vector<std::string> others;
    for (const std::string& a : res.axes)
        if (a != x && res.values.at(a).size() > 1) others.push_back(a);
    // Series in the sweep's order of the other axes' values; points in x order.
    std::map<std::string, std::size_t> series_of;
    std::vector<std::map<std::string, stats>> points;
    for (const json& row : res.rows) {
        std::string title;
        for (const std::string& a : others)
            title += (title.empty() ? "" : ", ") + a + "=" + display(a, row.value(a, ""));
        if (title.empty()) title = y;
        auto [it, added] = series_of.emplace(title, p.series.size());
        if (added) {
            p.series.push_back({title, {}});
            points.emplace_back();
        }
        if (ok(row) && row.contains(y) && row[y].is_number())
            points[it->second][row.value(x, "")].add(row[y].get<double>());
    }
    for (std::size_t s = 0; s < p.series.size(); ++s)
        for (const std::string& v : xs) {
            const auto pt = points[s].find(v);
            if (pt == points[s].end()) continue;
            p.series[s].points.push_back({position(v), pt->second.mean(), pt->second.min, pt->second.max});
            p.error_bars = p.error_bars || pt->second.n > 1;
        }
    return p;
}

} // namespace

int report(const report_options& o) {
    const std::string out = fs::absolute(o.out).lexically_normal().string();
    const results res = read_results(out);
    if (!o.x.empty() && std::find(res.axes.begin(), res.axes.end(), o.x) == res.axes.end())
        throw sweep_error("--x " + o.x + ": no such axis in the results; the axes are: " + listed(res.axes));
    const std::vector<std::string> ys = chosen_figures(res, o.y);
    std::vector<std::string> xs;
    if (!o.x.empty())
        xs.push_back(o.x);
    else
        for (const std::string& a : res.axes)
            if (res.values.at(a).size() > 1) xs.push_back(a);
    const std::string gnuplot = xs.empty() || ys.empty() ? std::string() : find_gnuplot();

    const std::string dir = o.out_dir.empty() ? out + "/report" : fs::absolute(o.out_dir).string();
    fs::create_directories(dir);
    write_summary(res, ys, dir);
    std::cerr << "pmemvp-sweep: summary of " << res.rows.size() << " runs in " << dir << "/summary.csv and summary.md\n";
    if (xs.empty()) std::cerr << "pmemvp-sweep: no axis has more than one value: no plots\n";
    for (const std::string& x : xs)
        for (const std::string& y : ys) {
            const std::string base = dir + "/" + file_name_part(y) + "-vs-" + file_name_part(x);
            const std::vector<std::string> images = draw(make_plot(res, x, y), base, o.formats, gnuplot);
            for (const std::string& image : images)
                std::cerr << "pmemvp-sweep: " << image << "\n";
        }
    return 0;
}

} // namespace pmemvp::sweep
