// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pmem/timing_profile.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>

namespace pmemvp::pmem {

using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

constexpr double GB = 1e9;

// A parameter: its option name, meaning, and how to read, print and set it.
struct parameter {
    const char* name;
    const char* meaning;
    enum kind { time, count, size, bandwidth } type;
    std::function<void(timing_profile&, double)> set;
    std::function<double(const timing_profile&)> get;
    // The accepted range, checked on the parsed value before it is converted to the field's
    // type (a cast of an out-of-range double is undefined).
    double low, high;
};

#define TIME(field) [](timing_profile& p, double v) { p.field = sc_time(v, sc_core::SC_SEC); }, \
                    [](const timing_profile& p) { return p.field.to_seconds(); }
#define NUMBER(field) [](timing_profile& p, double v) { p.field = static_cast<decltype(p.field)>(v); }, \
                      [](const timing_profile& p) { return static_cast<double>(p.field); }

const std::vector<parameter>& parameters() {
    static const std::vector<parameter> list = {
        {"read-random", "idle load latency, lines in random order", parameter::time, TIME(read_random), 0, 1},
        {"read-sequential", "idle load latency, lines in order", parameter::time, TIME(read_sequential), 0, 1},
        {"write-latency", "written-back line to write-pending queue (clean + fence)", parameter::time, TIME(write_latency), 0, 1},
        {"nt-write-latency", "write past the cache (DMA) to write-pending queue", parameter::time, TIME(nt_write_latency), 0, 1},
        {"wpq-hit", "load of a line still in the write-pending queue", parameter::time, TIME(wpq_hit), 0, 1},
        {"wpq-depth", "write-pending queue entries (64 B)", parameter::count, NUMBER(wpq_depth), 1, 4096},
        {"wpq-drain", "write-pending queue drain rate into the DIMM", parameter::bandwidth, NUMBER(wpq_drain), 1, 1e13},
        {"media-line", "media access size; smaller writes are read-modify-write", parameter::size, NUMBER(media_line), 64, 4096},
        {"write-buffer", "on-DIMM write-combining buffer", parameter::size, NUMBER(write_buffer), 64, 1ull << 30},
        {"read-bandwidth", "media read bandwidth per DIMM", parameter::bandwidth, NUMBER(read_bandwidth), 1, 1e13},
        {"write-bandwidth", "media write bandwidth per DIMM", parameter::bandwidth, NUMBER(write_bandwidth), 1, 1e13},
        {"cpu-cache", "CPU cache in front of persistent memory", parameter::size, NUMBER(cpu_cache), 64, 1ull << 40},
        {"cpu-cache-ways", "its associativity", parameter::count, NUMBER(cpu_cache_ways), 1, 64},
        {"cpu-outstanding", "line misses the CPU keeps in flight", parameter::count, NUMBER(cpu_outstanding), 1, 1024},
    };
    return list;
}

// "6.5G", "6.5GB/s", "2200M" -> bytes per second.
std::optional<double> parse_bandwidth(std::string text) {
    for (const char* unit : {"B/s", "/s"})
        if (text.size() > std::strlen(unit) && text.compare(text.size() - std::strlen(unit), std::string::npos, unit) == 0) {
            text.resize(text.size() - std::strlen(unit));
            break;
        }
    double scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'K': case 'k': scale = 1e3; break;
        case 'M': scale = 1e6; break;
        case 'G': scale = 1e9; break;
        case 'T': scale = 1e12; break;
        }
        if (scale != 1) text.pop_back();
    }
    try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used != text.size() || !(v > 0) || !std::isfinite(v)) return std::nullopt;
        return v * scale;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string format(const parameter& p, double v) {
    std::ostringstream out;
    switch (p.type) {
    case parameter::time: out << v * 1e9 << "ns"; break;
    case parameter::bandwidth: out << v / GB << "GB/s"; break;
    default: out << static_cast<std::uint64_t>(v); break;
    }
    return out.str();
}

timing_profile optane() {
    // Intel Optane DC PMM, 1st generation: FAST'20 (Yang et al.) measurements,
    // ../shared/reference/perf-persistence.md §1.2-§1.6; see docs/timing.md.
    timing_profile p;
    p.name = "optane";
    p.read_random = sc_time(305.0, SC_NS);
    p.read_sequential = sc_time(169.4, SC_NS);
    p.write_latency = sc_time(62.3, SC_NS);
    p.nt_write_latency = sc_time(90.4, SC_NS);
    p.wpq_hit = sc_time(57.3, SC_NS);
    p.wpq_depth = 32;
    p.wpq_drain = 2666e6 * 8; // a DDR4-2666 channel
    p.media_line = 256;
    p.write_buffer = 16 << 10;
    p.read_bandwidth = 6.5 * GB;
    p.write_bandwidth = 2.21 * GB;
    p.cpu_cache = 1 << 20;
    p.cpu_cache_ways = 16;
    p.cpu_outstanding = 32;
    return p;
}

timing_profile dram() {
    // DDR4-2666 from the same study: one channel's share of six (§1.2, §1.4).
    timing_profile p = optane();
    p.name = "dram";
    p.read_random = sc_time(101.5, SC_NS);
    p.read_sequential = sc_time(101.5, SC_NS); // no open-row model: 64 B media lines
    p.write_latency = sc_time(57.3, SC_NS);
    p.nt_write_latency = sc_time(86.9, SC_NS);
    p.media_line = 64;
    p.write_buffer = 64;
    p.read_bandwidth = 105.6 / 6 * GB;
    p.write_bandwidth = 76.8 / 6 * GB;
    return p;
}

} // namespace

sc_time timing_profile::buffer_hit() const {
    const unsigned n = lines_per_media_line();
    if (n <= 1) return read_sequential;
    // A sequential walk reads media once per media line and hits the buffer n - 1 times.
    const double hit = (n * read_sequential.to_seconds() - read_random.to_seconds()) / (n - 1);
    return sc_time(std::max(hit, 0.0), sc_core::SC_SEC);
}

std::vector<std::string> timing_profile::names() { return {"optane", "dram", "nvdimm-n"}; }

timing_profile timing_profile::named(const std::string& name) {
    if (name == "optane") return optane();
    if (name == "dram") return dram();
    if (name == "nvdimm-n") {
        timing_profile p = dram(); // DRAM on the DIMM, saved to flash at power loss
        p.name = "nvdimm-n";
        return p;
    }
    throw config_error("--pmem-timing: unknown profile '" + name +
                       "'; use optane, dram, nvdimm-n or none (see --pmem-timing help)");
}

timing_profile timing_profile::parse(const std::string& spec) {
    util::keyval_list list("--pmem-timing", spec, true);
    timing_profile p = named(list.head().empty() ? "optane" : list.head());
    std::vector<std::string> accepted;
    for (const parameter& param : parameters()) {
        accepted.push_back(param.name);
        const auto text = list.take_string(param.name);
        if (!text) continue;
        std::optional<double> value;
        switch (param.type) {
        case parameter::time: value = util::parse_seconds(*text); break;
        case parameter::bandwidth: value = parse_bandwidth(*text); break;
        default:
            if (auto n = util::parse_size(*text)) value = static_cast<double>(*n);
            break;
        }
        if (!value)
            throw config_error(std::string("--pmem-timing: ") + param.name + "='" + *text + "' is not " +
                               (param.type == parameter::time        ? "a time, e.g. 305ns"
                                : param.type == parameter::bandwidth ? "a bandwidth, e.g. 6.5GB/s"
                                                                     : "a number, e.g. 256 or 16K"));
        if (!(*value >= param.low && *value <= param.high)) // also refuses NaN
            throw config_error(std::string("--pmem-timing: ") + param.name + "='" + *text +
                               "' is out of range; give " + format(param, param.low) + " to " +
                               format(param, param.high));
        param.set(p, *value);
    }
    list.finish(accepted);
    p.validate();
    return p;
}

void timing_profile::validate() const {
    auto fail = [](const std::string& why) { throw config_error("--pmem-timing: " + why); };
    if (media_line < 64 || media_line > 4096 || (media_line & (media_line - 1)))
        fail("media-line must be a power of two from 64 to 4096 bytes");
    if (write_buffer < media_line)
        fail("write-buffer must hold at least one media line (" + std::to_string(media_line) + " bytes)");
    if (read_sequential > read_random)
        fail("read-sequential cannot exceed read-random");
    if (wpq_depth < 1 || wpq_depth > 4096) fail("wpq-depth must be 1 to 4096 entries");
    if (cpu_cache_ways < 1 || cpu_cache_ways > 64) fail("cpu-cache-ways must be 1 to 64");
    if (cpu_cache < 64ull * cpu_cache_ways || cpu_cache % (64ull * cpu_cache_ways))
        fail("cpu-cache must be a multiple of 64 bytes times cpu-cache-ways");
    const std::uint64_t sets = cpu_cache / 64 / cpu_cache_ways;
    if (sets & (sets - 1)) fail("cpu-cache / (64 * cpu-cache-ways) must be a power of two");
    if (cpu_outstanding < 1 || cpu_outstanding > 1024) fail("cpu-outstanding must be 1 to 1024");
    if (!(wpq_drain > 0) || !(read_bandwidth > 0) || !(write_bandwidth > 0))
        fail("bandwidths must be positive");
}

std::string timing_profile::describe() const {
    std::ostringstream out;
    out << "profile " << name << " (others: optane dram nvdimm-n; 'none' turns timing off)\n";
    for (const parameter& p : parameters()) {
        std::string line = "  " + std::string(p.name) + "=" + format(p, p.get(*this));
        line.resize(std::max<std::size_t>(line.size() + 1, 32), ' ');
        out << line << p.meaning << "\n";
    }
    return out.str();
}

} // namespace pmemvp::pmem
