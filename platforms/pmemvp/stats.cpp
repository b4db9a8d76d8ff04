// SPDX-License-Identifier: Apache-2.0
#include "stats.h"

#include "pmemvp/util/config_error.h"

#include <fstream>
#include <iomanip>

namespace pmemvp::cli {

namespace {
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}
} // namespace

void write_stats(const std::string& path, const platform::virt_platform& p, const run_result& r,
                 const sc_core::sc_time& quantum) {
    std::ofstream out(path);
    if (!out)
        throw config_error("--stats '" + path + "': cannot write the file; check the directory");
    const double sim_ns = r.simulated_time.to_seconds() * 1e9;
    const double mips = r.wall_seconds > 0 ? p.cpu.instructions() / r.wall_seconds / 1e6 : 0;
    out << std::setprecision(15) << "{\n"
        << "  \"outcome\": " << quoted(r.outcome) << ",\n"
        << "  \"exit_status\": " << r.status << ",\n"
        << "  \"instructions\": " << p.cpu.instructions() << ",\n"
        << "  \"cycles\": " << p.cpu.cycles() << ",\n"
        << "  \"simulated_time_ns\": " << sim_ns << ",\n"
        << "  \"quantum_ns\": " << quantum.to_seconds() * 1e9 << ",\n"
        << "  \"resets\": " << p.resets() << ",\n"
        << "  \"persistence_findings\": " << r.persistence_findings << ",\n"
        << "  \"uart_bytes\": " << p.uart.bytes_written() << ",\n"
        << "  \"unmapped_accesses\": " << p.bus.unmapped_accesses() << ",\n"
        << "  \"transactions\": {";
    const char* sep = "";
    for (const auto& m : p.bus.mappings()) {
        out << sep << "\n    " << quoted(m.name) << ": " << m.transactions;
        sep = ",";
    }
    out << "\n  },\n  \"memory_backends\": [";
    sep = "";
    for (const auto& b : p.memory_backends()) {
        out << sep << "\n    {\"id\": " << quoted(b->id()) << ", \"path\": " << quoted(b->path())
            << ", \"sync\": " << quoted(backend::to_string(b->mode())) << "}";
        sep = ",";
    }
    out << "\n  ],\n  \"virtio_pmem\": [";
    sep = "";
    for (const auto& d : p.virtio_pmems()) {
        out << sep << "\n    {\"name\": " << quoted(d->name()) << ", \"address\": " << d->address()
            << ", \"size\": " << d->size() << ", \"flushes\": " << d->flushes()
            << ", \"flushed_pages\": " << d->flushed_pages()
            << ", \"last_flush_latency_ns\": " << d->last_flush_latency().to_seconds() * 1e9
            << ", \"unflushed_pages\": " << d->dirty().dirty_pages() << "}";
        sep = ",";
    }
    out << "\n  ],\n  \"power_failures\": " << p.power_failures() << ",\n  \"persistence\": [";
    sep = "";
    for (const auto& t : p.persistence_domains()) {
        static const char* kinds[] = {"eadr", "adr", "none"};
        out << sep << "\n    {\"memory\": " << quoted(t.name) << ", \"domain\": \""
            << kinds[static_cast<int>(t.domain->kind())] << "\", \"non_durable_lines\": "
            << t.domain->non_durable_lines() << ", \"flush_findings\": " << t.domain->findings().size();
        if (t.timing) {
            const pmem::media_stats& m = t.timing->media().stats();
            out << ",\n     \"timing\": {\"profile\": " << quoted(t.timing->media().profile().name)
                << ", \"reads\": " << m.reads << ", \"writes\": " << m.writes
                << ", \"flushes\": " << m.flushes << ", \"wpq_hits\": " << m.wpq_hits
                << ", \"buffer_hits\": " << m.buffer_hits << ", \"media_reads\": " << m.media_reads
                << ", \"rmw_reads\": " << m.rmw_reads << ", \"media_writes\": " << m.media_writes
                << ", \"write_amplification\": " << m.write_amplification()
                << ", \"wpq_max\": " << m.wpq_max << ", \"wpq_mean\": " << m.wpq_mean()
                << ", \"flush_hint_drains\": " << m.drains << "}";
        }
        out << "}";
        sep = ",";
    }
    out << "\n  ],\n";
    if (const pmem::cpu_cache* c = p.pmem_cache())
        out << "  \"pmem_cpu_cache\": {\"hits\": " << c->stats().hits << ", \"misses\": " << c->stats().misses
            << ", \"dirty_evictions\": " << c->stats().dirty_evictions << "},\n";
    out << "  \"wall_time_s\": " << r.wall_seconds << ",\n"
        << "  \"mips\": " << mips << "\n}\n";
}

} // namespace pmemvp::cli
