// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/nvdimm/spa_range.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/register_bank.h"

#include <functional>
#include <memory>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

namespace pmemvp::nvdimm {

// The NVDIMM controller's control pages: one 4 KiB page per slot.
//   0x000  dsm_doorbell  (64-bit, W: the guest address of a 4 KiB DSM page; the call runs at
//                         once and its answer is in the page when the write completes)
//   0x008  dsm_status    (32-bit, R: 0 = last call done, 1 = its page was not readable/writable)
//   0x00c  dsm_calls     (32-bit, R)
//   0x100  flush_hint[i] (64-bit, W: drains the DIMM's write-pending queue; counted)
// The DSM page is read and written through `dma` (bind it to the platform's router).
class controller : public sc_core::sc_module {
public:
    static constexpr std::uint64_t page_size = 0x1000;
    static constexpr std::uint64_t flush_hint_offset = 0x100;

    tlm_utils::simple_target_socket<controller> control; // max_slots pages
    tlm_utils::simple_initiator_socket<controller> dma;

    controller(const sc_core::sc_module_name& name, std::vector<nvdimm*> dimms,
               std::vector<spa_range> ranges);

    dsm_handler& dsm() { return dsm_; }
    // Where a DSM page may be (the platform's RAM, as [base, base + size) pairs). A page
    // elsewhere (device memory, a pmem range backed by a user's file) is refused with status 1.
    // Empty (default): any page the DMA socket reaches.
    void set_dma_windows(std::vector<std::pair<std::uint64_t, std::uint64_t>> windows) {
        dma_windows_ = std::move(windows);
    }
    // Called for each flush-hint write with the DIMM's slot and the write's time (the
    // persistence domain drains); returns when the drain is complete.
    std::function<sc_core::sc_time(unsigned slot, const sc_core::sc_time& now)> on_flush_hint;
    std::uint64_t flush_hint_writes(unsigned slot) const { return flush_writes_[slot]; }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) { return regs_.transport_dbg(gp); }
    void ring_doorbell(unsigned slot, std::uint64_t page_address);
    bool dma_access(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data);

    logger log_;
    dsm_handler dsm_;
    register_bank regs_;
    std::vector<std::uint64_t> flush_writes_ = std::vector<std::uint64_t>(max_slots);
    std::uint32_t dsm_status_[max_slots] = {};
    sc_core::sc_time* current_delay_ = nullptr;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dma_windows_;
};

} // namespace pmemvp::nvdimm
