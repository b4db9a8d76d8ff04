// SPDX-License-Identifier: Apache-2.0
// What a crash campaign (pmemvp-sweep crash, docs/sweeps.md) reads from a run: the persistence
// events of a first run (--persist-events), and what each power failure lost
// (--power-fail-report).
#pragma once
#include "pmemvp/platform/symbols.h"
#include "pmemvp/platform/virt.h"

#include <fstream>
#include <string>

namespace pmemvp::cli {

// --persist-events FILE: one JSON line per persistence event, stamped with the start of the
// instruction that made it (or the kernel's time for a device's own work, e.g. a virtio-pmem
// flush), then a last line {"kind":"end",...} with the run's end.
class persist_event_log {
public:
    // Throws config_error if the file cannot be written.
    persist_event_log(const std::string& path, platform::virt_platform& top, const platform::symbol_table& symbols);
    void end(const sc_core::sc_time& at, const std::string& outcome, int status);

private:
    void record(pmem::persistence_domain::event e, std::uint64_t pc, const std::string& memory);

    std::ofstream out_;
    platform::virt_platform& top_;
    const platform::symbol_table& symbols_;
    std::uint64_t count_ = 0;
    // A fence reaches every domain: one event, not one per domain.
    std::uint64_t last_pc_ = ~0ull;
    sc_core::sc_time last_time_;
    pmem::persistence_domain::event last_kind_{};
};

// --power-fail-report FILE: each line a power failure lost (and, with a random policy, kept by
// chance), with the first store's pc and function.
void write_power_fail_report(const std::string& path, const platform::virt_platform& top,
                             const platform::symbol_table& symbols);

} // namespace pmemvp::cli
