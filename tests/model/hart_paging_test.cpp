// SPDX-License-Identifier: Apache-2.0
// The hart under Sv39: small S- and U-mode programs, entered with mret from an M-mode prologue,
// with page tables the test writes into RAM. Loads and stores through 4K, 2M and 1G pages, every
// page fault with its mcause and mtval (an M-mode handler records them and skips the
// instruction), A/D in hardware, TLB invalidation by sfence.vma and by DMI invalidation, and the
// store observer under paging.
#include "pmemvp/riscv/hart.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/riscv_asm.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <cstring>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

using namespace pmemvp;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

using namespace pmemvp::test::rv;
enum csr : unsigned { sstatus = 0x100, satp = 0x180, mstatus = 0x300, mtvec = 0x305, mepc = 0x341,
                      mcause = 0x342, mtval = 0x343 };
constexpr std::uint64_t mstatus_sum = 1ull << 18, mstatus_mxr = 1ull << 19;


// ---- the platform ------------------------------------------------------------------------------

constexpr std::uint64_t ram_base = 0x80000000, ram_size = 8 << 20;
// Physical layout, as offsets into RAM.
constexpr std::uint64_t prologue_at = 0x0, pool_at = 0x80, handler_at = 0x200, log_at = 0x800,
                        program_at = 0x1000, root_at = 0x100000, level1_at = 0x101000,
                        level0_at = 0x102000, mega_at = 0x200000, pages_at = 0x400000;
// Virtual layout: eight 4K pages at page_va (page i -> pages_at + i * 4K), a 2M page at mega_va,
// the whole of RAM as a 1G page at giga_va, and the code identity-mapped by a 1G page.
constexpr std::uint64_t page_va = 0x10000000, mega_va = 0x20000000, giga_va = 0x40000000,
                        code_va = ram_base, program_va = code_va + program_at;
constexpr unsigned mapped_pages = 8;

using namespace riscv::sv39;
constexpr std::uint64_t rw_ad = pte_r | pte_w | pte_a | pte_d;
constexpr std::uint64_t leaf(std::uint64_t pa, std::uint64_t bits) { return (pa >> 12) << 10 | pte_v | bits; }
constexpr std::uint64_t pointer_to(std::uint64_t pa) { return (pa >> 12) << 10 | pte_v; }
constexpr std::uint64_t vpn(std::uint64_t va, int level) { return (va >> (12 + 9 * level)) & 0x1ff; }
// Where the PTEs live (offsets into RAM).
constexpr std::uint64_t pte_of_page(unsigned i) { return level0_at + 8 * (vpn(page_va, 0) + i); }
constexpr std::uint64_t pte_of_mega = level1_at + 8 * vpn(mega_va, 1);
constexpr std::uint64_t pte_of_giga = root_at + 8 * vpn(giga_va, 2);
constexpr std::uint64_t pte_of_code = root_at + 8 * vpn(code_va, 2);

struct recording_observer : store_observer {
    struct store {
        std::uint64_t offset, length, pc;
        bool operator==(const store& o) const { return offset == o.offset && length == o.length && pc == o.pc; }
    };
    std::vector<store> stores;
    void before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t pc) override {
        stores.push_back({offset, length, pc});
    }
    // The stores into the data pages (not the trap log, not page tables).
    std::vector<store> data_stores() const {
        std::vector<store> r;
        for (const auto& s : stores)
            if (s.offset >= mega_at) r.push_back(s);
        return r;
    }
};
std::ostream& operator<<(std::ostream& os, const recording_observer::store& s) {
    return os << std::hex << "{offset 0x" << s.offset << ", length " << std::dec << s.length << ", pc 0x"
              << std::hex << s.pc << "}" << std::dec;
}

riscv::hart_config at_ram() {
    riscv::hart_config c;
    c.reset_pc = ram_base;
    return c;
}

struct bench : sc_core::sc_module {
    std::vector<unsigned char> mem = std::vector<unsigned char>(ram_size);
    router bus{"bus"};
    memory_target ram{"ram", mem.data(), ram_size, true};
    riscv::hart cpu{"cpu", at_ram()};
    recording_observer observer;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
        bus.map(ram_base, ram_size, ram.socket, "ram");
        cpu.socket.bind(bus.in);
        ram.set_store_observer(&observer);
        put(0, {wfi(), jal(zero, -4)}); // sleeps until a test resets it
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
};

bench& tb() { return test::elaborated_bench<bench>(); }

// What the M-mode handler recorded of one trap.
struct trap_record {
    std::uint64_t cause, tval, epc;
    bool operator==(const trap_record& o) const { return cause == o.cause && tval == o.tval && epc == o.epc; }
};
std::ostream& operator<<(std::ostream& os, const trap_record& t) {
    return os << "{cause " << t.cause << std::hex << ", tval 0x" << t.tval << ", epc 0x" << t.epc << "}"
              << std::dec;
}

// The M-mode trap handler: appends {mcause, mtval, mepc} to the log (s9 counts), then stops the
// program (in wfi) on an ecall or an instruction page fault, or skips the instruction.
std::vector<insn> trap_handler() {
    program h(ram_base + handler_at);
    h << csrr(t3, mcause) << csrr(t4, mtval);
    const std::uint64_t anchor = h.here();
    const int log = static_cast<int>(ram_base + log_at - anchor);
    h << auipc(t5, 0) << slli(t6, s9, 5) << add(t6, t6, t5) << sd(t3, t6, log) << sd(t4, t6, log + 8)
      << csrr(t4, mepc) << sd(t4, t6, log + 16) << addi(s9, s9, 1);
    for (int final_cause : {8, 9, 12}) {
        h << addi(t6, zero, final_cause);
        h.ref("done", [](int o) { return beq(t3, t6, o); });
    }
    h << csrr(t3, mepc) << addi(t3, t3, 4) << csrw(mepc, t3) << mret();
    h.label("done") << wfi() << jal(zero, -4);
    return h.words();
}

struct mode {
    unsigned priv = priv_s;
    std::uint64_t status = 0; // mstatus bits besides MPP: SUM, MXR
};

// Page tables with everything mapped read-write, A and D set; the code page executable (and a
// user page when the program runs in U-mode).
void map_everything(bool user_code) {
    auto& b = tb();
    std::memset(b.mem.data() + root_at, 0, 3 * 4096);
    b.set64(root_at + 8 * vpn(page_va, 2), pointer_to(ram_base + level1_at));
    b.set64(level1_at + 8 * vpn(page_va, 1), pointer_to(ram_base + level0_at));
    for (unsigned i = 0; i < mapped_pages; ++i) b.set64(pte_of_page(i), leaf(ram_base + pages_at + i * 4096, rw_ad));
    b.set64(pte_of_mega, leaf(ram_base + mega_at, rw_ad));
    b.set64(pte_of_giga, leaf(ram_base, rw_ad));
    b.set64(pte_of_code, leaf(ram_base, rw_ad | pte_x | (user_code ? pte_u : 0)));
}

// Loads `p` at program_va, resets the hart: it runs the M-mode prologue, which enters `m` at the
// program with Sv39 on. Page tables are left as the test made them (map_everything first).
void start(const program& p, mode m = {}) {
    auto& b = tb();
    program pro(ram_base + prologue_at);
    const int pool = static_cast<int>(pool_at - prologue_at);
    pro << auipc(t0, 0) << ld(t1, t0, pool) << csrw(mtvec, t1) << ld(t1, t0, pool + 8) << csrw(satp, t1)
        << ld(t1, t0, pool + 16) << csrw(mepc, t1) << ld(t1, t0, pool + 24) << csrw(mstatus, t1) << mret();
    b.put(prologue_at, pro.words());
    b.set64(pool_at, ram_base + handler_at);
    b.set64(pool_at + 8, 8ull << 60 | (ram_base + root_at) >> 12);
    b.set64(pool_at + 16, program_va);
    b.set64(pool_at + 24, std::uint64_t(m.priv) << 11 | m.status);
    b.put(handler_at, trap_handler());
    std::memset(b.mem.data() + log_at, 0, program_at - log_at);
    std::memset(b.mem.data() + program_at, 0, 0x1000);
    b.put(program_at, p.words());
    b.observer.stores.clear();
    b.cpu.reset();
}

// Runs until the program has ended (ecall or instruction page fault); returns the traps.
std::vector<trap_record> finish() {
    auto& b = tb();
    sc_core::sc_start(sc_time(100, SC_US));
    EXPECT_FALSE(b.cpu.stopped());
    EXPECT_TRUE(b.cpu.waiting_for_interrupt()) << "the program did not end; pc " << std::hex << b.cpu.pc();
    EXPECT_EQ(b.cpu.privilege(), priv_m);
    std::vector<trap_record> log;
    for (std::uint64_t i = 0; i < b.cpu.x(s9); ++i)
        log.push_back({b.get64(log_at + 32 * i), b.get64(log_at + 32 * i + 8), b.get64(log_at + 32 * i + 16)});
    return log;
}

std::vector<trap_record> run(const program& p, mode m = {}) {
    start(p, m);
    return finish();
}

// Runs until the hart stops at the breakpoint at `label`, which is then removed.
void run_to(const program& p, const std::string& label) {
    auto& b = tb();
    b.cpu.add_breakpoint(p.address(label));
    sc_core::sc_start(sc_time(100, SC_US));
    b.cpu.remove_breakpoint(p.address(label));
    ASSERT_TRUE(b.cpu.stopped());
    ASSERT_EQ(b.cpu.pc(), p.address(label));
}

trap_record ecall_from(unsigned priv, std::uint64_t epc) { return {8u + priv, 0, epc}; }

} // namespace

TEST(hart_paging, loads_and_stores_reach_physical_memory_through_4k_2m_and_1g_pages) {
    map_everything(false);
    auto& b = tb();
    b.set64(pages_at + 0x10, 0x1111);
    b.set64(mega_at + 0x123450, 0x2222);
    b.set64(0x500678, 0x3333);
    program p(program_va);
    p << lui(a0, page_va >> 12) << ld(a1, a0, 0x10) << addi(a1, a1, 1) << sd(a1, a0, 0x18)
      << lui(a2, (mega_va + 0x123000) >> 12) << ld(a3, a2, 0x450) << addi(a3, a3, 1) << sd(a3, a2, 0x458)
      << lui(a4, (giga_va + 0x500000) >> 12) << ld(a5, a4, 0x678) << addi(a5, a5, 1) << sd(a5, a4, 0x680);
    p.label("end") << ecall();
    EXPECT_EQ(run(p), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.cpu.x(a1), 0x1112u);
    EXPECT_EQ(b.cpu.x(a3), 0x2223u);
    EXPECT_EQ(b.cpu.x(a5), 0x3334u);
    EXPECT_EQ(b.get64(pages_at + 0x18), 0x1112u);
    EXPECT_EQ(b.get64(mega_at + 0x123458), 0x2223u);
    EXPECT_EQ(b.get64(0x500680), 0x3334u);
}

TEST(hart_paging, a_load_from_a_page_without_r_faults_unless_mxr_and_clearing_mxr_takes_effect_at_once) {
    map_everything(false);
    auto& b = tb();
    b.set64(pte_of_page(1), leaf(ram_base + pages_at + 0x1000, pte_x | pte_a | pte_d)); // execute only
    b.set64(pages_at + 0x1008, 0x77);
    program p(program_va);
    p << lui(a0, (page_va + 0x1000) >> 12);
    p.label("load") << ld(a1, a0, 8) << lui(t0, mstatus_mxr >> 12) << csrrc(zero, sstatus, t0);
    p.label("again") << ld(a2, a0, 8);
    p.label("end") << ecall();

    const std::vector<trap_record> without_mxr{{13, page_va + 0x1008, p.address("load")},
                                               {13, page_va + 0x1008, p.address("again")},
                                               ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p), without_mxr);
    EXPECT_EQ(b.cpu.x(a1), 0u);

    const std::vector<trap_record> with_mxr{{13, page_va + 0x1008, p.address("again")},
                                            ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p, {priv_s, mstatus_mxr}), with_mxr) << "the TLB entry filled under MXR is not used without it";
    EXPECT_EQ(b.cpu.x(a1), 0x77u);
    EXPECT_EQ(b.cpu.x(a2), 0u);
}

TEST(hart_paging, a_store_to_a_page_without_w_is_a_store_page_fault_after_a_load_filled_the_tlb) {
    map_everything(false);
    auto& b = tb();
    b.set64(pte_of_page(2), leaf(ram_base + pages_at + 0x2000, pte_r | pte_a | pte_d));
    b.set64(pages_at + 0x2000, 0x55);
    program p(program_va);
    p << lui(a0, (page_va + 0x2000) >> 12) << ld(a1, a0, 0);
    p.label("store") << sd(a1, a0, 8);
    p.label("end") << ecall();
    const std::vector<trap_record> expected{{15, page_va + 0x2008, p.address("store")},
                                            ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p), expected);
    EXPECT_EQ(b.cpu.x(a1), 0x55u);
    EXPECT_EQ(b.get64(pages_at + 0x2008), 0u) << "the store did not happen";
}

TEST(hart_paging, fetching_from_a_page_without_x_is_an_instruction_page_fault) {
    map_everything(false);
    auto& b = tb();
    b.set64(pte_of_page(3), leaf(ram_base + pages_at + 0x3000, rw_ad));
    program p(program_va);
    p << lui(a0, (page_va + 0x3000) >> 12) << jalr(ra, a0, 0x40);
    EXPECT_EQ(run(p), (std::vector<trap_record>{{12, page_va + 0x3040, page_va + 0x3040}}));
}

TEST(hart_paging, supervisor_access_to_a_user_page_needs_sum_and_clearing_sum_takes_effect_at_once) {
    map_everything(false);
    auto& b = tb();
    b.set64(pte_of_page(4), leaf(ram_base + pages_at + 0x4000, rw_ad | pte_u));
    b.set64(pages_at + 0x4000, 0x99);
    program p(program_va);
    p << lui(a0, (page_va + 0x4000) >> 12);
    p.label("load") << ld(a1, a0, 0);
    p.label("store") << sd(a1, a0, 8);
    p << lui(t0, mstatus_sum >> 12) << csrrc(zero, sstatus, t0);
    p.label("again") << ld(a2, a0, 0);
    p.label("end") << ecall();

    const std::vector<trap_record> without_sum{{13, page_va + 0x4000, p.address("load")},
                                               {15, page_va + 0x4008, p.address("store")},
                                               {13, page_va + 0x4000, p.address("again")},
                                               ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p), without_sum);
    EXPECT_EQ(b.get64(pages_at + 0x4008), 0u);

    const std::vector<trap_record> with_sum{{13, page_va + 0x4000, p.address("again")},
                                            ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p, {priv_s, mstatus_sum}), with_sum) << "the TLB entry filled under SUM is not used without it";
    EXPECT_EQ(b.cpu.x(a1), 0x99u);
    EXPECT_EQ(b.get64(pages_at + 0x4008), 0x99u);
}

TEST(hart_paging, supervisor_mode_never_executes_a_user_page_even_with_sum) {
    map_everything(false);
    tb().set64(pte_of_page(4), leaf(ram_base + pages_at + 0x4000, rw_ad | pte_x | pte_u));
    program p(program_va);
    p << lui(a0, (page_va + 0x4000) >> 12) << jalr(ra, a0, 0);
    EXPECT_EQ(run(p, {priv_s, mstatus_sum}), (std::vector<trap_record>{{12, page_va + 0x4000, page_va + 0x4000}}));
}

TEST(hart_paging, user_mode_faults_on_supervisor_pages_and_uses_user_pages) {
    map_everything(true);
    auto& b = tb();
    b.set64(pte_of_page(4), leaf(ram_base + pages_at + 0x4000, rw_ad | pte_u));
    b.set64(pages_at + 0x4000, 0x44);
    program p(program_va);
    p << lui(a0, page_va >> 12) << lui(a2, (page_va + 0x4000) >> 12);
    p.label("load") << ld(a1, a0, 0);
    p.label("store") << sd(a1, a0, 8);
    p << ld(a3, a2, 0) << sd(a3, a2, 8);
    p.label("end") << ecall();
    const std::vector<trap_record> expected{{13, page_va, p.address("load")},
                                            {15, page_va + 8, p.address("store")},
                                            ecall_from(priv_u, p.address("end"))};
    EXPECT_EQ(run(p, {priv_u, 0}), expected);
    EXPECT_EQ(b.get64(pages_at + 0x4008), 0x44u);
}

TEST(hart_paging, a_load_through_an_invalid_pte_is_a_load_page_fault_at_that_address) {
    map_everything(false);
    program p(program_va);
    p << lui(a0, (page_va + 0x8000) >> 12); // page 8: not mapped
    p.label("load") << ld(a1, a0, 0x10);
    p.label("end") << ecall();
    const std::vector<trap_record> expected{{13, page_va + 0x8010, p.address("load")},
                                            ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p), expected);
}

// Privileged specification 1.12, 3.1.16: when a misaligned access faults, mtval holds "the virtual
// address of the portion of the access that caused the fault".
TEST(hart_paging, a_misaligned_access_running_into_an_unmapped_page_reports_that_page_in_mtval) {
    map_everything(false);
    auto& b = tb();
    b.set64(pages_at + 0x7ff8, 0x1234);
    program p(program_va);
    p << lui(a0, (page_va + 0x8000) >> 12); // page 7 is mapped, page 8 is not
    p.label("load") << ld(a1, a0, -4);
    p.label("store") << sd(a0, a0, -4);
    p.label("end") << ecall();
    const std::vector<trap_record> expected{{13, page_va + 0x8000, p.address("load")},
                                            {15, page_va + 0x8000, p.address("store")},
                                            ecall_from(priv_s, p.address("end"))};
    EXPECT_EQ(run(p), expected);
    EXPECT_EQ(b.get64(pages_at + 0x7ff8), 0x1234u) << "a faulting store writes neither page";
}

TEST(hart_paging, the_hardware_sets_a_on_a_load_and_d_on_a_store) {
    map_everything(false);
    auto& b = tb();
    for (unsigned i : {5u, 6u, 7u})
        b.set64(pte_of_page(i), leaf(ram_base + pages_at + i * 0x1000, pte_r | pte_w));
    program p(program_va);
    p << lui(a0, (page_va + 0x5000) >> 12) << ld(a1, a0, 0);       // page 5: loaded
    p << lui(a0, (page_va + 0x6000) >> 12) << sd(a1, a0, 0);       // page 6: stored
    p << lui(a0, (page_va + 0x7000) >> 12) << ld(a1, a0, 0);       // page 7: loaded, then stored
    p.label("store") << sd(a1, a0, 8);
    p.label("end") << ecall();
    start(p);
    run_to(p, "store");
    EXPECT_EQ(b.get64(pte_of_page(7)) & (pte_a | pte_d), pte_a) << "after the load, before the store";
    b.cpu.resume();
    EXPECT_EQ(finish(), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.get64(pte_of_page(5)) & (pte_a | pte_d), pte_a);
    EXPECT_EQ(b.get64(pte_of_page(6)) & (pte_a | pte_d), pte_a | pte_d);
    EXPECT_EQ(b.get64(pte_of_page(7)) & (pte_a | pte_d), pte_a | pte_d) << "D although the load filled the TLB";
}

TEST(hart_paging, a_dirty_bit_the_os_cleared_is_set_again_by_a_store_after_sfence_vma) {
    map_everything(false);
    auto& b = tb();
    program p(program_va);
    p << lui(a0, page_va >> 12) << sd(a0, a0, 0);
    p.label("clean") << sfence_vma(a0, zero) << sd(a0, a0, 8);
    p.label("end") << ecall();
    start(p);
    run_to(p, "clean");
    b.set64(pte_of_page(0), b.get64(pte_of_page(0)) & ~pte_d);
    b.cpu.resume();
    EXPECT_EQ(finish(), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.get64(pte_of_page(0)) & pte_d, pte_d);
}

TEST(hart_paging, a_remapped_page_is_used_after_sfence_vma_of_the_page_or_of_everything) {
    map_everything(false);
    auto& b = tb();
    b.set64(pages_at + 0x0000, 0x100); // page 0
    b.set64(pages_at + 0x1000, 0x101); // page 1
    b.set64(pages_at + 0x2000, 0x102); // page 2
    program p(program_va);
    p << lui(a0, page_va >> 12) << ld(a1, a0, 0) << sd(a1, a0, 8);
    p.label("remap1") << ld(a2, a0, 0) << sfence_vma(a0, zero) << ld(a3, a0, 0) << sd(a3, a0, 16);
    p.label("remap2") << ld(a4, a0, 0) << sfence_vma(zero, zero) << ld(a5, a0, 0) << sd(a5, a0, 24);
    p.label("end") << ecall();
    start(p);
    run_to(p, "remap1");
    b.set64(pte_of_page(0), leaf(ram_base + pages_at + 0x1000, rw_ad));
    b.cpu.resume();
    run_to(p, "remap2");
    b.set64(pte_of_page(0), leaf(ram_base + pages_at + 0x2000, rw_ad));
    b.cpu.resume();
    EXPECT_EQ(finish(), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.cpu.x(a1), 0x100u);
    EXPECT_TRUE(b.cpu.x(a2) == 0x100 || b.cpu.x(a2) == 0x101) << "old or new mapping before sfence.vma";
    EXPECT_EQ(b.cpu.x(a3), 0x101u);
    EXPECT_TRUE(b.cpu.x(a4) == 0x101 || b.cpu.x(a4) == 0x102);
    EXPECT_EQ(b.cpu.x(a5), 0x102u);
    EXPECT_EQ(b.get64(pages_at + 0x0008), 0x100u);
    EXPECT_EQ(b.get64(pages_at + 0x1010), 0x101u) << "the store after sfence.vma went to the new page";
    EXPECT_EQ(b.get64(pages_at + 0x2018), 0x102u);
}

TEST(hart_paging, a_remapped_code_page_runs_the_new_code_after_sfence_vma) {
    map_everything(false);
    auto& b = tb();
    b.put(pages_at + 0x5000, {addi(a1, zero, 1), jalr(zero, ra, 0)});
    b.put(pages_at + 0x6000, {addi(a1, zero, 2), jalr(zero, ra, 0)});
    b.set64(pte_of_page(5), leaf(ram_base + pages_at + 0x5000, pte_r | pte_x | pte_a));
    program p(program_va);
    p << lui(a0, (page_va + 0x5000) >> 12) << jalr(ra, a0, 0) << addi(a2, a1, 0);
    p.label("remap") << sfence_vma(a0, zero) << jalr(ra, a0, 0);
    p.label("end") << ecall();
    start(p);
    run_to(p, "remap");
    b.set64(pte_of_page(5), leaf(ram_base + pages_at + 0x6000, pte_r | pte_x | pte_a));
    b.cpu.resume();
    EXPECT_EQ(finish(), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.cpu.x(a2), 1u);
    EXPECT_EQ(b.cpu.x(a1), 2u);
}

TEST(hart_paging, stores_through_paging_after_a_dmi_invalidation_reach_the_memory_and_its_new_observer) {
    map_everything(false);
    auto& b = tb();
    b.ram.set_store_observer(nullptr);
    b.ram.invalidate_dmi();
    program p(program_va);
    p << lui(a0, page_va >> 12) << addi(a1, zero, 1) << sd(a1, a0, 0) << ld(a2, a0, 0);
    p.label("invalidate") << addi(a1, zero, 2);
    p.label("store") << sd(a1, a0, 8) << ld(a3, a0, 0);
    p.label("end") << ecall();
    start(p);
    run_to(p, "invalidate");
    b.observer.stores.clear();
    b.ram.set_store_observer(&b.observer); // told to DMI initiators with the next grant
    b.ram.invalidate_dmi();
    b.cpu.resume();
    EXPECT_EQ(finish(), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    EXPECT_EQ(b.get64(pages_at), 1u);
    EXPECT_EQ(b.get64(pages_at + 8), 2u);
    EXPECT_EQ(b.cpu.x(a3), 1u);
    EXPECT_EQ(b.observer.data_stores(),
              (std::vector<recording_observer::store>{{pages_at + 8, 8, p.address("store")}}))
        << "no store went through a TLB entry of the withdrawn DMI region";
}

TEST(hart_paging, the_store_observer_sees_the_physical_address_and_the_virtual_pc_of_each_store) {
    map_everything(false);
    auto& b = tb();
    b.ram.invalidate_dmi(); // a fresh grant: the observer is attached
    program p(program_va);
    p << lui(a0, page_va >> 12) << lui(a2, (mega_va + 0x123000) >> 12) << lui(a4, (giga_va + 0x500000) >> 12);
    p.label("s1") << sd(a0, a0, 0x18);
    p.label("s2") << sd(a2, a2, 0x458);
    p.label("s3") << sd(a4, a4, 0x680);
    p.label("s4") << sd(a4, a0, 0x20); // the same 4K page again: a TLB hit
    p.label("end") << ecall();
    EXPECT_EQ(run(p), std::vector<trap_record>{ecall_from(priv_s, p.address("end"))});
    const std::vector<recording_observer::store> expected{{pages_at + 0x18, 8, p.address("s1")},
                                                          {mega_at + 0x123458, 8, p.address("s2")},
                                                          {0x500680, 8, p.address("s3")},
                                                          {pages_at + 0x20, 8, p.address("s4")}};
    EXPECT_EQ(b.observer.data_stores(), expected);
}
