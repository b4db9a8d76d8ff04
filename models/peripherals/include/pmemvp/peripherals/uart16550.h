// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/register_bank.h"

#include <cstdio>
#include <string>
#include <systemc>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp::peripherals {

// NS16550A UART (byte registers, QEMU virt's UART0). Transmission is instantaneous: every byte
// written to THR goes to the output file at once, so output never depends on host speed.
// Receive is not connected: LSR never shows data ready.
class uart16550 : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<uart16550> socket;
    irq_line irq;

    // `out` is not owned; nullptr discards the output.
    uart16550(const sc_core::sc_module_name& name, std::FILE* out);

    std::uint64_t bytes_written() const { return bytes_written_; }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) { return regs_.transport_dbg(gp); }
    bool dlab() const { return lcr_ & 0x80; }
    void update_irq() { irq.set((ier_ & 0x02) && thre_pending_); }

    register_bank regs_;
    std::FILE* out_;
    std::uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, dll_ = 0, dlm_ = 0, fcr_ = 0;
    bool thre_pending_ = false; // the "transmitter empty" interrupt, cleared by reading IIR
    std::uint64_t bytes_written_ = 0;
};

} // namespace pmemvp::peripherals
