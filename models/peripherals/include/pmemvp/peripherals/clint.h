// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/register_bank.h"

#include <systemc>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp::peripherals {

// SiFive CLINT for one hart, QEMU virt layout: msip at 0x0, mtimecmp at 0x4000, mtime at
// 0xbff8. mtime counts simulated time in timebase periods (10 MHz by default, as QEMU virt),
// read exactly at the accessing initiator's local time.
class clint : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(clint);
    tlm_utils::simple_target_socket<clint> socket;
    irq_line msip; // to the hart's MSIP
    irq_line mtip; // to the hart's MTIP

    clint(const sc_core::sc_module_name& name,
          sc_core::sc_time timebase_period = sc_core::sc_time(100, sc_core::SC_NS));

    std::uint64_t mtime_at(const sc_core::sc_time& t) const;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) { return regs_.transport_dbg(gp); }
    void set_mtimecmp(std::uint64_t value);
    void on_timer(); // SC_METHOD: the deadline has come

    sc_core::sc_time timebase_;
    register_bank regs_;
    reg& mtimecmp_;
    std::uint64_t mtime_offset_ = 0; // guest writes to mtime
    sc_core::sc_time access_time_;   // kernel time + the initiator's local offset
    sc_core::sc_event timer_event_;
};

} // namespace pmemvp::peripherals
