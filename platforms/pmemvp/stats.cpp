// SPDX-License-Identifier: Apache-2.0
#include "stats.h"

#include "pmemvp/util/config_error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace pmemvp::cli {

using json = nlohmann::ordered_json;

namespace {

double ns(const sc_core::sc_time& t) { return t / sc_core::sc_time(1, sc_core::SC_NS); } // exact in ps

const char* domain_name(pmem::domain_kind k) {
    return k == pmem::domain_kind::eadr ? "eadr" : k == pmem::domain_kind::adr ? "adr" : "none";
}

json persistence_of(const pmem::persistence_domain& d) {
    return {{"domain", domain_name(d.kind())},
            {"non_durable_lines", d.non_durable_count()},
            {"awaiting_fence_lines", d.awaiting_fence_count()},
            {"wpq_lines", d.queued_count()},
            {"flush_findings", d.findings().size()}};
}

json timing_of(pmem::pmem_timing& t) {
    const pmem::media_stats& m = t.media().stats();
    return {{"profile", t.media().profile().name}, {"reads", m.reads}, {"writes", m.writes},
            {"flushes", m.flushes}, {"wpq_hits", m.wpq_hits}, {"buffer_hits", m.buffer_hits},
            {"media_reads", m.media_reads}, {"rmw_reads", m.rmw_reads}, {"media_writes", m.media_writes},
            {"write_amplification", m.write_amplification()}, {"wpq_max", m.wpq_max},
            {"wpq_mean", m.wpq_mean()}, {"flush_hint_drains", m.drains}};
}

// The user's id, or the platform's name when the device has none.
std::string key_of(const std::string& id, const std::string& fallback) { return id.empty() ? fallback : id; }

json memories_json(const platform::virt_platform& p) {
    json nvdimms = json::object(), virtio = json::object();
    for (const auto& t : p.persistence_domains()) {
        if (t.dimm) {
            json d = {{"slot", t.dimm->slot()}, {"memdev", t.file->id()}, {"range", t.name}, {"address", t.base},
                      {"size", t.dimm->pmem_size()}, {"persistence", persistence_of(*t.domain)}};
            if (t.timing) d["timing"] = timing_of(*t.timing);
            nvdimms[key_of(t.dimm->id(), t.name)] = d;
            continue;
        }
        for (const auto& v : p.virtio_pmems()) {
            if (&v->domain() != t.domain) continue;
            virtio[key_of(v->id(), v->name())] = {
                {"memdev", v->memdev().id()}, {"address", v->address()}, {"size", v->size()},
                {"flushes", v->flushes()}, {"flushed_pages", v->flushed_pages()},
                {"last_flush_latency_ns", ns(v->last_flush_latency())},
                {"unflushed_pages", v->dirty().dirty_pages()}, {"persistence", persistence_of(*t.domain)}};
        }
    }
    for (const auto& r : p.removed_virtio_pmems()) // device_del took them: their figures until then
        virtio[key_of(r.id, r.name)] = {
            {"memdev", r.memdev}, {"address", r.address}, {"size", r.size}, {"flushes", r.flushes},
            {"flushed_pages", r.flushed_pages}, {"last_flush_latency_ns", ns(r.last_flush_latency)},
            {"removed_at_ns", ns(r.removed_at)}};
    return {{"nvdimms", nvdimms}, {"virtio_pmem", virtio}};
}

} // namespace

std::uint64_t to_ps(const sc_core::sc_time& t) {
    return static_cast<std::uint64_t>(t.value() * (sc_core::sc_get_time_resolution().to_seconds() / 1e-12) + 0.5);
}

sc_core::sc_time from_ps(std::uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }

std::string memory_key(const platform::virt_platform& p, const platform::tracked_pmem& t) {
    if (t.dimm) return key_of(t.dimm->id(), t.name);
    for (const auto& v : p.virtio_pmems())
        if (&v->domain() == t.domain) return key_of(v->id(), v->name());
    return t.name;
}

void write_stats(const std::string& path, const platform::virt_platform& p, const run_result& r,
                 const sc_core::sc_time& quantum) {
    std::ofstream out(path);
    if (!out)
        throw config_error("--stats '" + path + "': cannot write the file; check the directory");
    json s;
    s["schema"] = stats_schema;
    s["outcome"] = r.outcome;
    s["exit_status"] = r.status;
    s["instructions"] = p.cpu.instructions();
    s["cycles"] = p.cpu.cycles();
    s["simulated_time_ns"] = ns(r.simulated_time);
    s["quantum_ns"] = ns(quantum);
    s["resets"] = p.resets();
    s["power_failures"] = p.power_failures();
    s["persistence_findings"] = r.persistence_findings;
    s["uart_bytes"] = p.uart.bytes_written();
    s["unmapped_accesses"] = p.bus.unmapped_accesses();
    json transactions = json::object();
    for (const auto& m : p.bus.mappings()) transactions[m.name] = m.transactions;
    s["transactions"] = transactions;
    json backends = json::object();
    for (const auto& b : p.memory_backends())
        backends[b->id()] = {{"path", b->path()}, {"sync", backend::to_string(b->mode())},
                             {"persist_calls", b->persist_calls()}, {"sync_calls", b->sync_calls()}};
    s["memory_backends"] = backends;
    const json memories = memories_json(p);
    s["nvdimms"] = memories["nvdimms"];
    s["virtio_pmem"] = memories["virtio_pmem"];
    if (const pmem::cpu_cache* c = p.pmem_cache())
        s["pmem_cpu_cache"] = {{"hits", c->stats().hits}, {"misses", c->stats().misses},
                               {"dirty_evictions", c->stats().dirty_evictions}};
    // Host figures: the only ones that differ between two runs of the same inputs.
    s["wall_time_s"] = r.wall_seconds;
    s["mips"] = r.wall_seconds > 0 ? p.cpu.instructions() / r.wall_seconds / 1e6 : 0.0;
    out << s.dump(2) << "\n";
}

std::string sample_line(const platform::virt_platform& p, bool end) {
    json s;
    s["time_ns"] = ns(sc_core::sc_time_stamp());
    if (end) s["end"] = true;
    s["instructions"] = p.cpu.instructions();
    s["cycles"] = p.cpu.cycles();
    s["power_failures"] = p.power_failures();
    json lines = json::object();
    for (const auto& t : p.persistence_domains()) {
        lines[memory_key(p, t)] = {{"non_durable_lines", t.domain->non_durable_count()},
                      {"awaiting_fence_lines", t.domain->awaiting_fence_count()},
                      {"wpq_lines", t.domain->queued_count()}};
    }
    s["memories"] = lines;
    return s.dump();
}

} // namespace pmemvp::cli
