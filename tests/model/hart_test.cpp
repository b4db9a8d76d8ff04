// SPDX-License-Identifier: Apache-2.0
// The RISC-V hart as a TLM model: decode cache against DMI invalidation, DMI latencies as
// timing, cache-block operations reaching the memory system with the persistence extension.
#include "pmemvp/riscv/hart.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/persistence_extension.h"
#include "pmemvp/tlm/router.h"

#include <cstring>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

using namespace pmemvp;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

namespace {

// Instruction encoders for the few instructions these programs need.
std::uint32_t addi(unsigned rd, unsigned rs1, int imm) {
    return (static_cast<std::uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
std::uint32_t lui(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
std::uint32_t ld(unsigned rd, unsigned rs1, int imm) {
    return (static_cast<std::uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
}
std::uint32_t jal(unsigned rd, int offset) {
    const std::uint32_t o = static_cast<std::uint32_t>(offset);
    return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) |
           (((o >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
std::uint32_t cbo(unsigned rs1, unsigned which) { // 0 inval, 1 clean, 2 flush
    return (which << 20) | (rs1 << 15) | (2 << 12) | 0x0f;
}
constexpr unsigned a0 = 10, a1 = 11, a2 = 12;

// Records cache-block operations.
struct cbo_recorder : sc_core::sc_module {
    tlm_utils::simple_target_socket<cbo_recorder> socket{"socket"};
    struct event { persist_op op; std::uint64_t pc, address; unsigned length; };
    std::vector<event> events;
    explicit cbo_recorder(const sc_core::sc_module_name& n) : sc_module(n) {
        socket.register_b_transport(this, &cbo_recorder::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time&) {
        auto* ext = gp.get_extension<persistence_extension>();
        if (ext && gp.get_command() == tlm::TLM_IGNORE_COMMAND)
            events.push_back({ext->op, ext->pc, gp.get_address(), gp.get_data_length()});
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

riscv::hart_config at(std::uint64_t pc) {
    riscv::hart_config c;
    c.reset_pc = pc;
    return c;
}

struct bench : sc_core::sc_module {
    std::vector<unsigned char> ram_mem = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_mem.data(), ram_mem.size(), true, sc_time(10, SC_NS), sc_time(5, SC_NS)};
    cbo_recorder recorder{"recorder"};
    riscv::hart spinner{"spinner", at(0x0)};
    riscv::hart loader{"loader", at(0x100)};
    riscv::hart flusher{"flusher", at(0x200)};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(0x0, ram_mem.size(), ram.socket, "ram");
        bus.map(0x10000, 0x1000, recorder.socket, "recorder");
        for (auto* h : {&spinner, &loader, &flusher}) h->socket.bind(bus.in);
        put(0x000, {addi(a0, 0, 5), jal(0, -4)});
        put(0x100, {lui(a1, 0x1), ld(a2, a1, 0), jal(0, -4)});
        put(0x200, {lui(a0, 0x10), cbo(a0, 1), cbo(a0, 2), cbo(a0, 0), jal(0, 0)});
    }
    void put(std::uint64_t addr, std::vector<std::uint32_t> code) {
        std::memcpy(ram_mem.data() + addr, code.data(), code.size() * 4);
    }
};

bench& tb() {
    static bench* b = [] {
        tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
        return new bench("tb");
    }();
    return *b;
}

// Elaborates the bench first if needed, then runs for `t`.
void run_for(const sc_time& t) {
    tb();
    sc_core::sc_start(t);
}

} // namespace

TEST(hart, decoded_code_is_kept_until_dmi_is_invalidated) {
    run_for(sc_time(1, SC_US));
    EXPECT_EQ(tb().spinner.x(a0), 5u);
    tb().put(0x000, {addi(a0, 0, 7)});
    run_for(sc_time(1, SC_US));
    EXPECT_EQ(tb().spinner.x(a0), 5u) << "the decode cache still holds the old instruction";
    tb().ram.invalidate_dmi();
    run_for(sc_time(1, SC_US));
    EXPECT_EQ(tb().spinner.x(a0), 7u) << "invalidation makes the hart fetch again";
}

TEST(hart, dmi_latencies_are_stall_cycles) {
    const auto& h = tb().loader;
    const std::uint64_t instructions = h.instructions(), cycles = h.cycles();
    ASSERT_GT(instructions, 100u);
    // lui once, then ld (10 ns = 10 cycles of read latency) and jal alternate.
    const std::uint64_t stall = cycles - instructions;
    EXPECT_EQ(stall % 10, 0u);
    EXPECT_GE(stall / 10, (instructions - 2) / 2);
    EXPECT_LE(stall / 10, instructions / 2);
}

TEST(hart, time_is_decoupled_within_the_quantum_only) {
    for (const auto* h : {&tb().spinner, &tb().loader, &tb().flusher})
        EXPECT_LE(h->local_time(), sc_time(1, SC_US) + sc_time(20, SC_NS)) << h->name();
}

TEST(hart, cache_block_operations_carry_the_persistence_extension) {
    const auto& events = tb().recorder.events;
    ASSERT_EQ(events.size(), 3u);
    const persist_op expected[] = {persist_op::clean, persist_op::flush, persist_op::inval};
    for (unsigned i = 0; i < 3; ++i) {
        EXPECT_EQ(events[i].op, expected[i]);
        EXPECT_EQ(events[i].pc, 0x204u + 4 * i);
        EXPECT_EQ(events[i].address, 0u) << "relative to the recorder's base";
        EXPECT_EQ(events[i].length, 64u);
    }
}
