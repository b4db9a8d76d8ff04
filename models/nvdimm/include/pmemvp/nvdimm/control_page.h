// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/register_bank.h"

#include <functional>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

namespace pmemvp::nvdimm {

// The registers of one NVDIMM's 4 KiB control page (nvdimm_regs.h, shared with drivers):
//   0x000  dsm_doorbell  (64-bit, W: the guest address of a 4 KiB DSM page; the call runs at
//                         once and its answer is in the page when the write completes)
//   0x008  dsm_status    (32-bit, R: 0 = last call done, 1 = its page was not readable/writable)
//   0x00c  dsm_calls     (32-bit, R)
//   0x010  irq_status    (32-bit, R, W1C: bit 0 a DSM call completed, bit 1 health changed)
//   0x014  irq_enable    (32-bit, RW: the line is high while status & enable)
//   0x100  flush_hint[i] (64-bit, W: drains the DIMM's write-pending queue; counted)
// The owner moves the DSM page (dma) and drains (on_flush_hint); this class keeps the protocol.
// The NVDIMM root's page is one too, with no flush hints and its own interrupt bits.
//
// A TLM target without a socket (addresses are offsets in the page), so a platform can map
// a hot-plugged DIMM's page with router::map_at_run_time; a module puts a socket in front.
class control_page : public tlm::tlm_fw_transport_if<> {
public:
    static constexpr std::uint64_t page_size = NVDIMM_CONTROL_PAGE_SIZE;
    static constexpr std::uint64_t flush_hint_offset = NVDIMM_FLUSH_HINT(0);
    static constexpr std::uint32_t dimm_irqs = NVDIMM_IRQ_DSM_DONE | NVDIMM_IRQ_HEALTH;

    // `irq_sources`: the NVDIMM_IRQ_* bits irq_enable can switch on.
    control_page(const std::string& owner, unsigned flush_hints, std::uint32_t irq_sources = dimm_irqs);

    // Serves an access at an offset in the page; `delay` grows by what a flush-hint drain or the
    // DSM page's DMA costs.
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) override { return regs_.transport_dbg(gp); }
    // Registers: no DMI, loosely timed only.
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&, sc_core::sc_time&) override;

    // The mailbox of the calls (the DIMM's own, or its root's, shared by every DIMM).
    void use_dsm(dsm_handler& dsm) { dsm_ = &dsm; }
    dsm_handler& dsm() const { return *dsm_; }
    // Where a DSM page may be: [base, base + size) pairs (the platform's RAM). A page elsewhere
    // (device memory, a pmem range backed by a user's file) is refused with status 1.
    // Empty (default): any page `dma` reaches.
    void set_dma_windows(std::vector<std::pair<std::uint64_t, std::uint64_t>> windows) {
        dma_windows_ = std::move(windows);
    }
    // Reads or writes one DSM page at a guest address; false if it could not.
    std::function<bool(tlm::tlm_command, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay)> dma;
    // A flush-hint write at `now`: returns when the drain is complete.
    std::function<sc_core::sc_time(const sc_core::sc_time& now)> on_flush_hint;
    // The interrupt line's level changed.
    std::function<void(bool level)> on_irq;

    // Sets interrupt status bits (NVDIMM_IRQ_*).
    void raise(std::uint32_t bits);
    std::uint64_t flush_hint_writes() const { return flush_writes_; }
    std::uint32_t irq_status() const { return irq_status_; }

private:
    void ring_doorbell(std::uint64_t page_address, sc_core::sc_time& delay);
    void update_irq();

    logger log_;
    register_bank regs_;
    dsm_handler* dsm_ = nullptr;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dma_windows_;
    std::uint64_t flush_writes_ = 0;
    std::uint32_t irq_sources_;
    std::uint32_t dsm_status_ = 0, irq_status_ = 0, irq_enable_ = 0;
    bool irq_level_ = false;
    sc_core::sc_time* current_delay_ = nullptr;
};

} // namespace pmemvp::nvdimm
