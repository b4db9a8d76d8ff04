// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/controller.h"

#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::nvdimm {

controller::controller(const sc_core::sc_module_name& name, std::vector<nvdimm*> dimms,
                       std::vector<spa_range> ranges)
    : sc_module(name), control("control"), dma("dma"), log_(this->name()),
      dsm_(dimms, std::move(ranges)), regs_(this->name()) {
    control.register_b_transport(this, &controller::b_transport);
    control.register_transport_dbg(this, &controller::transport_dbg);
    for (const nvdimm* d : dimms) {
        const unsigned slot = d->slot();
        const std::uint64_t base = slot * page_size;
        const std::string n = "nvdimm" + std::to_string(slot) + ".";
        regs_.add(n + "dsm_doorbell", base, 8).on_write([this, slot](std::uint64_t v) {
            regs_.find(slot * page_size)->set(v);
            ring_doorbell(slot, v);
        });
        regs_.add(n + "dsm_status", base + 0x8, 4).read_only().on_read([this, slot] {
            return dsm_status_[slot];
        });
        regs_.add(n + "dsm_calls", base + 0xc, 4).read_only().on_read([this] {
            return dsm_.calls();
        });
        for (unsigned i = 0; i < d->options().flush_hints; ++i)
            regs_.add(n + "flush_hint" + std::to_string(i), base + flush_hint_offset + 8 * i, 8)
                .on_write([this, slot](std::uint64_t) {
                    ++flush_writes_[slot];
                    if (!on_flush_hint) return;
                    // The write completes when the DIMM's write-pending queue has drained.
                    const sc_core::sc_time now = sc_core::sc_time_stamp() +
                                                 (current_delay_ ? *current_delay_ : sc_core::SC_ZERO_TIME);
                    const sc_core::sc_time done = on_flush_hint(slot, now);
                    if (current_delay_ && done > now) *current_delay_ += done - now;
                })
                .on_read([] { return 0; });
    }
}

void controller::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    current_delay_ = &delay;
    regs_.transport(gp);
    current_delay_ = nullptr;
}

bool controller::dma_access(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(address);
    gp.set_data_ptr(data);
    gp.set_data_length(dsm_page_size);
    gp.set_streaming_width(dsm_page_size);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time local = current_delay_ ? *current_delay_ : sc_core::SC_ZERO_TIME;
    dma->b_transport(gp, local);
    if (current_delay_) *current_delay_ = local;
    return gp.is_response_ok();
}

void controller::ring_doorbell(unsigned slot, std::uint64_t page_address) {
    unsigned char page[dsm_page_size];
    const bool in_window = dma_windows_.empty() ||
        std::any_of(dma_windows_.begin(), dma_windows_.end(), [&](const auto& w) {
            return util::range_inside(page_address, dsm_page_size, w.first, w.second);
        });
    if (!in_window) {
        dsm_status_[slot] = 1;
        log_.warn("DSM doorbell of slot ", slot, ": the page at ", util::hex(page_address),
                  " is not in RAM (a DSM reply must never be written into device or persistent "
                  "memory); give the address of 4 KiB of RAM, 8-byte aligned");
        return;
    }
    if (page_address % 8 || !dma_access(tlm::TLM_READ_COMMAND, page_address, page)) {
        dsm_status_[slot] = 1;
        log_.warn("DSM doorbell of slot ", slot, ": the page at ", util::hex(page_address),
                  " cannot be read; give the address of 4 KiB of RAM, 8-byte aligned");
        return;
    }
    dsm_.call(page);
    dsm_status_[slot] = dma_access(tlm::TLM_WRITE_COMMAND, page_address, page) ? 0 : 1;
}

} // namespace pmemvp::nvdimm
