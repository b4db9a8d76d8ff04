// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/log.h"

#include <functional>
#include <systemc>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp::peripherals {

// The SiFive test finisher ("sifive,test1", QEMU virt's 0x100000): a 32-bit write of 0x5555
// ends the run with status 0, 0x3333 | code << 16 with status `code`, 0x7777 asks for a reset.
// pmemvp adds 0x9999: a power failure now (QEMU ignores the value).
class test_finisher : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<test_finisher> socket;

    // Called with the exit status and the simulated time of the write.
    std::function<void(int status, const sc_core::sc_time& when)> on_exit;
    std::function<void(const sc_core::sc_time& when)> on_reset;
    std::function<void(const sc_core::sc_time& when)> on_power_fail;

    explicit test_finisher(const sc_core::sc_module_name& name);

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    logger log_;
};

} // namespace pmemvp::peripherals
