// SPDX-License-Identifier: Apache-2.0
#include "sweep_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace pmemvp::sweep {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

const char* const placeholder_pattern = R"(\{([A-Za-z_][A-Za-z0-9_-]*)\})";
// Columns of results.csv that an axis may not take.
const std::set<std::string> reserved = {"run", "repetition", "status", "exit_status", "outcome",
                                        "run_wall_time_s", "run_dir", "command"};

[[noreturn]] void fail(const std::string& message) { throw sweep_error(message); }

axis_kind kind_of(const std::string& name) {
    static const std::regex plain("[A-Za-z_][A-Za-z0-9_-]*"), option("--?[A-Za-z][A-Za-z0-9-]*"),
        timing("timing\\.[a-z][a-z0-9-]*");
    if (name == "guest") return axis_kind::guest;
    if (name == "power-fail-at") return axis_kind::power_fail_at;
    if (name == "seed") return axis_kind::seed;
    if (std::regex_match(name, timing)) return axis_kind::timing;
    if (std::regex_match(name, option)) return axis_kind::option;
    if (std::regex_match(name, plain)) return axis_kind::placeholder;
    fail("axis \"" + name + "\": unknown kind of axis; an axis is named guest, power-fail-at, seed, "
         "timing.KEY (a --pmem-timing parameter, e.g. timing.read-random), --OPTION (a pmemvp option, "
         "e.g. --quantum), or NAME (letters, digits, _ and -) used as {NAME} in \"base\"");
}

std::string value_text(const std::string& axis_name, const json& v, std::size_t i) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) return v.dump();
    fail("axis \"" + axis_name + "\": value " + std::to_string(i) + " is " + v.dump() +
         ", a " + v.type_name() + "; give a string or a number");
}

// The position of option NAME's value in args (NAME VALUE or NAME=VALUE), or npos.
struct found {
    std::size_t at = std::string::npos; // index of the option
    bool joined = false;                // NAME=VALUE in one argument
};
found find_option(const std::vector<std::string>& args, const std::string& name) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == name && i + 1 < args.size()) return {i, false};
        if (args[i].rfind(name + "=", 0) == 0) return {i, true};
    }
    return {};
}

std::string option_value(const std::vector<std::string>& args, const found& f, const std::string& name) {
    return f.joined ? args[f.at].substr(name.size() + 1) : args[f.at + 1];
}

// Every occurrence of NAME removed, then NAME VALUE appended.
void set_option(std::vector<std::string>& args, const std::string& name, const std::string& value) {
    for (found f = find_option(args, name); f.at != std::string::npos; f = find_option(args, name))
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(f.at),
                   args.begin() + static_cast<std::ptrdiff_t>(f.at + (f.joined ? 1 : 2)));
    args.push_back(name);
    args.push_back(value);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep))
        parts.push_back(part);
    if (!s.empty() && s.back() == sep) parts.emplace_back();
    return parts;
}

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i)
        s += (i ? std::string(1, sep) : "") + parts[i];
    return s;
}

void set_timing(std::vector<std::string>& args, const std::string& key, const std::string& value) {
    const found f = find_option(args, "--pmem-timing");
    if (f.at == std::string::npos) {
        args.push_back("--pmem-timing");
        args.push_back("optane," + key + "=" + value);
        return;
    }
    std::vector<std::string> parts = split(option_value(args, f, "--pmem-timing"), ',');
    if (!parts.empty() && (parts[0] == "none" || parts[0] == "help"))
        fail("axis \"timing." + key + "\": the base command has --pmem-timing " + parts[0] +
             "; give a profile (e.g. --pmem-timing optane) or remove the axis");
    parts.erase(std::remove_if(parts.begin(), parts.end(),
                               [&](const std::string& p) { return p.rfind(key + "=", 0) == 0; }),
                parts.end());
    parts.push_back(key + "=" + value);
    const std::string spec = join(parts, ',');
    if (f.joined)
        args[f.at] = "--pmem-timing=" + spec;
    else
        args[f.at + 1] = spec;
}

bool set_seed(std::vector<std::string>& args, const std::string& value) {
    const found f = find_option(args, "--power-fail-policy");
    if (f.at == std::string::npos) return false;
    std::vector<std::string> parts = split(option_value(args, f, "--power-fail-policy"), ':');
    if (parts.size() != 3 || parts[0] != "random") return false;
    parts[1] = value;
    const std::string policy = join(parts, ':');
    if (f.joined)
        args[f.at] = "--power-fail-policy=" + policy;
    else
        args[f.at + 1] = policy;
    return true;
}

std::string absolute(const std::string& path, const std::string& cwd) {
    return fs::path(path).is_absolute() ? path : (fs::path(cwd) / path).lexically_normal().string();
}

} // namespace

std::string shell_quote(const std::string& s) {
    static const std::regex safe("[A-Za-z0-9_@%+=:,./-]+");
    if (std::regex_match(s, safe)) return s;
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

sweep_spec load_sweep(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read the sweep file " + path + ": " + std::strerror(errno) + "; give an existing JSON file");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        fail(path + " is not valid JSON (" + e.what() + "); a sweep file is one JSON object (docs/sweeps.md)");
    }
    if (!doc.is_object())
        fail(path + ": the sweep file is a JSON " + std::string(doc.type_name()) +
             "; it must be an object with \"base\", \"axes\", \"combine\", \"repetitions\"");
    for (const auto& [key, value] : doc.items())
        if (key != "base" && key != "axes" && key != "combine" && key != "repetitions")
            fail(path + ": unknown field \"" + key + "\"; the fields are base, axes, combine, repetitions");

    sweep_spec spec;
    if (!doc.contains("base")) fail(path + ": no \"base\"; give the pmemvp arguments as an array of strings");
    const json& base = doc["base"];
    if (!base.is_array() || base.empty())
        fail(path + ": \"base\" must be a non-empty array of strings (pmemvp's arguments without the program)");
    for (std::size_t i = 0; i < base.size(); ++i) {
        if (!base[i].is_string())
            fail(path + ": \"base\" element " + std::to_string(i) + " is " + base[i].dump() + "; write it as a string");
        spec.base.push_back(base[i].get<std::string>());
    }

    if (doc.contains("axes")) {
        const json& axes = doc["axes"];
        if (!axes.is_object())
            fail(path + ": \"axes\" must be an object mapping each axis name to an array of values");
        for (const auto& [name, values] : axes.items()) {
            axis a;
            a.name = name;
            a.kind = kind_of(name);
            if (reserved.count(name))
                fail("axis \"" + name + "\": the name is a column of results.csv; rename the axis");
            if (!values.is_array() || values.empty())
                fail("axis \"" + name + "\": give its values as a non-empty array, e.g. [\"1us\", \"10us\"]");
            for (std::size_t i = 0; i < values.size(); ++i)
                a.values.push_back(value_text(name, values[i], i));
            spec.axes.push_back(std::move(a));
        }
    }

    if (doc.contains("combine")) {
        const json& c = doc["combine"];
        if (c == "zip")
            spec.zip = true;
        else if (c != "product")
            fail(path + ": \"combine\" is " + c.dump() + "; write \"product\" (every combination) or \"zip\" "
                 "(the i-th values together)");
    }
    if (spec.zip)
        for (const axis& a : spec.axes)
            if (a.values.size() != spec.axes.front().values.size())
                fail(path + ": \"combine\": \"zip\" needs axes of equal length, but \"" + spec.axes.front().name +
                     "\" has " + std::to_string(spec.axes.front().values.size()) + " values and \"" + a.name +
                     "\" has " + std::to_string(a.values.size()) + "; make them equal or use \"product\"");

    if (doc.contains("repetitions")) {
        const json& r = doc["repetitions"];
        if (!r.is_number_integer() || r.get<long long>() < 1 || r.get<long long>() > 1000000)
            fail(path + ": \"repetitions\" is " + r.dump() + "; give a whole number from 1");
        spec.repetitions = static_cast<unsigned>(r.get<long long>());
    }

    // Placeholders name axes; plain-named axes are used by a placeholder.
    const std::regex placeholder(placeholder_pattern);
    std::set<std::string> used;
    for (const std::string& arg : spec.base)
        for (std::sregex_iterator it(arg.begin(), arg.end(), placeholder), end; it != end; ++it) {
            const std::string name = (*it)[1];
            const bool known = name == "run_dir" || std::any_of(spec.axes.begin(), spec.axes.end(),
                                                                [&](const axis& a) { return a.name == name; });
            if (!known)
                fail(path + ": \"base\" uses {" + name + "} but there is no axis \"" + name +
                     "\"; add it to \"axes\" or remove the placeholder ({run_dir} is the run's directory)");
            used.insert(name);
        }
    for (const axis& a : spec.axes)
        if (a.kind == axis_kind::placeholder && !used.count(a.name))
            fail("axis \"" + a.name + "\" is used nowhere: put {" + a.name + "} in \"base\" where its value goes "
                 "(or name the axis --OPTION to set a pmemvp option)");
    for (const char* own : {"--stats"})
        if (find_option(spec.base, own).at != std::string::npos)
            fail(path + ": \"base\" has " + std::string(own) + "; remove it: pmemvp-sweep writes each run's stats "
                 "to its directory (RUN/stats.json)");
    // Files pmemvp writes: one per run, never shared.
    for (const char* own : {"--vcd", "--trace", "-D", "-pidfile", "--dump-acpi", "--stats-interval-file", "-serial"}) {
        const found f = find_option(spec.base, own);
        if (f.at == std::string::npos) continue;
        const std::string v = option_value(spec.base, f, own);
        if (std::string(own) == "-serial" && v.rfind("file:", 0) != 0) continue;
        if (v.find('{') == std::string::npos)
            fail(path + ": \"base\" has " + own + " " + v + ", which every run would write; write it as "
                 "{run_dir}/NAME (each run's directory)");
    }
    const bool has_guest = std::any_of(spec.axes.begin(), spec.axes.end(), [](const axis& a) { return a.kind == axis_kind::guest; });
    if (!has_guest && find_option(spec.base, "-kernel").at == std::string::npos)
        fail(path + ": no guest: put \"-kernel\", \"FILE\" in \"base\" or add a \"guest\" axis");
    return spec;
}

std::vector<run_plan> expand(const sweep_spec& spec, const std::string& out_dir, const std::string& cwd) {
    // The combinations, as one value index per axis.
    std::vector<std::vector<std::size_t>> combos;
    if (spec.axes.empty()) {
        combos.emplace_back();
    } else if (spec.zip) {
        for (std::size_t i = 0; i < spec.axes.front().values.size(); ++i)
            combos.emplace_back(spec.axes.size(), i);
    } else {
        std::vector<std::size_t> at(spec.axes.size(), 0);
        for (;;) {
            combos.push_back(at);
            std::size_t k = spec.axes.size();
            while (k > 0 && ++at[k - 1] == spec.axes[k - 1].values.size())
                at[--k] = 0;
            if (k == 0) break;
        }
    }
    const std::size_t total = combos.size() * spec.repetitions;
    if (total > 1000000) fail("the sweep has " + std::to_string(total) + " runs; split it (at most 1000000)");
    const int width = std::max<int>(4, static_cast<int>(std::to_string(total - 1).size()));

    const std::regex placeholder(placeholder_pattern);
    std::vector<run_plan> runs;
    for (const auto& combo : combos)
        for (unsigned rep = 0; rep < spec.repetitions; ++rep) {
            run_plan r;
            r.index = static_cast<unsigned>(runs.size());
            r.repetition = rep;
            char name[32];
            std::snprintf(name, sizeof name, "run-%0*u", width, r.index);
            r.dir = (fs::path(out_dir) / name).string();
            std::map<std::string, std::string> values{{"run_dir", r.dir}};
            for (std::size_t k = 0; k < spec.axes.size(); ++k) {
                r.values.emplace_back(spec.axes[k].name, spec.axes[k].values[combo[k]]);
                values[spec.axes[k].name] = spec.axes[k].values[combo[k]];
            }
            for (const std::string& arg : spec.base) {
                std::string out;
                auto last = arg.cbegin();
                for (std::sregex_iterator it(arg.begin(), arg.end(), placeholder), end; it != end; ++it) {
                    out.append(last, (*it)[0].first);
                    out += values.at((*it)[1]);
                    last = (*it)[0].second;
                }
                out.append(last, arg.cend());
                r.args.push_back(out);
            }
            for (std::size_t k = 0; k < spec.axes.size(); ++k) {
                const axis& a = spec.axes[k];
                const std::string& v = a.values[combo[k]];
                switch (a.kind) {
                case axis_kind::placeholder: break;
                case axis_kind::option: set_option(r.args, a.name, v); break;
                case axis_kind::guest: set_option(r.args, "-kernel", v); break;
                case axis_kind::power_fail_at: set_option(r.args, "--power-fail-at", v); break;
                case axis_kind::timing: set_timing(r.args, a.name.substr(7), v); break;
                case axis_kind::seed:
                    if (!set_seed(r.args, v) &&
                        std::none_of(spec.base.begin(), spec.base.end(),
                                     [](const std::string& s) { return s.find("{seed}") != std::string::npos; }))
                        fail("axis \"seed\": the base command has no --power-fail-policy random:SEED:P whose SEED it "
                             "sets; add e.g. \"--power-fail-policy\", \"random:1:0.5\", or use {seed} in \"base\"");
                    break;
                }
            }
            // Each backing file becomes the run's own copy.
            for (std::size_t i = 0; i + 1 < r.args.size(); ++i) {
                if (r.args[i] != "-object") continue;
                std::vector<std::string> props = split(r.args[i + 1], ',');
                bool changed = false;
                for (std::string& p : props) {
                    if (p.rfind("mem-path=", 0) != 0) continue;
                    const std::string original = absolute(p.substr(9), cwd);
                    std::string copy = (fs::path(r.dir) / fs::path(original).filename()).string();
                    for (unsigned n = 1; std::any_of(r.images.begin(), r.images.end(),
                                                     [&](const image& im) { return im.copy == copy; });
                         ++n)
                        copy = (fs::path(r.dir) / (fs::path(original).filename().string() + "." + std::to_string(n))).string();
                    r.images.push_back({original, copy});
                    p = "mem-path=" + copy;
                    changed = true;
                }
                if (changed) r.args[i + 1] = join(props, ',');
            }
            r.args.push_back("--stats");
            r.args.push_back((fs::path(r.dir) / "stats.json").string());
            runs.push_back(std::move(r));
        }
    return runs;
}

} // namespace pmemvp::sweep
