// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/peripherals/uart16550.h"

namespace pmemvp::peripherals {

namespace {
constexpr std::uint8_t lsr_thre = 0x20, lsr_temt = 0x40;
constexpr std::uint8_t iir_none = 0x01, iir_thre = 0x02, iir_fifo = 0xc0;
} // namespace

uart16550::uart16550(const sc_core::sc_module_name& name, std::FILE* out)
    : sc_module(name), socket("socket"), regs_(this->name()), out_(out) {
    socket.register_b_transport(this, &uart16550::b_transport);
    socket.register_transport_dbg(this, &uart16550::transport_dbg);
    regs_.add("rbr_thr_dll", 0, 1)
        .on_read([this]() -> std::uint64_t { return dlab() ? dll_ : 0; })
        .on_write([this](std::uint64_t v) {
            if (dlab()) {
                dll_ = static_cast<std::uint8_t>(v);
                return;
            }
            if (out_) {
                std::fputc(static_cast<int>(v), out_);
                if (v == '\n') std::fflush(out_);
            }
            ++bytes_written_;
            thre_pending_ = true; // the byte left at once
            update_irq();
        });
    regs_.add("ier_dlm", 1, 1)
        .on_read([this]() -> std::uint64_t { return dlab() ? dlm_ : ier_; })
        .on_write([this](std::uint64_t v) {
            if (dlab()) {
                dlm_ = static_cast<std::uint8_t>(v);
                return;
            }
            if ((v & 0x02) && !(ier_ & 0x02)) thre_pending_ = true;
            ier_ = v & 0x0f;
            update_irq();
        });
    regs_.add("iir_fcr", 2, 1)
        .on_read([this]() -> std::uint64_t {
            const std::uint8_t fifo = (fcr_ & 1) ? iir_fifo : 0;
            if ((ier_ & 0x02) && thre_pending_) {
                thre_pending_ = false;
                update_irq();
                return fifo | iir_thre;
            }
            return fifo | iir_none;
        })
        .peek_with([this]() -> std::uint64_t { // reading IIR clears THRE; a debugger's does not
            const std::uint8_t fifo = (fcr_ & 1) ? iir_fifo : 0;
            return fifo | ((ier_ & 0x02) && thre_pending_ ? iir_thre : iir_none);
        })
        .on_write([this](std::uint64_t v) { fcr_ = static_cast<std::uint8_t>(v); });
    regs_.add("lcr", 3, 1).on_read([this] { return lcr_; }).on_write([this](std::uint64_t v) {
        lcr_ = static_cast<std::uint8_t>(v);
    });
    regs_.add("mcr", 4, 1).on_read([this] { return mcr_; }).on_write([this](std::uint64_t v) {
        mcr_ = v & 0x1f;
    });
    regs_.add("lsr", 5, 1).on_read([] { return lsr_thre | lsr_temt; }).on_write([](std::uint64_t) {});
    regs_.add("msr", 6, 1).on_read([this]() -> std::uint64_t {
        return (mcr_ & 0x10) ? 0 : 0xb0; // DCD, DSR, CTS asserted unless in loopback
    }).on_write([](std::uint64_t) {});
    regs_.add("scr", 7, 1).on_read([this] { return scr_; }).on_write([this](std::uint64_t v) {
        scr_ = static_cast<std::uint8_t>(v);
    });
}

void uart16550::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    regs_.transport(gp);
}

} // namespace pmemvp::peripherals
