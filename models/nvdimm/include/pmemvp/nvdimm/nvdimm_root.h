// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/acpi/tables.h"
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/nvdimm/nvdimm.h"
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/nvdimm/spa_range.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/striped_memory_target.h"

#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
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

    // Hot-plug. DIMM slots (QEMU's -m slots=N): a hot-plugged DIMM takes one below this.
    unsigned slots = max_slots;
    // The end of device memory: no hot-plugged range may reach past it (0: no limit). With
    // QEMU's sizing, base + (maxmem - ram size).
    std::uint64_t device_memory_end = 0;
    // Where the root page's DSM pages may be (the platform's RAM), as [base, size) pairs;
    // empty: anywhere. Also for hot-plugged DIMMs whose options give none.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dsm_windows;
};

// What nvdimm_root::hotplug did: the new DIMM and its range, or why not (and nothing changed).
struct hotplug_result {
    nvdimm_core* dimm = nullptr; // owned by the root
    spa_range range;
    std::string error;           // QEMU's wording where QEMU has one
    explicit operator bool() const { return error.empty(); }
};

// The NVDIMM root device (ACPI's ACPI0012) over a set of nvdimm_devices: lays out their SPA
// ranges, stripes interleave sets (their target sockets are here), answers every DIMM's DSM
// calls from one shared mailbox (root functions: address range scrub, clear error; QEMU's
// Read FIT), and builds the NFIT that describes it all. Map each range's socket at its base:
//
//   for (std::size_t i = 0; i < root.ranges().size(); ++i)
//       bus.map(root.ranges()[i].base, root.ranges()[i].size, root.range_socket(i));
//
// Hot-plug (zero DIMMs at elaboration is fine): hotplug() makes a new DIMM, a plain
// nvdimm_core, between quanta; the NFIT grows, the root page raises NVDIMM_IRQ_FIT_CHANGED,
// and the guest reads the new FIT through the root's DSM (Read FIT). Its sockets:
//
//   control  target: the root's 4 KiB page (nvdimm_regs.h: DSM doorbell, status, calls, irq
//            status and enable); optional (the virt platform maps it at control_base +
//            NVDIMM_ROOT_PAGE_OFFSET)
//   dma      initiator: DSM pages of the root page and of hot-plugged DIMMs; optional
//   irq      the root page's interrupt line (irq_line)
class nvdimm_root : public sc_core::sc_module {
public:
    using target_socket_type = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

    tlm_utils::simple_target_socket_optional<nvdimm_root> control;
    tlm_utils::simple_initiator_socket_optional<nvdimm_root> dma;
    irq_line irq;

    // Throws config_error for DIMMs that cannot go together (a slot used twice, a set naming
    // an unknown DIMM or one already in a set, DIMMs too small for the granularity).
    nvdimm_root(const sc_core::sc_module_name& name, const nvdimm_root_options& options,
                std::vector<nvdimm_device*> dimms);
    ~nvdimm_root() override;

    // Plugs a new DIMM while the simulation runs (between quanta): in options.dimm.slot, or the
    // first free slot (-1); its SPA range at end(); its DSM calls through the shared mailbox
    // (DSM pages through `dma`); the NFIT rebuilt; NVDIMM_IRQ_FIT_CHANGED raised. The caller
    // then maps result.dimm->pmem_target() at result.range.base and
    // result.dimm->control_registers() at control_base + slot * 4 KiB (router::map_at_run_time)
    // and may bind result.dimm->irq. `cache`: as for nvdimm_core. Never throws for what the
    // user asked: on an error nothing has changed and result.error says why.
    hotplug_result hotplug(const nvdimm_device_options& options, backend::file_backend& file,
                           pmem::cpu_cache* cache = nullptr);
    // Device memory below `address` is taken (by other devices): the next range goes after it.
    void reserve_until(std::uint64_t address);

    const std::vector<spa_range>& ranges() const { return ranges_; }
    // The target of range i: the DIMM's own `memory` socket, or the interleave set's. Not for
    // a hot-plugged range (it has no socket; its target is the DIMM's pmem_target()).
    target_socket_type& range_socket(std::size_t i);
    // The interleave set's target of range i, nullptr for a single DIMM.
    striped_memory_target* interleave_target(std::size_t i) const { return striped_[i]; }
    // The first address after the last range, aligned (where other device memory may go).
    std::uint64_t end() const { return end_; }
    // The DIMMs given at elaboration.
    const std::vector<nvdimm_device*>& dimms() const { return dimms_; }
    // Every DIMM: those given at elaboration, then the hot-plugged ones in plug order.
    const std::vector<nvdimm_core*>& cores() const { return cores_; }
    // The device of `dimm`, one of ranges()[i].dimms given at elaboration.
    nvdimm_device& device_of(const nvdimm& dimm) const;
    // The core of any of ranges()[i].dimms, hot-plugged or not.
    nvdimm_core& core_of(const nvdimm& dimm) const;

    // The NFIT: one SPA range structure per range, a memory device, control region and flush
    // hint structure per DIMM, an interleave structure per set, platform capabilities.
    acpi::table nfit() const;
    // What Read FIT serves: the NFIT without its 40-byte header (acpi::nfit_header_size).
    std::vector<unsigned char> fit() const;
    dsm_handler& dsm() { return *dsm_; }
    // The root's page, behind `control`.
    control_page& control_registers() { return root_page_; }

    // The power fails on every DIMM (nvdimm_core::power_fail) in range order, hot-plugged ones
    // included; interleave sets withdraw their DMI pointers too. Returns each DIMM's findings.
    std::vector<std::pair<nvdimm_core*, pmem::finding>> power_fail(const pmem::failure_policy& policy,
                                                                   const sc_core::sc_time& now);
    // Withdraws the interleave sets' DMI pointers (after the DIMMs' content changed).
    void invalidate_interleave_dmi();

private:
    void end_of_elaboration() override;
    void check_slots() const;
    // The slot a hot-plugged DIMM takes (`asked`, or the first free one), or an error.
    std::string choose_slot(int asked, unsigned& slot) const;
    bool dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay);
    void root_page_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { root_page_.b_transport(gp, delay); }
    unsigned root_page_dbg(tlm::tlm_generic_payload& gp) { return root_page_.transport_dbg(gp); }
    void lay_out_ranges();
    void add_range(spa_range r);
    void make_interleave_target(std::size_t index);

    nvdimm_root_options options_;
    std::vector<nvdimm_device*> dimms_;
    std::vector<nvdimm_core*> cores_;
    std::vector<std::unique_ptr<nvdimm_core>> plugged_;
    std::vector<spa_range> ranges_;
    std::vector<striped_memory_target*> striped_; // per range; nullptr: a single DIMM
    std::vector<std::unique_ptr<striped_memory_target>> owned_striped_;
    std::unique_ptr<dsm_handler> dsm_;
    control_page root_page_;
    std::uint64_t end_ = 0;
};

} // namespace pmemvp::nvdimm
