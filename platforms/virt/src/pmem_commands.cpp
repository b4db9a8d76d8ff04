// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/pmem_commands.h"

#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <sstream>

namespace pmemvp::platform {

namespace {

using line_state = pmem::persistence_domain::line_state;
constexpr std::uint64_t line = pmem::persistence_domain::line;
constexpr std::size_t listed_at_most = 50; // findings shown one per line; the rest are counted

const char* domain_name(pmem::domain_kind k) {
    switch (k) {
    case pmem::domain_kind::eadr: return "eadr";
    case pmem::domain_kind::adr: return "adr";
    case pmem::domain_kind::none: return "none";
    }
    return "?";
}

std::string state_text(line_state s, pmem::domain_kind k) {
    switch (s) {
    case line_state::durable:
        if (k == pmem::domain_kind::eadr) return "durable (eADR: the CPU cache is in the persistence domain)";
        if (k == pmem::domain_kind::adr) return "durable (in the write-pending queue or on media; ADR)";
        return "on media (durable)";
    case line_state::dirty: return "dirty in the CPU cache (not durable)";
    case line_state::written_back: return "written back from the CPU cache, waiting for a fence (not durable)";
    case line_state::queued:
        return "in the memory controller's write-pending queue (not durable: domain none needs a flush hint)";
    }
    return "?";
}

const char* short_state(line_state s) {
    switch (s) {
    case line_state::durable: return "durable";
    case line_state::dirty: return "dirty in the CPU cache";
    case line_state::written_back: return "written back";
    case line_state::queued: return "in the write-pending queue";
    }
    return "?";
}

bool parse_address(const std::string& text, std::uint64_t& out) {
    const auto value = util::parse_number(text); // 0x... hex, else decimal
    if (value) out = *value;
    return value.has_value();
}

} // namespace

std::string pmem_commands::label(const tracked_pmem& t) const {
    if (t.dimm) return "NVDIMM '" + t.dimm->id() + "' (" + t.name + ")";
    for (const auto& d : platform_.virtio_pmems())
        if (&d->domain() == t.domain) return "virtio-pmem-pci '" + d->id() + "'";
    return t.name;
}

pmem_commands::pmem_commands(virt_platform& platform, std::function<std::string(std::uint64_t)> describe_pc)
    : platform_(platform), describe_pc_(std::move(describe_pc)) {
    for (const auto& t : platform_.persistence_domains()) follow(t);
    platform_.on_memory_added = [this](const tracked_pmem& t) { follow(t); }; // device_add
}

void pmem_commands::follow(const tracked_pmem& t) {
    t.domain->keep_history([&cpu = platform_.cpu] { return cpu.now(); });
    const tracked_pmem* memory = &t; // persistence_domains() is a list: it stays put
    t.domain->on_watched_change = [this, memory](std::uint64_t offset, line_state from, line_state to) {
        if (!on_line_change) return;
        std::ostringstream text;
        text << "pmemvp: pmem line at offset " << util::hex(offset) << " of " << label(*memory) << ": "
             << short_state(from) << " -> " << short_state(to) << " at "
             << platform_.cpu.now().to_string() << "\n";
        on_line_change(text.str());
    };
}

const char* pmem_commands::help() {
    return "pmem ADDR       where the 64-byte line holding physical ADDR is now, who stored to it last, when\n"
           "pmem-stats      each pmem memory's persistence counts and media statistics\n"
           "power-fail      a power failure now, with the configured policy (--power-fail-policy)\n"
           "persist-check   the persistence checker's findings so far (changes nothing)\n";
}

std::string pmem_commands::run(const std::string& command_line) {
    std::istringstream in(command_line);
    std::string command, argument, extra;
    in >> command >> argument >> extra;
    if (command == "pmem") {
        std::uint64_t address = 0;
        if (argument.empty() || !extra.empty() || !parse_address(argument, address))
            return "pmem: expected one physical address, e.g. 'pmem 0x100000000'\n";
        return line_report(address);
    }
    if (!argument.empty()) return command + ": takes no argument\n";
    if (command == "pmem-stats") return stats_report();
    if (command == "power-fail") return power_fail_now();
    if (command == "persist-check") return persist_check();
    return "unknown command '" + command + "'; the pmem commands are:\n" + help();
}

std::string pmem_commands::line_report(std::uint64_t address) const {
    const auto where = platform_.locate_pmem(address);
    std::ostringstream out;
    if (!where) {
        const std::string what = platform_.describe_address(address);
        out << util::hex(address) << " is not in a pmem memory (an NVDIMM range or a virtio-pmem device)"
            << (what.empty() ? ": nothing is mapped there" : "; it is in " + what) << "\n";
        return out.str();
    }
    const tracked_pmem& m = *where->memory;
    const pmem::persistence_domain& d = *m.domain;
    const std::uint64_t offset = where->offset / line * line;
    const line_state state = d.state_of(offset);
    out << "pmem " << util::hex(address) << ": the line at offset " << util::hex(offset) << " of " << label(m)
        << " (memory-backend-file '" << m.file->id() << "', '" << m.file->path() << "'), domain "
        << domain_name(d.kind()) << "\n"
        << "  state: " << state_text(state, d.kind()) << "\n";
    const auto* h = d.history(offset);
    if (h && h->state_since != sc_core::SC_ZERO_TIME)
        out << "  since: " << h->state_since.to_string() << "\n";
    if (h && h->stored)
        out << "  last store: " << describe_pc_(h->last_store_pc) << " at " << h->last_store_time.to_string() << "\n";
    else
        out << "  last store: none since pmemvp started\n";
    if (const auto first = d.first_store_pc(offset))
        out << "  first store since it was durable: " << describe_pc_(*first) << "\n";
    switch (m.file->mode()) {
    case backend::sync_mode::none:
        out << "  host file: not kept (share=off or discard-data=on)\n";
        break;
    case backend::sync_mode::map_sync:
        out << "  host file: a MAP_SYNC (DAX) mapping: stores reach it as the host writes its cache back\n";
        break;
    case backend::sync_mode::msync:
        out << (m.file->changed_since_sync(offset)
                    ? "  host file: changed since its last sync (pmemvp syncs at flushes and at exit)\n"
                    : "  host file: synced (the file holds this page as the mapping does)\n");
        break;
    }
    return out.str();
}

std::string pmem_commands::stats_report() const {
    std::ostringstream out;
    if (platform_.persistence_domains().empty()) return "no pmem memories (add -device nvdimm or virtio-pmem-pci)\n";
    for (const auto& t : platform_.persistence_domains()) {
        const auto& d = *t.domain;
        out << label(t) << " (memory-backend-file '" << t.file->id() << "'): domain " << domain_name(d.kind())
            << ", " << d.non_durable_count() << " line(s) not durable, " << d.awaiting_fence_count()
            << " awaiting a fence, " << d.queued_count() << " in the write-pending queue, "
            << d.findings().size() << " flush finding(s)\n";
        if (t.timing) {
            const pmem::media_stats& s = t.timing->media().stats();
            out << "  media (" << t.timing->media().profile().name << "): " << s.reads << " reads, " << s.writes
                << " writes, " << s.flushes << " flushes, " << s.media_writes << " media writes, write amplification "
                << s.write_amplification() << ", write-pending queue at most " << s.wpq_max << "\n";
        }
    }
    out << "power failures so far: " << platform_.power_failures() << "\n";
    return out.str();
}

std::string pmem_commands::power_fail_now() {
    if (platform_.run_over()) return "the run is over (the guest finished or the power failed); nothing can fail now\n";
    const std::size_t before = platform_.power_fail_findings().size();
    const sc_core::sc_time at = platform_.cpu.now();
    platform_.power_fail_now();
    const auto& all = platform_.power_fail_findings();
    std::ostringstream out;
    std::size_t lost = 0;
    for (std::size_t i = before; i < all.size(); ++i) lost += all[i].second.what == pmem::finding::kind::not_durable;
    out << "power failure at " << at.to_string() << ": " << lost << " line(s) were not durable\n";
    std::size_t shown = 0;
    for (std::size_t i = before; i < all.size() && shown < listed_at_most; ++i, ++shown) {
        const auto& [memory, f] = all[i];
        out << "  " << pmem::to_string(f.what) << ": " << memory << " offset " << util::hex(f.address) << ", "
            << describe_pc_(f.pc) << "\n";
    }
    if (all.size() - before > shown) out << "  ... and " << all.size() - before - shown << " more\n";
    out << (platform_.stopped_by_power_fail() ? "the run stops (--on-power-fail reboot boots it again)\n"
                                              : "the guest boots again on what was durable\n");
    return out.str();
}

std::string pmem_commands::persist_check() const {
    std::vector<std::pair<std::string, pmem::finding>> findings;
    const sc_core::sc_time now = platform_.cpu.now();
    for (const auto& t : platform_.persistence_domains()) {
        for (const auto& f : t.domain->findings()) findings.emplace_back(t.name, f);
        for (const auto& f : t.domain->check_at_end(now)) findings.emplace_back(t.name, f);
    }
    std::ostringstream out;
    out << findings.size() << " finding(s) at " << now.to_string()
        << (findings.empty() ? "\n" : " (stores not yet durable would be lost by a power failure now):\n");
    for (std::size_t i = 0; i < findings.size() && i < listed_at_most; ++i) {
        const auto& [memory, f] = findings[i];
        out << "  " << pmem::to_string(f.what) << ": " << memory << " offset " << util::hex(f.address) << ", "
            << describe_pc_(f.pc) << " at " << f.time.to_string() << "\n";
    }
    if (findings.size() > listed_at_most) out << "  ... and " << findings.size() - listed_at_most << " more\n";
    return out.str();
}

bool pmem_commands::watch(std::uint64_t address, std::uint64_t length, bool on) {
    bool any = false;
    const std::uint64_t last = address + std::max<std::uint64_t>(length, 1) - 1;
    for (std::uint64_t a = address / line * line; a <= last && a >= address / line * line; a += line) {
        if (const auto where = platform_.locate_pmem(a)) {
            where->memory->domain->watch_line(where->offset, on);
            any = true;
        }
    }
    return any;
}

} // namespace pmemvp::platform
