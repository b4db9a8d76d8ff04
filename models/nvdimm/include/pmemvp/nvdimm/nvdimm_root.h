// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/acpi/tables.h"
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/nvdimm/nvdimm.h"
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/nvdimm/spa_range.h"
#include "pmemvp/tlm/striped_memory_target.h"

#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

namespace pmemvp::nvdimm {

struct nvdimm_root_options {
    // DIMMs striped into one SPA range, by their ids (QEMU-style: id, dimms, granularity).
    std::vector<interleave_options> interleave_sets;
    // Where the SPA ranges go: the interleave sets in order, then every other DIMM by slot,
    // each at the next multiple of `align` from `base`.
    std::uint64_t base = 0x100000000ull;
    std::uint64_t align = 1ull << 30;
    // Where the platform maps the DIMMs' control pages: slot s at control_base + s * 4 KiB
    // (the NFIT gives drivers the flush-hint addresses from it).
    std::uint64_t control_base = 0;
    // NFIT Platform Capabilities: 3 = CPU caches flushed on power loss (eADR), 2 = memory
    // controller (ADR), 0 = neither; nullopt: no such structure.
    std::optional<std::uint32_t> capabilities;
};

// The NVDIMM root device (ACPI's ACPI0012) over a set of nvdimm_devices: lays out their SPA
// ranges, stripes interleave sets (their target sockets are here), answers every DIMM's DSM
// calls from one shared mailbox (root functions: address range scrub, clear error), and
// builds the NFIT that describes it all. Map each range's socket at its base:
//
//   for (std::size_t i = 0; i < root.ranges().size(); ++i)
//       bus.map(root.ranges()[i].base, root.ranges()[i].size, root.range_socket(i));
class nvdimm_root : public sc_core::sc_module {
public:
    using target_socket_type = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

    // Throws config_error for DIMMs that cannot go together (a slot used twice, a set naming
    // an unknown DIMM or one already in a set, DIMMs too small for the granularity).
    nvdimm_root(const sc_core::sc_module_name& name, const nvdimm_root_options& options,
                std::vector<nvdimm_device*> dimms);

    const std::vector<spa_range>& ranges() const { return ranges_; }
    // The target of range i: the DIMM's own `memory` socket, or the interleave set's.
    target_socket_type& range_socket(std::size_t i);
    // The interleave set's target of range i, nullptr for a single DIMM.
    striped_memory_target* interleave_target(std::size_t i) const { return striped_[i]; }
    // The first address after the last range, aligned (where other device memory may go).
    std::uint64_t end() const { return end_; }
    const std::vector<nvdimm_device*>& dimms() const { return dimms_; }
    // The device of `dimm`, one of ranges()[i].dimms.
    nvdimm_device& device_of(const nvdimm& dimm) const;

    // The NFIT: one SPA range structure per range, a memory device, control region and flush
    // hint structure per DIMM, an interleave structure per set, platform capabilities.
    acpi::table nfit() const;
    dsm_handler& dsm() { return *dsm_; }

    // The power fails on every DIMM (nvdimm_device::power_fail) in range order; interleave
    // sets withdraw their DMI pointers too. Returns each DIMM's findings.
    std::vector<std::pair<nvdimm_device*, pmem::finding>> power_fail(const pmem::failure_policy& policy,
                                                                     const sc_core::sc_time& now);
    // Withdraws the interleave sets' DMI pointers (after the DIMMs' content changed).
    void invalidate_interleave_dmi();

private:
    void check_slots() const;
    void lay_out_ranges();
    void add_range(spa_range r);
    void make_interleave_target(std::size_t index);

    nvdimm_root_options options_;
    std::vector<nvdimm_device*> dimms_;
    std::vector<spa_range> ranges_;
    std::vector<striped_memory_target*> striped_; // per range; nullptr: a single DIMM
    std::vector<std::unique_ptr<striped_memory_target>> owned_striped_;
    std::unique_ptr<dsm_handler> dsm_;
    std::uint64_t end_ = 0;
};

} // namespace pmemvp::nvdimm
