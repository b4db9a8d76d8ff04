// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/cpu/core.h"
#include "pmemvp/riscv/decode.h"
#include "pmemvp/riscv/sv39.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

namespace pmemvp::riscv {

struct hart_config : cpu::core_config {
    std::uint64_t hart_id = 0;
    std::uint64_t reset_pc = 0x1000;
    sc_core::sc_time timebase_period = sc_core::sc_time(100, sc_core::SC_NS); // `time`: 10 MHz
};

// Interrupt lines, numbered as their bits in mip. SEI is the supervisor external interrupt line
// (a PLIC context for S-mode); the others are M-level.
enum irq_line_number : unsigned { irq_sei = 9, irq_msi = 3, irq_mti = 7, irq_mei = 11 };

// The RISC-V part of a CPU (the run loop, DMI, timing and run control are cpu::core's): an
// RV64IMAC + Zicsr + Zifencei + Zicbom + Sstc hart with M, S and U modes and Sv39 paging.
// Decode, execute, CSRs, privilege, traps and translation live here.
// Loads and stores go through TLBs whose entries hold the DMI host pointer of the page;
// instructions are decoded once per physical 4 KiB page into a cache dropped by fence.i and by
// DMI invalidation. Loads from timed memory do not block: an instruction that reads the loaded
// register waits for the data (a scoreboard), so independent misses overlap as in a CPU with
// several misses in flight, and a fence waits for everything outstanding.
class hart : public cpu::core {
public:
    hart(const sc_core::sc_module_name& name, const hart_config& config);
    ~hart() override;

    std::uint64_t pc() const override { return pc_; }
    std::uint64_t x(unsigned i) const { return x_[i]; }
    unsigned privilege() const { return priv_; } // 0 U, 1 S, 3 M

    // debug_target: registers are x0..x31 (ABI names), pc, priv (as QEMU's stub shows it),
    // then every CSR the hart implements.
    const std::vector<cpu::register_info>& debug_registers() const override;
    bool read_register(unsigned index, std::uint64_t& value) override;
    bool write_register(unsigned index, std::uint64_t value) override;

private:
    struct itlb_entry {
        std::uint64_t tag = ~0ull;
        std::uint64_t physical = 0;
    };
    struct code_page {
        std::uint64_t base; // physical
        std::array<decoded, 2048> slots;
    };
    // Page-table reads and A/D writes go over the bus like other accesses.
    struct page_table_port : sv39::pte_memory {
        hart& h;
        explicit page_table_port(hart& owner) : h(owner) {}
        bool read_pte(std::uint64_t address, std::uint64_t& pte) override;
        bool write_pte(std::uint64_t address, std::uint64_t pte) override;
    };
    // A debugger's walk: reads through debug transport, writes nothing.
    struct debug_table_port : sv39::pte_memory {
        hart& h;
        explicit debug_table_port(hart& owner) : h(owner) {}
        bool read_pte(std::uint64_t address, std::uint64_t& pte) override;
        bool write_pte(std::uint64_t, std::uint64_t) override { return true; }
    };

    // cpu::core
    void execute() override;
    void take_interrupts() override;
    bool interrupt_waiting() override;
    void reset_state() override;
    void memory_map_changed() override;
    bool debug_translate(std::uint64_t va, std::uint64_t& pa) override;
    void breakpoints_changed() override;
    void watchpoints_changed() override;

    std::uint64_t pending_interrupts() const; // mip as the guest reads it
    void update_sstc();                       // STIP from stimecmp, and the wake-up at its time
    // Takes a trap to M or, when delegated, to S; returns the handler's address.
    std::uint64_t trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc);
    bool delegated(std::uint64_t cause) const;
    void report_trap_loop(std::uint64_t pc);
    void trace_trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc) const;
    const decoded& fetch(std::uint64_t pc);
    void flush_code_cache();

    // Address translation. The contexts are recomputed whenever privilege, mstatus or satp change.
    void update_contexts();
    void flush_tlbs();
    void flush_tlb_page(std::uint64_t va); // every context's entries of one virtual page
    // 0 and the physical address, or the exception cause.
    std::uint64_t translate_va(std::uint64_t va, sv39::access kind, unsigned priv, std::uint64_t& pa);
    std::uint64_t translate_data(std::uint64_t va, sv39::access kind, std::uint64_t& pa);

    // Virtual accesses: 0, or the exception cause (the faulting address is the one given).
    // `retired`: instructions not yet counted in cycle_ and instret_, counted before anything
    // that reads them (see execute()).
    template <typename T> std::uint64_t load(std::uint64_t addr, T& value, int rd, std::uint64_t& retired);
    template <typename T>
    std::uint64_t store(std::uint64_t addr, T value, std::uint64_t pc, std::uint64_t& retired);
    std::uint64_t load_slow(std::uint64_t addr, void* data, unsigned len, int rd);
    std::uint64_t store_slow(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc);
    // Reports a cache-block operation to the memory system through the persistence extension;
    // 0 or the exception cause.
    std::uint64_t cache_block_op(op code, std::uint64_t addr, std::uint64_t pc);
    void wait_for_operands(const decoded& d); // the scoreboard, for this instruction's registers

    // CSR access by the running privilege (debug: as M, without side effects on the
    // guest-visible state): false raises illegal instruction.
    bool csr_read(unsigned csr, std::uint64_t& value, bool debug = false);
    bool csr_write(unsigned csr, std::uint64_t value, bool debug = false);
    bool counter_enabled(unsigned csr, unsigned priv) const; // mcounteren/scounteren gates
    std::uint64_t time_csr() const;
    template <typename T> bool amo(const decoded& d, std::uint64_t pc, std::uint64_t& npc);

    hart_config hart_config_;

    // Architectural state.
    std::uint64_t x_[32] = {};
    std::uint64_t pc_ = 0;
    unsigned priv_ = sv39::priv_m;
    std::uint64_t mstatus_ = 0, mie_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0, mcause_ = 0,
                  mtval_ = 0;
    std::uint64_t mip_sw_ = 0; // SSIP, STIP, SEIP as software wrote them (device lines: irq_lines())
    std::uint64_t medeleg_ = 0, mideleg_ = 0, mcounteren_ = 0, scounteren_ = 0;
    std::uint64_t menvcfg_ = 0, senvcfg_ = 0;
    std::uint64_t stvec_ = 0, sscratch_ = 0, sepc_ = 0, scause_ = 0, stval_ = 0, satp_ = 0;
    std::uint64_t stimecmp_ = ~0ull;
    bool sstc_pending_ = false; // STIP from stimecmp
    std::uint64_t pmpcfg_[2] = {}, pmpaddr_[16] = {};
    std::uint64_t reservation_ = ~0ull; // LR/SC reserved address, ~0 = none
    std::uint64_t fault_address_ = 0;   // the address a slow-path access faulted at (tval)
    std::uint64_t cycle_offset_ = 0, instret_offset_ = 0; // guest writes to mcycle/minstret

    // Memory access.
    // TLB tags: the virtual page number (bits 0..51), the translation context (bit 52: translated;
    // then the privilege, SUM and MXR; all clear: bare) and a generation (bits 57..63) that a
    // flush advances.
    static constexpr std::uint64_t translated_ctx = 1ull << 52;
    static constexpr std::uint64_t tlb_generations = 128;
    std::uint64_t tlb_generation_ = 0;
    std::uint64_t data_ctx_ = 0, exec_ctx_ = 0;
    // What the inline load and store paths compare TLB tags with: data_ctx_, or, while watchpoints
    // are set, a context no entry has (M with translation), so every access takes the slow path
    // that checks them. The TLBs themselves fill and hit as without watchpoints.
    std::uint64_t lookup_ctx_ = 0;
    tlb read_tlb_, write_tlb_;
    std::array<itlb_entry, 64> itlb_;
    page_table_port page_tables_{*this};
    debug_table_port debug_tables_{*this};
    std::unordered_map<std::uint64_t, std::unique_ptr<code_page>> code_pages_;
    code_page* current_page_ = nullptr;
    std::uint64_t current_vbase_ = 0; // the virtual page current_page_ is executed at
};

template <typename T>
inline std::uint64_t hart::load(std::uint64_t addr, T& value, int rd, std::uint64_t& retired) {
    const tlb_entry& e = read_tlb_[(addr >> 12) % tlb_size];
    const std::uint64_t off = addr & 0xfff;
    if (e.tag == ((addr >> 12) | lookup_ctx_) && off <= 4096 - sizeof(T)) {
        std::memcpy(&value, e.host + off, sizeof(T));
        if (e.timing) {
            retire(retired);
            timed_load(e.timing, e.timing_base + off, sizeof(T), rd);
        } else if (e.latency) {
            cycle_ += e.latency;
        }
        return 0;
    }
    retire(retired);
    return load_slow(addr, &value, sizeof(T), rd);
}

template <typename T>
inline std::uint64_t hart::store(std::uint64_t addr, T value, std::uint64_t pc, std::uint64_t& retired) {
    const tlb_entry& e = write_tlb_[(addr >> 12) % tlb_size];
    const std::uint64_t off = addr & 0xfff;
    if (e.tag == ((addr >> 12) | lookup_ctx_) && off <= 4096 - sizeof(T)) {
        if (e.observer) {
            retire(retired); // an observer may read the hart's time
            e.observer->before_store(e.observer_base + off, sizeof(T), pc);
        }
        std::memcpy(e.host + off, &value, sizeof(T));
        if (e.timing) {
            retire(retired);
            timed_store(e.timing, e.timing_base + off, sizeof(T));
        } else if (e.latency) {
            cycle_ += e.latency;
        }
        return 0;
    }
    retire(retired);
    return store_slow(addr, &value, sizeof(T), pc);
}

} // namespace pmemvp::riscv
