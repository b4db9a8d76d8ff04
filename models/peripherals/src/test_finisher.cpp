// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/peripherals/test_finisher.h"

#include <cstring>

namespace pmemvp::peripherals {

test_finisher::test_finisher(const sc_core::sc_module_name& name)
    : sc_module(name), socket("socket"), log_(this->name()) {
    socket.register_b_transport(this, &test_finisher::b_transport);
}

void test_finisher::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    // 16- and 32-bit accesses, as QEMU's sifive_test takes them (OpenSBI writes 16 bits).
    const unsigned length = gp.get_data_length();
    if (gp.get_address() != 0 || (length != 4 && length != 2)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (!gp.is_write()) {
        std::memset(gp.get_data_ptr(), 0, length);
        return;
    }
    std::uint32_t v = 0;
    std::memcpy(&v, gp.get_data_ptr(), length);
    const sc_core::sc_time when = sc_core::sc_time_stamp() + delay;
    switch (v & 0xffff) {
    case 0x5555:
        if (on_exit) on_exit(0, when);
        break;
    case 0x3333:
        if (on_exit) on_exit(static_cast<int>(v >> 16), when);
        break;
    case 0x7777:
        if (on_reset) on_reset(when);
        break;
    case 0x9999:
        if (on_power_fail) on_power_fail(when);
        break;
    default:
        log_.warn("unknown finisher command 0x", std::hex, v, " ignored; write 0x5555 (pass), "
                  "0x3333 | code << 16 (fail), 0x7777 (reset) or 0x9999 (power failure)");
    }
}

} // namespace pmemvp::peripherals
