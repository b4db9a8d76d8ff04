// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/control_page.h"

#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::nvdimm {

control_page::control_page(const std::string& owner, unsigned flush_hints, std::uint32_t irq_sources)
    : log_(owner), regs_(owner), irq_sources_(irq_sources) {
    regs_.add("dsm_doorbell", NVDIMM_DSM_DOORBELL, 8).on_write([this](std::uint64_t v) {
        regs_.find(NVDIMM_DSM_DOORBELL)->set(v);
        sc_core::sc_time untimed; // only b_transport writes; a debug write never gets here
        ring_doorbell(v, current_delay_ ? *current_delay_ : untimed);
    });
    regs_.add("dsm_status", NVDIMM_DSM_STATUS, 4).read_only().on_read([this] { return dsm_status_; });
    regs_.add("dsm_calls", NVDIMM_DSM_CALLS, 4).read_only().on_read([this]() -> std::uint64_t {
        return dsm_ ? dsm_->calls() : 0;
    });
    regs_.add("irq_status", NVDIMM_IRQ_STATUS, 4).on_read([this] { return irq_status_; })
        .on_write([this](std::uint64_t v) {
            irq_status_ &= ~static_cast<std::uint32_t>(v); // write 1 to clear
            update_irq();
        });
    regs_.add("irq_enable", NVDIMM_IRQ_ENABLE, 4).on_read([this] { return irq_enable_; })
        .on_write([this](std::uint64_t v) {
            irq_enable_ = static_cast<std::uint32_t>(v) & irq_sources_;
            update_irq();
        });
    for (unsigned i = 0; i < flush_hints; ++i)
        regs_.add("flush_hint" + std::to_string(i), NVDIMM_FLUSH_HINT(i), 8)
            .on_write([this](std::uint64_t) {
                ++flush_writes_;
                if (!on_flush_hint) return;
                // The write completes when the DIMM's write-pending queue has drained.
                const sc_core::sc_time now = sc_core::sc_time_stamp() +
                                             (current_delay_ ? *current_delay_ : sc_core::SC_ZERO_TIME);
                const sc_core::sc_time done = on_flush_hint(now);
                if (current_delay_ && done > now) *current_delay_ += done - now;
            })
            .on_read([] { return 0; });
}

void control_page::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    current_delay_ = &delay;
    regs_.transport(gp);
    current_delay_ = nullptr;
}

tlm::tlm_sync_enum control_page::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&, sc_core::sc_time&) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
}

void control_page::raise(std::uint32_t bits) {
    irq_status_ |= bits;
    update_irq();
}

void control_page::update_irq() {
    const bool level = (irq_status_ & irq_enable_) != 0;
    if (level == irq_level_) return;
    irq_level_ = level;
    if (on_irq) on_irq(level);
}

void control_page::ring_doorbell(std::uint64_t page_address, sc_core::sc_time& delay) {
    unsigned char page[dsm_page_size];
    const bool in_window = dma_windows_.empty() ||
        std::any_of(dma_windows_.begin(), dma_windows_.end(), [&](const auto& w) {
            return util::range_inside(page_address, dsm_page_size, w.first, w.second);
        });
    if (!in_window) {
        dsm_status_ = 1;
        log_.warn("DSM doorbell: the page at ", util::hex(page_address),
                  " is not in RAM (a DSM reply must never be written into device or persistent "
                  "memory); give the address of 4 KiB of RAM, 8-byte aligned");
        return;
    }
    if (!dsm_ || !dma) {
        dsm_status_ = 1;
        log_.warn("DSM doorbell: this NVDIMM's dma socket is not bound, so it cannot read the "
                  "page at ", util::hex(page_address), "; bind it to the bus that reaches RAM");
        return;
    }
    if (page_address % 8 || !dma(tlm::TLM_READ_COMMAND, page_address, page, delay)) {
        dsm_status_ = 1;
        log_.warn("DSM doorbell: the page at ", util::hex(page_address),
                  " cannot be read; give the address of 4 KiB of RAM, 8-byte aligned");
        return;
    }
    dsm_->call(page);
    dsm_status_ = dma(tlm::TLM_WRITE_COMMAND, page_address, page, delay) ? 0 : 1;
    raise(NVDIMM_IRQ_DSM_DONE);
}

} // namespace pmemvp::nvdimm
