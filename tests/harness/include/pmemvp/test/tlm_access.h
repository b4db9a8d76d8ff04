// SPDX-License-Identifier: Apache-2.0
#pragma once
// One TLM access from a test, through any forward interface (an initiator socket's ->).
#include <cstdint>
#include <systemc>
#include <tlm>

namespace pmemvp::test {

inline tlm::tlm_response_status tlm_access(tlm::tlm_fw_transport_if<>& target, tlm::tlm_command cmd,
                                           std::uint64_t addr, void* data, unsigned length,
                                           sc_core::sc_time* delay_out = nullptr,
                                           sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(length);
    gp.set_streaming_width(length);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    target.b_transport(gp, delay);
    if (delay_out) *delay_out = delay;
    return gp.get_response_status();
}

} // namespace pmemvp::test
