// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/register_bank.h"

#include <systemc>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

namespace pmemvp::peripherals {

// RISC-V PLIC, QEMU virt layout (sources 1..95; context 0 = hart 0 M-mode, context 1 = hart 0
// S-mode): priorities at 4*source, pending bits at 0x1000, enables at 0x2000 + 0x80*context,
// threshold and claim/complete at 0x200000 + 0x1000*context. Sources are level-triggered.
class plic : public sc_core::sc_module, public irq_sink {
public:
    static constexpr unsigned sources = 96; // 0 is "no interrupt"
    static constexpr unsigned contexts = 2;

    tlm_utils::simple_target_socket<plic> socket;
    irq_line context_irq[contexts]; // context 0 drives the hart's MEIP

    explicit plic(const sc_core::sc_module_name& name);

    void set_irq(unsigned source, bool level) override;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) { return regs_.transport_dbg(gp); }
    unsigned best_pending(unsigned context) const; // 0 if none above the threshold
    void update();

    register_bank regs_;
    std::vector<std::uint32_t> priority_ = std::vector<std::uint32_t>(sources);
    static constexpr unsigned words = sources / 32;
    // One bit per source.
    std::uint32_t level_[words] = {}, pending_[words] = {}, in_service_[words] = {};
    static bool bit(const std::uint32_t* v, unsigned s) { return v[s / 32] >> (s % 32) & 1; }
    static void put(std::uint32_t* v, unsigned s, bool on) {
        v[s / 32] = on ? v[s / 32] | (1u << (s % 32)) : v[s / 32] & ~(1u << (s % 32));
    }
    std::vector<std::uint32_t> enable_ = std::vector<std::uint32_t>(contexts * sources / 32);
    std::uint32_t threshold_[contexts] = {};
    logger log_;
};

} // namespace pmemvp::peripherals
