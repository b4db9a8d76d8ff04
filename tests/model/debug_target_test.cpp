// SPDX-License-Identifier: Apache-2.0
// The hart as a debug target: its register list, register and memory access by a debugger
// (physical, and virtual under Sv39 without touching A/D), breakpoints, single steps and stop
// requests, and that none of it changes what is simulated: a program stopped at breakpoints,
// stepped all the way or read between steps ends with the same cycles, instructions, simulated
// time and registers as when it runs freely.
#include "pmemvp/riscv/hart.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/riscv_asm.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace pmemvp;
using cpu::address_space;
using cpu::stop_reason;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_MS;

namespace pmemvp::cpu {
void PrintTo(stop_reason r, std::ostream* os) {
    static const char* const names[] = {"none", "breakpoint", "watchpoint", "step", "request"};
    *os << names[static_cast<int>(r)];
}
} // namespace pmemvp::cpu

namespace {

using namespace pmemvp::test::rv;
enum csr : unsigned { stimecmp = 0x14d, mstatus = 0x300, mie = 0x304, mtvec = 0x305, menvcfg = 0x30a,
                      time_ = 0xc01 };


// ---- the platform: three independent systems (bus, RAM, hart) in one elaboration -------------

constexpr std::uint64_t ram_base = 0x80000000, ram_size = 1 << 20;
const std::vector<insn> idle_code{wfi(), jal(zero, -4)};

// Notes the hart's time and counts when it stores to one address (the end of a program).
struct end_watch : store_observer {
    const riscv::hart* hart = nullptr;
    std::uint64_t offset = ~0ull;
    sc_time at;
    void before_store(std::uint64_t o, std::uint64_t, std::uint64_t) override {
        if (o == offset) at = hart->now();
    }
};

riscv::hart_config at_ram() {
    riscv::hart_config c;
    c.reset_pc = ram_base;
    return c;
}

struct platform : sc_core::sc_module {
    std::vector<unsigned char> mem = std::vector<unsigned char>(ram_size);
    router bus{"bus"};
    memory_target ram{"ram", mem.data(), ram_size, true, sc_time(10, SC_NS), sc_time(5, SC_NS)};
    riscv::hart cpu{"cpu", at_ram()};
    end_watch watch;

    explicit platform(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_size, ram.socket, "ram");
        cpu.socket.bind(bus.in);
        watch.hart = &cpu;
        ram.set_store_observer(&watch);
        put(0, idle_code); // asleep until a test loads a program and resets the hart
    }
    void put(std::uint64_t offset, const std::vector<insn>& code) {
        std::memcpy(mem.data() + offset, code.data(), code.size() * 4);
    }
    std::uint64_t get64(std::uint64_t offset) const {
        std::uint64_t v;
        std::memcpy(&v, mem.data() + offset, 8);
        return v;
    }
    void set64(std::uint64_t offset, std::uint64_t v) { std::memcpy(mem.data() + offset, &v, 8); }
    // Loads a program at the reset address and starts it (at the next sc_start).
    void restart(const std::vector<insn>& code) {
        put(0, code);
        cpu.reset();
    }
};

struct bench : sc_core::sc_module {
    platform idle{"idle"};         // registers and memory
    platform looper{"looper"};     // breakpoints, steps, stop requests
    platform timeline{"timeline"}; // the same program with and without a debugger
    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

unsigned index_of(const cpu::debug_target& t, const std::string& name) {
    const auto& regs = t.debug_registers();
    for (unsigned i = 0; i < regs.size(); ++i)
        if (regs[i].name == name) return i;
    ADD_FAILURE() << "no register " << name;
    return ~0u;
}

std::uint64_t read(cpu::debug_target& t, const std::string& name) {
    std::uint64_t v = 0;
    EXPECT_TRUE(t.read_register(index_of(t, name), v)) << name;
    return v;
}

// The looper's program: counts a0 to 40960, storing each value at 0x400, then sleeps.
constexpr std::uint64_t loop_at = ram_base + 0xc, store_at = ram_base + 0x10, count_at = 0x400;
constexpr std::uint64_t loop_count = 0xa000;
const std::vector<insn> loop_code{
    auipc(s0, 0), addi(a0, zero, 0), lui(a1, loop_count >> 12),
    addi(a0, a0, 1), sd(a0, s0, count_at), bne(a0, a1, -8), // loop_at: 3 instructions
    wfi(), jal(zero, -4),
};

// Runs for up to `t`; true if the simulation paused before (a CPU stopped).
bool run_for(const sc_time& t) {
    const sc_time until = sc_core::sc_time_stamp() + t;
    sc_core::sc_start(t);
    return sc_core::sc_time_stamp() < until;
}

// Runs the looper to its end (after a test stopped it) and checks it got there.
void finish_looper() {
    auto& h = tb().looper.cpu;
    h.on_stop = nullptr;
    h.resume();
    for (int again = 0; run_for(sc_time(1, SC_MS)) && again < 10; ++again) {
        ADD_FAILURE() << "stopped again after resume(), reason " << testing::PrintToString(h.last_stop())
                      << ", pc 0x" << std::hex << h.pc();
        h.resume();
    }
    EXPECT_EQ(h.x(a0), loop_count);
    EXPECT_TRUE(h.waiting_for_interrupt());
}

} // namespace

// ---- registers ---------------------------------------------------------------------------------

TEST(debug_target, the_register_list_has_x0_to_x31_by_abi_name_then_pc_priv_and_the_csrs) {
    const auto& regs = tb().idle.cpu.debug_registers();
    ASSERT_GE(regs.size(), 34u + 30u);
    const char* abi[] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0",
                         "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                         "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    for (unsigned i = 0; i < 32; ++i) {
        EXPECT_EQ(regs[i].name, abi[i]);
        EXPECT_EQ(regs[i].number, i);
        EXPECT_EQ(regs[i].bits, 64u);
        EXPECT_EQ(regs[i].group, "general");
    }
    EXPECT_EQ(regs[32].name, "pc");
    EXPECT_EQ(regs[33].name, "priv");
    const std::map<std::string, unsigned> csrs{{"sstatus", 0x100}, {"satp", 0x180}, {"mstatus", 0x300},
                                               {"mtvec", 0x305}, {"mepc", 0x341}, {"mcause", 0x342},
                                               {"mip", 0x344}, {"mcycle", 0xb00}, {"minstret", 0xb02},
                                               {"time", 0xc01}, {"mhartid", 0xf14}};
    for (const auto& [name, number] : csrs) {
        const unsigned i = index_of(tb().idle.cpu, name);
        ASSERT_LT(i, regs.size());
        EXPECT_GE(i, 34u) << name;
        EXPECT_EQ(regs[i].number, number) << name;
        EXPECT_EQ(regs[i].group, "csr") << name;
    }
    std::set<std::string> names;
    for (const auto& r : regs) EXPECT_TRUE(names.insert(r.name).second) << "twice: " << r.name;
}

TEST(debug_target, x_registers_pc_and_priv_are_read_and_written_and_x0_stays_zero) {
    auto& h = tb().idle.cpu;
    std::uint64_t v = 0;
    EXPECT_TRUE(h.write_register(5, 0x1122334455667788));
    EXPECT_EQ(h.x(5), 0x1122334455667788u);
    EXPECT_TRUE(h.read_register(5, v));
    EXPECT_EQ(v, 0x1122334455667788u);
    h.write_register(0, 42);
    EXPECT_TRUE(h.read_register(0, v));
    EXPECT_EQ(v, 0u) << "a write to x0 is ignored";
    EXPECT_TRUE(h.write_register(32, ram_base + 0x100));
    EXPECT_EQ(h.pc(), ram_base + 0x100);
    EXPECT_TRUE(h.write_register(33, 1));
    EXPECT_EQ(h.privilege(), 1u);
    EXPECT_EQ(read(h, "priv"), 1u);
    EXPECT_FALSE(h.write_register(33, 2)) << "no such privilege";
    const unsigned count = static_cast<unsigned>(h.debug_registers().size());
    EXPECT_FALSE(h.read_register(count, v));
    EXPECT_FALSE(h.write_register(count, 0));
    EXPECT_FALSE(h.read_register(~0u, v));
    h.reset();
}

TEST(debug_target, csrs_are_read_and_written_and_read_only_ones_refuse_writes) {
    auto& h = tb().idle.cpu;
    auto write = [&](const std::string& name, std::uint64_t v) { return h.write_register(index_of(h, name), v); };
    EXPECT_TRUE(write("mepc", ram_base + 0x1234));
    EXPECT_EQ(read(h, "mepc"), ram_base + 0x1234);
    EXPECT_TRUE(write("mscratch", 0xfeedface));
    EXPECT_EQ(read(h, "mscratch"), 0xfeedfaceu);
    EXPECT_TRUE(write("satp", 8ull << 60 | 0x80123));
    EXPECT_EQ(read(h, "satp"), 8ull << 60 | 0x80123);
    EXPECT_TRUE(write("mstatus", 1ull << 18 | 1ull << 11)); // SUM, MPP=S
    EXPECT_EQ(read(h, "mstatus") & (1ull << 18 | 3ull << 11), 1ull << 18 | 1ull << 11);
    EXPECT_EQ(read(h, "sstatus") & (1ull << 18), 1ull << 18);
    EXPECT_TRUE(write("mcycle", 1000000));
    EXPECT_EQ(read(h, "mcycle"), 1000000u);
    EXPECT_EQ(read(h, "cycle"), 1000000u);
    const std::uint64_t hartid = read(h, "mhartid");
    EXPECT_FALSE(write("mhartid", 7));
    EXPECT_EQ(read(h, "mhartid"), hartid);
    EXPECT_FALSE(write("time", 5));
    EXPECT_FALSE(write("mvendorid", 5));
    h.reset();
}

TEST(debug_target, a_debugger_write_of_minstret_reads_back_the_value_written) {
    auto& h = tb().idle.cpu;
    EXPECT_TRUE(h.write_register(index_of(h, "minstret"), 5000));
    EXPECT_EQ(read(h, "minstret"), 5000u) << "no instruction retired between the write and the read";
    EXPECT_TRUE(h.write_register(index_of(h, "instret"), 6000));
    EXPECT_EQ(read(h, "instret"), 6000u);
    h.reset();
}

TEST(debug_target, every_register_is_readable_and_writing_back_what_was_read_changes_nothing) {
    auto& h = tb().idle.cpu;
    const auto& regs = h.debug_registers();
    std::vector<std::uint64_t> before(regs.size());
    for (unsigned i = 0; i < regs.size(); ++i) EXPECT_TRUE(h.read_register(i, before[i])) << regs[i].name;
    for (unsigned i = 0; i < regs.size(); ++i) {
        const bool read_only = regs[i].group == "csr" && (regs[i].number >> 10) == 3 &&
                               regs[i].name != "cycle" && regs[i].name != "instret";
        EXPECT_EQ(h.write_register(i, before[i]), !read_only) << regs[i].name;
    }
    for (unsigned i = 0; i < regs.size(); ++i) {
        std::uint64_t v = 0;
        EXPECT_TRUE(h.read_register(i, v));
        EXPECT_EQ(v, before[i]) << regs[i].name;
    }
}

// ---- memory ------------------------------------------------------------------------------------

TEST(debug_target, physical_memory_is_read_and_written_up_to_the_end_of_ram) {
    auto& s = tb().idle;
    const unsigned char data[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    EXPECT_EQ(s.cpu.write_memory(ram_base + 0x8ff8, data, 16, address_space::physical), 16u);
    EXPECT_EQ(std::memcmp(s.mem.data() + 0x8ff8, data, 16), 0);
    unsigned char back[16] = {};
    EXPECT_EQ(s.cpu.read_memory(ram_base + 0x8ff8, back, 16, address_space::physical), 16u);
    EXPECT_EQ(std::memcmp(back, data, 16), 0);
    EXPECT_EQ(s.cpu.read_memory(ram_base + ram_size - 8, back, 16, address_space::physical), 8u)
        << "the bytes up to the hole after RAM";
    EXPECT_EQ(std::memcmp(back, s.mem.data() + ram_size - 8, 8), 0);
    EXPECT_EQ(s.cpu.read_memory(0x1000, back, 16, address_space::physical), 0u);
    EXPECT_EQ(s.cpu.write_memory(ram_base + ram_size - 4, data, 16, address_space::physical), 4u);
}

namespace {
using namespace riscv::sv39;
constexpr std::uint64_t root_at = 0x80000, level1_at = 0x81000, level0_at = 0x82000, page_at = 0x90000;
constexpr std::uint64_t page_va = 0x10000000;
std::uint64_t leaf(std::uint64_t pa, std::uint64_t bits) { return (pa >> 12) << 10 | pte_v | bits; }

// In the idle platform: VA page_va -> page_at (R, W, no A/D), page_va + 4K unmapped,
// page_va + 8K -> page_at + 8K (X and U only). The hart in S-mode with Sv39 on.
void map_and_enter_s_mode(platform& s) {
    std::memset(s.mem.data() + root_at, 0, 3 * 4096);
    s.set64(root_at, (ram_base + level1_at) >> 12 << 10 | pte_v);
    s.set64(level1_at + 8 * ((page_va >> 21) & 0x1ff), (ram_base + level0_at) >> 12 << 10 | pte_v);
    s.set64(level0_at + 0, leaf(ram_base + page_at, pte_r | pte_w));
    s.set64(level0_at + 16, leaf(ram_base + page_at + 0x2000, pte_x | pte_u));
    ASSERT_TRUE(s.cpu.write_register(index_of(s.cpu, "priv"), priv_s));
    ASSERT_TRUE(s.cpu.write_register(index_of(s.cpu, "satp"), 8ull << 60 | (ram_base + root_at) >> 12));
}
} // namespace

TEST(debug_target, virtual_memory_goes_through_the_page_tables_and_stops_at_an_unmapped_page) {
    auto& s = tb().idle;
    map_and_enter_s_mode(s);
    for (unsigned i = 0; i < 0x2000; ++i) s.mem[page_at + i] = static_cast<unsigned char>(i * 7);
    const unsigned char data[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    EXPECT_EQ(s.cpu.write_memory(page_va + 0xff0, data, 16, address_space::virtual_memory), 16u);
    EXPECT_EQ(std::memcmp(s.mem.data() + page_at + 0xff0, data, 16), 0);
    unsigned char back[16] = {};
    EXPECT_EQ(s.cpu.read_memory(page_va + 0xff8, back, 16, address_space::virtual_memory), 8u)
        << "the bytes of the mapped page only";
    EXPECT_EQ(std::memcmp(back, data + 8, 8), 0);
    EXPECT_EQ(s.cpu.read_memory(page_va + 0x1000, back, 8, address_space::virtual_memory), 0u);
    EXPECT_EQ(s.cpu.write_memory(page_va + 0x1ffc, data, 8, address_space::virtual_memory), 0u);
    s.mem[page_at + 0x2000] = 0x5a;
    EXPECT_EQ(s.cpu.read_memory(page_va + 0x2000, back, 1, address_space::virtual_memory), 1u)
        << "a debugger reads a page the guest may only execute";
    EXPECT_EQ(back[0], 0x5a);
    EXPECT_EQ(s.get64(level0_at + 0) & (pte_a | pte_d), 0u) << "a debug access sets neither A nor D";
    EXPECT_EQ(s.get64(level0_at + 16) & (pte_a | pte_d), 0u);
    // In M-mode, virtual is physical, whatever satp says.
    ASSERT_TRUE(s.cpu.write_register(index_of(s.cpu, "priv"), priv_m));
    EXPECT_EQ(s.cpu.read_memory(ram_base + page_at + 0xff0, back, 16, address_space::virtual_memory), 16u);
    EXPECT_EQ(std::memcmp(back, data, 16), 0);
    s.cpu.reset();
}

// ---- run control -------------------------------------------------------------------------------

TEST(debug_target, a_breakpoint_stops_the_core_before_its_instruction_on_every_iteration_until_removed) {
    auto& s = tb().looper;
    std::vector<stop_reason> stops;
    s.cpu.on_stop = [&](stop_reason r) { stops.push_back(r); };
    s.restart(loop_code);
    s.cpu.add_breakpoint(store_at);
    EXPECT_TRUE(run_for(sc_time(100, SC_US))) << "sc_start returns early";
    EXPECT_EQ(stops, std::vector<stop_reason>{stop_reason::breakpoint});
    EXPECT_TRUE(s.cpu.stopped());
    EXPECT_EQ(s.cpu.last_stop(), stop_reason::breakpoint);
    EXPECT_EQ(s.cpu.pc(), store_at);
    EXPECT_EQ(s.cpu.x(a0), 1u);
    EXPECT_EQ(s.get64(count_at), 0u) << "stopped before the store";
    EXPECT_TRUE(run_for(sc_time(100, SC_US))) << "still stopped";
    EXPECT_EQ(stops.size(), 1u);

    s.cpu.resume();
    EXPECT_FALSE(s.cpu.stopped());
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(stops.size(), 2u);
    EXPECT_EQ(s.cpu.pc(), store_at);
    EXPECT_EQ(s.cpu.x(a0), 2u) << "the next iteration";
    EXPECT_EQ(s.get64(count_at), 1u);

    s.cpu.remove_breakpoint(store_at);
    finish_looper();
    EXPECT_EQ(stops.size(), 2u);
    EXPECT_EQ(s.get64(count_at), loop_count);
}

TEST(debug_target, a_write_watchpoint_stops_before_the_store_and_resuming_executes_it) {
    auto& s = tb().looper;
    std::vector<stop_reason> stops;
    s.cpu.on_stop = [&](stop_reason r) { stops.push_back(r); };
    s.set64(count_at, 0);
    s.restart(loop_code);
    s.cpu.add_watchpoint(ram_base + count_at + 4, 2, cpu::watch_kind::write); // inside the sd
    s.cpu.add_watchpoint(ram_base + count_at + 8, 8, cpu::watch_kind::write); // next to it: never hit
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(stops, std::vector<stop_reason>{stop_reason::watchpoint});
    EXPECT_EQ(s.cpu.pc(), store_at) << "at the storing instruction";
    EXPECT_EQ(s.cpu.last_watch().address, ram_base + count_at + 4);
    EXPECT_EQ(s.cpu.last_watch().kind, cpu::watch_kind::write);
    EXPECT_EQ(s.get64(count_at), 0u) << "before the store";
    const std::uint64_t instret = s.cpu.instructions();
    s.cpu.resume();
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(stops.size(), 2u);
    EXPECT_EQ(s.get64(count_at), 1u) << "the store was done once";
    EXPECT_EQ(s.cpu.instructions(), instret + 3) << "one iteration: store, bne, addi";
    s.cpu.remove_watchpoint(ram_base + count_at + 4, 2, cpu::watch_kind::write);
    s.cpu.remove_watchpoint(ram_base + count_at + 8, 8, cpu::watch_kind::write);
    finish_looper();
    EXPECT_EQ(stops.size(), 2u);
}

TEST(debug_target, a_read_watchpoint_ignores_stores_and_an_access_watchpoint_sees_both) {
    auto& s = tb().looper;
    std::vector<stop_reason> stops;
    s.cpu.on_stop = [&](stop_reason r) { stops.push_back(r); };
    s.restart(loop_code); // stores only
    s.cpu.add_watchpoint(ram_base + count_at, 8, cpu::watch_kind::read);
    EXPECT_FALSE(run_for(sc_time(1, SC_MS))) << "the loop only stores: no stop";
    EXPECT_TRUE(stops.empty());
    s.cpu.remove_watchpoint(ram_base + count_at, 8, cpu::watch_kind::read);
    s.restart(loop_code);
    s.cpu.add_watchpoint(ram_base + count_at, 1, cpu::watch_kind::access);
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(stops, std::vector<stop_reason>{stop_reason::watchpoint});
    EXPECT_EQ(s.cpu.last_watch().kind, cpu::watch_kind::access);
    s.cpu.remove_watchpoint(ram_base + count_at, 1, cpu::watch_kind::access);
    finish_looper();
}

TEST(debug_target, breakpoints_never_write_guest_memory) {
    auto& s = tb().looper;
    s.restart(loop_code);
    const std::vector<unsigned char> before = s.mem;
    s.cpu.add_breakpoint(store_at);
    s.cpu.add_breakpoint(loop_at);
    EXPECT_EQ(s.mem, before);
    ASSERT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(s.mem, before);
    insn seen = 0;
    EXPECT_EQ(s.cpu.read_memory(loop_at, &seen, 4, address_space::physical), 4u);
    EXPECT_EQ(seen, loop_code[3]) << "a debugger reads the guest's instruction";
    s.cpu.remove_breakpoint(store_at);
    s.cpu.remove_breakpoint(loop_at);
    EXPECT_EQ(s.mem, before);
    finish_looper();
}

TEST(debug_target, a_step_from_a_stop_executes_exactly_one_instruction_then_stops_with_reason_step) {
    auto& s = tb().looper;
    std::vector<stop_reason> stops;
    s.cpu.on_stop = [&](stop_reason r) { stops.push_back(r); };
    s.restart(loop_code);
    s.cpu.add_breakpoint(loop_at);
    ASSERT_TRUE(run_for(sc_time(100, SC_US)));
    s.cpu.remove_breakpoint(loop_at);
    stops.clear();
    const std::uint64_t expected_pc[] = {store_at, store_at + 4, loop_at, store_at};
    for (std::uint64_t pc : expected_pc) {
        const std::uint64_t instret = s.cpu.instructions(), minstret = read(s.cpu, "minstret");
        s.cpu.step();
        EXPECT_TRUE(run_for(sc_time(100, SC_US)));
        EXPECT_TRUE(s.cpu.stopped());
        EXPECT_EQ(s.cpu.last_stop(), stop_reason::step);
        EXPECT_EQ(s.cpu.instructions(), instret + 1);
        EXPECT_EQ(read(s.cpu, "minstret"), minstret + 1);
        EXPECT_EQ(s.cpu.pc(), pc);
    }
    EXPECT_EQ(stops, std::vector<stop_reason>(4, stop_reason::step));
    EXPECT_EQ(s.get64(count_at), 1u);
    finish_looper();
}

TEST(debug_target, stepping_onto_a_breakpoint_and_stepping_again_executes_the_instruction_there) {
    auto& s = tb().looper;
    s.restart(loop_code);
    s.cpu.add_breakpoint(loop_at);
    ASSERT_TRUE(run_for(sc_time(100, SC_US)));
    for (int i = 0; i < 3; ++i) { // loop_at -> store -> bne -> loop_at (with the breakpoint)
        s.cpu.step();
        ASSERT_TRUE(run_for(sc_time(100, SC_US)));
    }
    ASSERT_EQ(s.cpu.pc(), loop_at);
    const std::uint64_t instret = s.cpu.instructions();
    s.cpu.step();
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(s.cpu.last_stop(), stop_reason::step) << "the step was not taken: stopped at the breakpoint again";
    EXPECT_EQ(s.cpu.instructions(), instret + 1);
    EXPECT_EQ(s.cpu.pc(), store_at);
    s.cpu.remove_breakpoint(loop_at);
    finish_looper();
}

TEST(debug_target, request_stop_stops_the_running_core_before_its_next_instruction) {
    auto& s = tb().looper;
    std::vector<stop_reason> stops;
    s.cpu.on_stop = [&](stop_reason r) { stops.push_back(r); };
    s.restart(loop_code);
    ASSERT_FALSE(run_for(sc_time(5, SC_US)));
    ASSERT_GT(s.cpu.x(a0), 0u);
    ASSERT_LT(s.cpu.x(a0), loop_count);
    const std::uint64_t instret = s.cpu.instructions(), pc = s.cpu.pc();
    s.cpu.request_stop();
    EXPECT_TRUE(run_for(sc_time(100, SC_US)));
    EXPECT_EQ(stops, std::vector<stop_reason>{stop_reason::request});
    EXPECT_TRUE(s.cpu.stopped());
    EXPECT_EQ(s.cpu.instructions(), instret);
    EXPECT_EQ(s.cpu.pc(), pc);
    finish_looper();
}

// Last of the looper's tests: if the request is never taken, it stays pending.
TEST(debug_target, request_stop_stops_a_core_asleep_in_wfi_and_resume_puts_it_back_to_sleep) {
    auto& s = tb().looper;
    s.restart(loop_code);
    ASSERT_FALSE(run_for(sc_time(1, SC_MS)));
    ASSERT_TRUE(s.cpu.waiting_for_interrupt());
    const std::uint64_t instret = s.cpu.instructions();
    s.cpu.request_stop();
    EXPECT_TRUE(run_for(sc_time(100, SC_US))) << "a debugger's interrupt (GDB's Ctrl-C) of an idle guest";
    EXPECT_TRUE(s.cpu.stopped());
    EXPECT_EQ(s.cpu.last_stop(), stop_reason::request);
    EXPECT_EQ(s.cpu.instructions(), instret);
    s.cpu.resume();
    EXPECT_FALSE(run_for(sc_time(100, SC_US)));
    EXPECT_TRUE(s.cpu.waiting_for_interrupt());
    EXPECT_EQ(s.cpu.instructions(), instret);
}

// ---- the simulated timeline with and without a debugger ----------------------------------------

namespace {

constexpr int data_at = 0x400, end_at = 0x408;

// A computation (loads and stores, 10 and 5 ns of latency) interrupted every 700 ns by the Sstc
// timer, then sleeping in wfi until 12 interrupts were taken; the store at end_at ends it.
program timer_program() {
    program p(ram_base);
    p << auipc(s0, 0);
    p.ref("handler", [](int o) { return addi(t0, s0, o + 4); }); // s0 is one instruction before
    p << csrw(mtvec, t0) << addi(t0, zero, 1) << slli(t0, t0, 63) << csrrs(zero, menvcfg, t0) // STCE
      << csrr(t1, time_) << addi(t1, t1, 7) << csrw(stimecmp, t1) << addi(t0, zero, 0x20)
      << csrrs(zero, mie, t0) << csrrsi(zero, mstatus, 8) << addi(s2, zero, 0) << addi(s3, zero, 300);
    p.label("loop") << ld(t2, s0, data_at) << add(t2, t2, s2) << sd(t2, s0, data_at) << addi(s2, s2, 1);
    p.ref("loop", [](int o) { return bne(s2, s3, o); });
    p.label("wait") << addi(t0, zero, 12);
    p.ref("done", [](int o) { return bge(s1, t0, o); });
    p << wfi();
    p.ref("wait", [](int o) { return jal(zero, o); });
    p.label("done") << csrw(mie, zero) << addi(t0, zero, -1) << csrw(stimecmp, t0) << sd(s1, s0, end_at);
    p.label("end") << wfi() << jal(zero, -4);
    p.label("handler") << addi(s1, s1, 1) << csrr(t1, time_) << addi(t1, t1, 7) << csrw(stimecmp, t1) << mret();
    return p;
}

// How a run ended, 50 us after it started.
struct outcome {
    std::uint64_t mcycle = 0, minstret = 0, data = 0;
    sc_time end; // of the computation, from the start
    std::array<std::uint64_t, 32> x{};
};

void expect_same(const outcome& a, const outcome& b) {
    EXPECT_EQ(a.mcycle, b.mcycle);
    EXPECT_EQ(a.minstret, b.minstret);
    EXPECT_EQ(a.end, b.end);
    EXPECT_EQ(a.data, b.data);
    for (unsigned i = 0; i < 32; ++i) EXPECT_EQ(a.x[i], b.x[i]) << "x" << i;
}

// What a debugger does each time the hart stops; empty: no debugger.
using debugger = std::function<void(riscv::hart&)>;

// Runs the timer program from the next whole millisecond (the Sstc timer reads absolute time).
outcome run_timeline(const debugger& on_stop = nullptr, bool start_stopped = false) {
    auto& s = tb().timeline;
    const auto ms = sc_time(1, SC_MS).value();
    const sc_time start = sc_time::from_value((sc_core::sc_time_stamp().value() / ms + 1) * ms);
    sc_core::sc_start(start - sc_core::sc_time_stamp());
    const program p = timer_program();
    s.set64(data_at, 0);
    s.watch.offset = end_at;
    s.watch.at = sc_core::SC_ZERO_TIME;
    s.restart(p.words());
    if (start_stopped) s.cpu.request_stop();
    const sc_time until = start + sc_time(50, SC_US);
    for (unsigned rounds = 0; sc_core::sc_time_stamp() < until; ++rounds) {
        if (rounds == 1000000) {
            ADD_FAILURE() << "the simulation keeps pausing";
            break;
        }
        sc_core::sc_start(until - sc_core::sc_time_stamp());
        if (s.cpu.stopped()) {
            EXPECT_TRUE(on_stop) << "stopped without a debugger";
            if (!on_stop) s.cpu.resume();
            else on_stop(s.cpu);
        }
    }
    EXPECT_FALSE(s.cpu.stopped());
    EXPECT_TRUE(s.cpu.waiting_for_interrupt());
    EXPECT_EQ(s.cpu.pc(), p.address("end") + 4) << "asleep in the last wfi";
    outcome o;
    o.mcycle = read(s.cpu, "mcycle");
    o.minstret = read(s.cpu, "minstret");
    o.data = s.get64(data_at);
    o.end = s.watch.at - start;
    for (unsigned i = 0; i < 32; ++i) o.x[i] = s.cpu.x(i);
    o.x[t1] -= static_cast<std::uint64_t>(start / sc_time(100, SC_NS)); // stimecmp: from the start
    EXPECT_EQ(o.x[s1], 12u) << "interrupts taken";
    return o;
}

// Steps every instruction up to the program's last wfi, which it lets run (and sleep).
debugger stepper(std::function<void(riscv::hart&)> between = nullptr) {
    const std::uint64_t end = timer_program().address("end");
    return [end, between](riscv::hart& h) {
        if (between) between(h);
        if (h.pc() == end) h.resume();
        else h.step();
    };
}

} // namespace

TEST(debug_target, the_timer_program_gives_the_same_outcome_every_time_it_runs_freely) {
    const outcome first = run_timeline(), second = run_timeline();
    expect_same(first, second);
    EXPECT_GT(first.end, sc_time(5, SC_US));
    EXPECT_EQ(first.data, 300u * 299 / 2);
}

TEST(debug_target, breakpoints_hit_and_resumed_leave_cycles_instructions_and_time_unchanged) {
    const outcome free = run_timeline();
    const std::uint64_t loop = timer_program().address("loop"), handler = timer_program().address("handler");
    unsigned hits = 0;
    auto& h = tb().timeline.cpu;
    h.add_breakpoint(loop);
    h.add_breakpoint(handler);
    const outcome debugged = run_timeline([&](riscv::hart& cpu) {
        EXPECT_EQ(cpu.last_stop(), stop_reason::breakpoint);
        if (++hits == 150) {
            cpu.remove_breakpoint(loop);
            cpu.remove_breakpoint(handler);
        }
        cpu.resume();
    });
    EXPECT_EQ(hits, 150u);
    expect_same(free, debugged);
}

TEST(debug_target, watchpoints_hit_and_resumed_leave_cycles_instructions_and_time_unchanged) {
    // Loads and stores of the timed data word (each hit abandons the access and runs it again
    // on resume), and a watch on a stack-free word nobody touches (every access takes the slow
    // path while watchpoints are set).
    const outcome free = run_timeline();
    auto& h = tb().timeline.cpu;
    unsigned hits = 0;
    h.add_watchpoint(ram_base + data_at, 8, cpu::watch_kind::access);
    h.add_watchpoint(ram_base + 0x800, 8, cpu::watch_kind::write);
    const outcome debugged = run_timeline([&](riscv::hart& cpu) {
        EXPECT_EQ(cpu.last_stop(), stop_reason::watchpoint);
        EXPECT_EQ(cpu.last_watch().address, ram_base + data_at);
        ++hits;
        cpu.resume();
    });
    h.remove_watchpoint(ram_base + data_at, 8, cpu::watch_kind::access);
    h.remove_watchpoint(ram_base + 0x800, 8, cpu::watch_kind::write);
    EXPECT_EQ(hits, 600u) << "a load and a store in each of 300 iterations";
    expect_same(free, debugged);
}

TEST(debug_target, single_stepping_all_the_way_leaves_cycles_instructions_and_time_unchanged) {
    const outcome free = run_timeline();
    std::uint64_t stops = 0;
    const outcome stepped = run_timeline(stepper([&](riscv::hart&) { ++stops; }), true);
    expect_same(free, stepped);
    EXPECT_EQ(stops, free.minstret) << "a stop before each instruction up to the last";
}

TEST(debug_target, reading_every_register_and_memory_between_steps_changes_nothing_simulated) {
    const outcome stepped = run_timeline(stepper(), true);
    const outcome probed = run_timeline(stepper([](riscv::hart& h) {
                                            std::uint64_t v;
                                            for (unsigned i = 0; i < h.debug_registers().size(); ++i)
                                                EXPECT_TRUE(h.read_register(i, v));
                                            unsigned char bytes[32];
                                            h.read_memory(ram_base + data_at, bytes, 32, address_space::physical);
                                            h.read_memory(h.pc(), bytes, 4, address_space::virtual_memory);
                                        }),
                                        true);
    expect_same(stepped, probed);
    expect_same(run_timeline(), probed);
}
