// SPDX-License-Identifier: Apache-2.0
#include "results.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sys/wait.h>

namespace pmemvp::sweep {

namespace fs = std::filesystem;

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

void write_results(const std::vector<run_plan>& runs, const std::string& out) {
    std::vector<json> rows;
    for (const run_plan& r : runs) {
        json row = read_result(r);
        if (!row.is_discarded()) rows.push_back(std::move(row));
    }
    // Columns in the order rows first name them; run_dir and command last.
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

json record_result(const run_plan& r, const run_end& end, const std::string& pmemvp, const std::string& cwd) {
    json row;
    row["run"] = r.index;
    row["repetition"] = r.repetition;
    for (const auto& [name, value] : r.values)
        row[name] = value;
    json stats = json::parse(read_text(r.dir + "/stats.json"), nullptr, false);
    if (!stats.is_object()) stats = json();
    std::string outcome;
    json exit_status; // null when pmemvp never ran
    if (!end.error.empty()) {
        outcome = "error: " + end.error;
    } else if (WIFEXITED(end.wait_status)) {
        exit_status = WEXITSTATUS(end.wait_status);
        outcome = stats.contains("outcome") && stats["outcome"].is_string() ? stats["outcome"].get<std::string>()
                                                                             : std::string("no-stats");
    } else if (WIFSIGNALED(end.wait_status)) {
        exit_status = 128 + WTERMSIG(end.wait_status);
        outcome = std::string("killed: ") + strsignal(WTERMSIG(end.wait_status));
    }
    const bool ok = exit_status == 0 && stats.is_object();
    row["status"] = ok ? "ok" : "failed";
    row["exit_status"] = exit_status;
    row["outcome"] = outcome;
    row["run_wall_time_s"] = end.wall_s;
    if (stats.is_object()) {
        stats.erase("exit_status"); // the column above
        flatten(stats, "", row);
    }
    row["run_dir"] = r.dir;
    row["command"] = command_line(r, pmemvp, cwd);
    write_atomically(r.dir + "/result.json", row.dump() + "\n");
    return row;
}

json read_result(const run_plan& r) {
    const std::string text = read_text(r.dir + "/result.json");
    if (text.empty()) return json(json::value_t::discarded);
    json row = json::parse(text, nullptr, false);
    return row.is_object() ? row : json(json::value_t::discarded);
}

bool run_ok(const run_plan& r) {
    const json row = read_result(r);
    return !row.is_discarded() && row.value("status", "") == "ok";
}

json run_plan_to_json(const run_plan& r) {
    json j;
    j["index"] = r.index;
    j["repetition"] = r.repetition;
    j["values"] = json::array();
    for (const auto& [name, value] : r.values)
        j["values"].push_back({name, value}); // pairs: axes keep their order
    j["dir"] = r.dir;
    j["args"] = r.args;
    j["images"] = json::array();
    for (const image& im : r.images)
        j["images"].push_back({{"original", im.original}, {"copy", im.copy}});
    return j;
}

run_plan run_plan_from_json(const json& j) {
    try {
        run_plan r;
        r.index = j.at("index").get<unsigned>();
        r.repetition = j.at("repetition").get<unsigned>();
        for (const json& v : j.at("values"))
            r.values.emplace_back(v.at(0).get<std::string>(), v.at(1).get<std::string>());
        r.dir = j.at("dir").get<std::string>();
        r.args = j.at("args").get<std::vector<std::string>>();
        for (const json& im : j.at("images"))
            r.images.push_back({im.at("original").get<std::string>(), im.at("copy").get<std::string>()});
        return r;
    } catch (const json::exception& e) {
        throw sweep_error(std::string("a run plan is malformed (") + e.what() + "): " + j.dump().substr(0, 200));
    }
}

json sweep_plan_to_json(const sweep_plan& p) {
    json j;
    j["sweep_file"] = p.sweep_file;
    j["pmemvp"] = p.pmemvp;
    j["cwd"] = p.cwd;
    // The commands, which --resume compares with the sweep file's.
    j["runs"] = json::array();
    for (const run_plan& r : p.runs)
        j["runs"].push_back(command_line(r, p.pmemvp, p.cwd));
    j["plans"] = json::array();
    for (const run_plan& r : p.runs)
        j["plans"].push_back(run_plan_to_json(r));
    return j;
}

sweep_plan read_sweep_plan(const std::string& path) {
    const std::string text = read_text(path);
    if (text.empty())
        throw sweep_error("cannot read " + path + ": " + (fs::exists(path) ? "it is empty" : std::strerror(ENOENT)) +
                          "; give a sweep's output directory (the --out of `pmemvp-sweep run`)");
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("plans") || !j["plans"].is_array())
        throw sweep_error(path + " is not a plan of this pmemvp-sweep (no \"plans\"); run the sweep again with "
                          "this version into a new --out");
    sweep_plan p;
    p.sweep_file = j.value("sweep_file", "");
    p.pmemvp = j.value("pmemvp", "");
    p.cwd = j.value("cwd", "");
    for (const json& r : j["plans"])
        p.runs.push_back(run_plan_from_json(r));
    return p;
}

} // namespace pmemvp::sweep
