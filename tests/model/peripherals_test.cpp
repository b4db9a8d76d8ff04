// SPDX-License-Identifier: Apache-2.0
// CLINT, PLIC, UART 16550 and test finisher at register level.
#include "pmemvp/peripherals/clint.h"
#include "pmemvp/peripherals/plic.h"
#include "pmemvp/peripherals/test_finisher.h"
#include "pmemvp/peripherals/uart16550.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/router.h"

#include <cstdio>
#include <map>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using namespace pmemvp::peripherals;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

namespace {

struct irq_recorder : irq_sink {
    std::map<unsigned, bool> level;
    std::map<unsigned, sc_time> last_rise;
    void set_irq(unsigned line, bool l) override {
        if (l && !level[line]) last_rise[line] = sc_core::sc_time_stamp();
        level[line] = l;
    }
};

struct bench : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    router bus{"bus"};
    clint timer{"clint"};
    plic intc{"plic"};
    std::FILE* uart_out = std::tmpfile();
    uart16550 uart{"uart", uart_out};
    test_finisher finisher{"finisher"};
    irq_recorder irqs;
    std::vector<std::pair<int, sc_time>> exits;
    int resets = 0;
    int power_failures = 0;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(0x0000000, 0x10000, timer.socket, "clint");
        bus.map(0x1000000, 0x600000, intc.socket, "plic");
        bus.map(0x2000000, 0x100, uart.socket, "uart");
        bus.map(0x3000000, 0x1000, finisher.socket, "finisher");
        cpu.bind(bus.in);
        timer.msip.bind(irqs, 3);
        timer.mtip.bind(irqs, 7);
        intc.context_irq[0].bind(irqs, 11);
        uart.irq.bind(irqs, 100);
        finisher.on_exit = [this](int status, const sc_time& when) { exits.emplace_back(status, when); };
        finisher.on_reset = [this](const sc_time&) { ++resets; };
        finisher.on_power_fail = [this](const sc_time&) { ++power_failures; };
    }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, std::uint64_t& v,
                                    unsigned len, sc_time delay = sc_core::SC_ZERO_TIME) {
        return test::tlm_access(*cpu.operator->(), cmd, addr, &v, len, nullptr, delay);
    }
    std::uint64_t read(std::uint64_t addr, unsigned len, sc_time delay = sc_core::SC_ZERO_TIME) {
        std::uint64_t v = 0;
        EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, v, len, delay), tlm::TLM_OK_RESPONSE);
        return v;
    }
    void write(std::uint64_t addr, std::uint64_t v, unsigned len, sc_time delay = sc_core::SC_ZERO_TIME) {
        EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, v, len, delay), tlm::TLM_OK_RESPONSE);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

std::string uart_output() {
    std::fflush(tb().uart_out);
    std::rewind(tb().uart_out);
    std::string s;
    for (int c; (c = std::fgetc(tb().uart_out)) != EOF;) s += static_cast<char>(c);
    return s;
}

} // namespace

TEST(clint, mtime_counts_at_10_mhz_including_the_callers_local_time) {
    const sc_time start = sc_core::sc_time_stamp();
    const std::uint64_t t0 = tb().read(0xbff8, 8);
    EXPECT_EQ(t0, static_cast<std::uint64_t>(start / sc_time(100, SC_NS)));
    sc_core::sc_start(1, SC_US);
    EXPECT_EQ(tb().read(0xbff8, 8), t0 + 10);
    EXPECT_EQ(tb().read(0xbff8, 8, sc_time(300, SC_NS)), t0 + 13);
}

TEST(clint, timer_interrupt_rises_exactly_at_mtimecmp) {
    const std::uint64_t now = tb().read(0xbff8, 8);
    const sc_time base = sc_core::sc_time_stamp();
    tb().write(0x4000, now + 15, 8);
    EXPECT_FALSE(tb().irqs.level[7]);
    sc_core::sc_start(1, SC_US);
    EXPECT_FALSE(tb().irqs.level[7]);
    sc_core::sc_start(1, SC_US);
    EXPECT_TRUE(tb().irqs.level[7]);
    EXPECT_EQ(tb().irqs.last_rise[7], base + sc_time(1500, SC_NS));
    tb().write(0x4000, ~0ull, 8); // acknowledge by moving the deadline away
    EXPECT_FALSE(tb().irqs.level[7]);
    tb().write(0x4000, 0, 8);     // a deadline in the past fires at once
    EXPECT_TRUE(tb().irqs.level[7]);
    tb().write(0x4000, ~0ull, 8);
}

TEST(clint, mtimecmp_halves_and_msip) {
    tb().write(0x4004, 0x12345678, 4);
    EXPECT_EQ(tb().read(0x4004, 4), 0x12345678u);
    tb().write(0x4000, ~0ull, 8);
    tb().write(0x0, 1, 4);
    EXPECT_TRUE(tb().irqs.level[3]);
    EXPECT_EQ(tb().read(0x0, 4), 1u);
    tb().write(0x0, 0, 4);
    EXPECT_FALSE(tb().irqs.level[3]);
}

TEST(plic, claim_complete_priority_and_threshold) {
    const std::uint64_t plic = 0x1000000;
    tb().write(plic + 4 * 10, 3, 4);              // priority of source 10
    tb().write(plic + 0x2000, 1u << 10, 4);       // context 0 enables source 10
    tb().intc.set_irq(10, true);
    EXPECT_TRUE(tb().irqs.level[11]);
    EXPECT_EQ(tb().read(plic + 0x1000, 4), 1u << 10) << "pending bit";
    EXPECT_EQ(tb().read(plic + 0x200004, 4), 10u) << "claim";
    EXPECT_FALSE(tb().irqs.level[11]) << "claimed: no longer pending";
    tb().write(plic + 0x200004, 10, 4);           // complete while the line is still high
    EXPECT_TRUE(tb().irqs.level[11]);
    tb().write(plic + 0x200000, 3, 4);            // threshold 3 masks priority 3
    EXPECT_FALSE(tb().irqs.level[11]);
    tb().write(plic + 0x200000, 0, 4);
    tb().intc.set_irq(10, false);
    EXPECT_FALSE(tb().irqs.level[11]) << "a level source that drops is no longer pending";
    EXPECT_EQ(tb().read(plic + 0x200004, 4), 0u) << "nothing to claim";
}

TEST(plic, a_debug_read_of_claim_shows_the_source_and_claims_nothing) {
    const std::uint64_t plic = 0x1000000;
    tb().write(plic + 4 * 11, 2, 4);              // priority of source 11
    tb().write(plic + 0x2000, 1u << 11, 4);       // context 0 enables it
    tb().intc.set_irq(11, true);
    ASSERT_TRUE(tb().irqs.level[11]);
    std::uint32_t v = 0;
    tlm::tlm_generic_payload gp;
    gp.set_read();
    gp.set_address(plic + 0x200004);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(4);
    EXPECT_EQ(tb().cpu->transport_dbg(gp), 4u);
    EXPECT_EQ(v, 11u) << "what a claim would return";
    EXPECT_TRUE(tb().irqs.level[11]) << "still pending: a debugger claims nothing";
    EXPECT_EQ(tb().read(plic + 0x200004, 4), 11u) << "the real claim";
    tb().write(plic + 0x200004, 11, 4);
    tb().intc.set_irq(11, false);
    tb().write(plic + 0x2000, 0, 4);
}

TEST(uart, transmits_and_keeps_divisor_bytes_out_of_the_output) {
    const std::uint64_t uart = 0x2000000;
    EXPECT_EQ(tb().read(uart + 5, 1), 0x60u) << "LSR: transmitter empty";
    tb().write(uart + 3, 0x80, 1); // DLAB
    tb().write(uart + 0, 0x01, 1); // divisor, not data
    tb().write(uart + 3, 0x03, 1);
    tb().write(uart + 0, 'o', 1);
    tb().write(uart + 0, 'k', 1);
    EXPECT_EQ(uart_output(), "ok");
    EXPECT_EQ(tb().uart.bytes_written(), 2u);
}

TEST(uart, transmitter_empty_interrupt) {
    const std::uint64_t uart = 0x2000000;
    tb().write(uart + 1, 0x02, 1); // IER: THRE interrupt
    EXPECT_TRUE(tb().irqs.level[100]);
    EXPECT_EQ(tb().read(uart + 2, 1) & 0x0f, 0x02u) << "IIR names THRE";
    EXPECT_FALSE(tb().irqs.level[100]) << "reading IIR clears it";
    tb().write(uart + 0, '!', 1);
    EXPECT_TRUE(tb().irqs.level[100]);
    tb().write(uart + 1, 0x00, 1);
    EXPECT_FALSE(tb().irqs.level[100]);
}

TEST(finisher, pass_fail_reset_and_bad_commands) {
    const std::uint64_t fin = 0x3000000;
    tb().write(fin, 0x5555, 4, sc_time(7, SC_NS));
    tb().write(fin, (3u << 16) | 0x3333, 4);
    tb().write(fin, 0x7777, 4);
    ASSERT_EQ(tb().exits.size(), 2u);
    EXPECT_EQ(tb().exits[0].first, 0);
    EXPECT_EQ(tb().exits[0].second, sc_core::sc_time_stamp() + sc_time(7, SC_NS));
    EXPECT_EQ(tb().exits[1].first, 3);
    EXPECT_EQ(tb().resets, 1);
    tb().write(fin, 0x9999, 4);
    EXPECT_EQ(tb().power_failures, 1) << "pmemvp's power-failure command";
    {
        test::expect_report warning(sc_core::SC_WARNING, "unknown finisher command");
        tb().write(fin, 0x1234, 4);
        EXPECT_EQ(warning.count(), 1u);
    }
    std::uint64_t v = 0;
    EXPECT_EQ(tb().access(tlm::TLM_WRITE_COMMAND, fin, v, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(tb().exits.size(), 2u);
}
