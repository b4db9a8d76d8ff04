// SPDX-License-Identifier: Apache-2.0
#include "crash_outputs.h"

#include "stats.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <nlohmann/json.hpp>

namespace pmemvp::cli {

using json = nlohmann::ordered_json;

namespace {

void add_pc(json& j, const char* key, std::uint64_t pc, const platform::symbol_table& symbols) {
    j[key] = util::hex(pc);
    if (const std::string where = symbols.describe(pc); !where.empty()) j[std::string(key) + "_symbol"] = where;
}

} // namespace

persist_event_log::persist_event_log(const std::string& path, platform::virt_platform& top,
                                     const platform::symbol_table& symbols)
    : out_(path), top_(top), symbols_(symbols) {
    if (!out_) throw config_error("--persist-events '" + path + "': cannot write the file; check the directory");
    for (const auto& t : top.persistence_domains()) {
        const std::string memory = memory_key(top, t);
        t.domain->on_event = [this, memory](pmem::persistence_domain::event e, std::uint64_t pc) {
            record(e, pc, memory);
        };
    }
}

void persist_event_log::record(pmem::persistence_domain::event e, std::uint64_t pc, const std::string& memory) {
    // From an instruction: when it started. From a device's own process: the kernel's time.
    const bool by_cpu = top_.cpu.executing();
    const sc_core::sc_time at = by_cpu ? top_.cpu.instruction_start() : sc_core::sc_time_stamp();
    if (!by_cpu) pc = 0;
    if (count_ && e == last_kind_ && pc == last_pc_ && at == last_time_) return; // the same fence, another domain
    last_kind_ = e;
    last_pc_ = pc;
    last_time_ = at;
    json j;
    j["n"] = count_++;
    j["kind"] = to_string(e);
    j["time_ps"] = to_ps(at);
    if (by_cpu) {
        add_pc(j, "pc", pc, symbols_);
        j["instructions"] = top_.cpu.instructions(); // retired, this one included
    }
    j["memory"] = memory;
    out_ << j.dump() << "\n";
}

void persist_event_log::end(const sc_core::sc_time& at, const std::string& outcome, int status) {
    json j;
    j["kind"] = "end";
    // When the last instruction started (the finisher's write, or the wfi the run ended in): a
    // power failure just before it finds everything the program did before its end.
    const sc_core::sc_time ago = top_.cpu.since_instruction_start();
    j["time_ps"] = to_ps(at > ago ? at - ago : sc_core::SC_ZERO_TIME);
    j["run_end_ps"] = to_ps(at);
    j["events"] = count_;
    j["outcome"] = outcome;
    j["exit_status"] = status;
    out_ << j.dump() << "\n";
    out_.flush();
}

void write_power_fail_report(const std::string& path, const platform::virt_platform& top,
                             const platform::symbol_table& symbols) {
    json lost = json::array(), kept = json::array();
    for (const auto& [memory, f] : top.power_fail_findings()) {
        if (f.what != pmem::finding::kind::not_durable) continue;
        json line;
        for (const auto& t : top.persistence_domains())
            if (t.name == memory) line["memory"] = memory_key(top, t);
        line["offset"] = f.address;
        line["time_ps"] = to_ps(f.time);
        add_pc(line, "store_pc", f.pc, symbols);
        (f.survived ? kept : lost).push_back(std::move(line));
    }
    json report;
    report["schema"] = "pmemvp-power-fail/1";
    report["power_failures"] = top.power_failures();
    report["lost"] = std::move(lost);
    report["kept_by_chance"] = std::move(kept);
    std::ofstream out(path);
    out << report.dump(1) << "\n";
    if (!out) throw config_error("--power-fail-report '" + path + "': cannot write the file; check the directory");
}

} // namespace pmemvp::cli
