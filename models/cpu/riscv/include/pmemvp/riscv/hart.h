// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/riscv/decode.h"
#include "pmemvp/riscv/sv39.h"
#include "pmemvp/tlm/access_timing.h"
#include "pmemvp/tlm/store_observer.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <unordered_map>
#include <vector>

namespace pmemvp::riscv {

struct hart_config {
    std::uint64_t hart_id = 0;
    std::uint64_t reset_pc = 0x1000;
    sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS); // 1 GHz
    unsigned cpi = 1;                          // cycles per non-memory instruction
    sc_core::sc_time timebase_period = sc_core::sc_time(100, sc_core::SC_NS); // `time`: 10 MHz
    bool dmi = true;                           // off: every access goes through b_transport
};

// Interrupt lines, numbered as their bits in mip. SEI is the supervisor external interrupt line
// (a PLIC context for S-mode); the others are M-level.
enum irq_line_number : unsigned { irq_sei = 9, irq_msi = 3, irq_mti = 7, irq_mei = 11 };

// An RV64IMAC + Zicsr + Zifencei + Zicbom + Sstc hart with M, S and U modes and Sv39 paging:
// an instruction-set simulator that is a TLM-2.0 initiator. Memory goes through cached DMI pointers (their latencies count
// as stall cycles, or a memory's access_timing answers for each access); MMIO through b_transport; time is decoupled up to the global quantum and
// never past the next pending SystemC event, so timer interrupts arrive on time.
// Loads and stores go through TLBs whose entries hold the DMI host pointer of the page;
// instructions are decoded once per physical 4 KiB page into a cache dropped by fence.i and by
// DMI invalidation. Loads from timed memory do not block: an instruction that reads the loaded
// register waits for the data (a scoreboard), so independent misses overlap as in a CPU with
// several misses in flight, and a fence waits for everything outstanding.
class hart : public sc_core::sc_module, public irq_sink {
public:
    SC_HAS_PROCESS(hart);
    tlm_utils::simple_initiator_socket<hart> socket;

    hart(const sc_core::sc_module_name& name, const hart_config& config);
    ~hart() override;

    void set_irq(unsigned line, bool level) override;
    // Stops executing for good (the test finisher ends the run).
    void halt();
    // Called (after halt) when the hart can never go on: it faults fetching its own trap
    // handler. The text names the guest's faulting pc.
    std::function<void(const std::string&)> on_stuck;
    bool halted() const { return halted_; }
    // Back to the reset state at reset_pc (registers and CSRs cleared, memory untouched) after
    // the current instruction: safe to call from a device the hart is accessing.
    void reset();

    std::uint64_t instructions() const { return instret_; }
    std::uint64_t cycles() const { return cycle_; }
    // Simulated time of this hart: the kernel's time plus the time it has run ahead.
    sc_core::sc_time local_time() const;
    sc_core::sc_time now() const { return sc_core::sc_time_stamp() + local_time(); }
    std::uint64_t pc() const { return pc_; }
    std::uint64_t x(unsigned i) const { return x_[i]; }
    bool waiting_for_interrupt() const { return wfi_; }

private:
    struct dmi_region {
        std::uint64_t base = 0;
        std::uint64_t limit = 0; // accesses of up to 8 bytes at base + [0, limit) fit; 0 = empty
        std::uint64_t end = 0;   // last address
        unsigned char* ptr = nullptr;
        std::uint64_t latency_cycles = 0;
        store_observer* observer = nullptr; // told of every store before it happens
        std::uint64_t observer_base = 0;    // the observer's offset of `base`
        access_timing* timing = nullptr;    // asked for each access instead of latency_cycles
        std::uint64_t timing_base = 0;      // the timing's offset of `base`
    };
    // One translated page with its DMI host pointer: a hit costs a tag compare. The tag is the
    // virtual page number with the translation context above it (bits 52 and up), so entries
    // of different privileges, SUM and MXR settings live side by side.
    struct tlb_entry {
        std::uint64_t tag = ~0ull;
        unsigned char* host = nullptr;      // host address of the page
        std::uint64_t latency = 0;          // cycles per access (untimed memory)
        store_observer* observer = nullptr; // in the observer's offsets: observer_base + page offset
        std::uint64_t observer_base = 0;
        access_timing* timing = nullptr;
        std::uint64_t timing_base = 0;
        std::uint64_t physical = 0;         // physical address of the page
    };
    static constexpr unsigned tlb_size = 256; // entries per TLB, direct mapped
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

    void apply_reset();
    void run();                 // the SC_THREAD
    void execute();             // runs until cycle_ >= limit_
    void sync();                // wait for the time run ahead
    void check_interrupts();
    std::uint64_t pending_interrupts() const; // mip as the guest reads it
    void update_sstc();                       // STIP from stimecmp, and the wake-up at its time
    // Takes a trap to M or, when delegated, to S; returns the handler's address.
    std::uint64_t trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc);
    bool delegated(std::uint64_t cause) const;
    void report_trap_loop(std::uint64_t pc);
    const decoded& fetch(std::uint64_t pc);
    void flush_code_cache();

    // Address translation. The contexts are recomputed whenever privilege, mstatus or satp change.
    void update_contexts();
    void flush_tlbs();
    bool translating_data() const { return data_ctx_ != bare_ctx; }
    // 0 and the physical address, or the exception cause.
    std::uint64_t translate(std::uint64_t va, sv39::access kind, unsigned priv, std::uint64_t& pa);
    std::uint64_t translate_data(std::uint64_t va, sv39::access kind, std::uint64_t& pa);
    // Fills `entry` for the page at `pa` if DMI covers all of it (write: with write access).
    bool fill_tlb(tlb_entry& entry, std::uint64_t tag, std::uint64_t pa, bool write);

    // rd: the register the value goes to; x0 discards it (nothing waits: a touch that brings
    // the line in), load_blocking waits for the data now, load_fetch is not timed (instruction
    // fetch is part of the CPI).
    static constexpr int load_blocking = -2, load_fetch = -1;
    // Virtual accesses: 0, or the exception cause (the faulting address is the one given).
    // `retired`: instructions not yet counted in cycle_ and instret_, counted before anything
    // that reads them (see execute()).
    template <typename T> std::uint64_t load(std::uint64_t addr, T& value, int rd, std::uint64_t& retired);
    template <typename T>
    std::uint64_t store(std::uint64_t addr, T value, std::uint64_t pc, std::uint64_t& retired);
    void retire(std::uint64_t& retired) {
        cycle_ += retired * config_.cpi;
        instret_ += retired;
        retired = 0;
    }
    std::uint64_t load_slow(std::uint64_t addr, void* data, unsigned len, int rd);
    std::uint64_t store_slow(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc);
    // Physical accesses: false if the memory system refused.
    bool load_phys(std::uint64_t addr, void* data, unsigned len, int rd);
    bool store_phys(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc);
    bool transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len);
    bool acquire_dmi(std::uint64_t addr, bool write);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    // Reports a cache-block operation to the memory system through the persistence extension;
    // 0 or the exception cause.
    std::uint64_t cache_block_op(op code, std::uint64_t addr, std::uint64_t pc);
    // Timed memory: the hart's time as a sc_time, and moving to a later one.
    sc_core::sc_time current_time() const {
        return sc_core::sc_time_stamp() + sc_core::sc_time::from_value(period_value_ * (cycle_ - synced_cycle_));
    }
    std::uint64_t cycles_until(const sc_core::sc_time& t) const; // 0 if not later than now
    void timed_load(access_timing* timing, std::uint64_t offset, unsigned len, int rd);
    void timed_store(access_timing* timing, std::uint64_t offset, unsigned len);
    void note_ready(int rd, const sc_core::sc_time& ready); // rd gets its data at `ready`
    void wait_for_operands(const decoded& d); // the scoreboard
    void wait_for_all();                      // fences

    // CSR access by the running privilege: false raises illegal instruction.
    bool csr_read(unsigned csr, std::uint64_t& value);
    bool csr_write(unsigned csr, std::uint64_t value);
    bool counter_enabled(unsigned csr) const; // mcounteren/scounteren for cycle, time, instret...
    std::uint64_t time_csr() const;
    template <typename T> bool amo(const decoded& d, std::uint64_t pc, std::uint64_t& npc);

    hart_config config_;
    logger log_;

    // Architectural state.
    std::uint64_t x_[32] = {};
    std::uint64_t pc_ = 0;
    unsigned priv_ = sv39::priv_m;
    std::uint64_t mstatus_ = 0, mie_ = 0, mip_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0,
                  mcause_ = 0, mtval_ = 0;
    std::uint64_t mip_sw_ = 0; // SSIP, STIP, SEIP as software wrote them (mip_: device lines)
    std::uint64_t medeleg_ = 0, mideleg_ = 0, mcounteren_ = 0, scounteren_ = 0;
    std::uint64_t menvcfg_ = 0, senvcfg_ = 0;
    std::uint64_t stvec_ = 0, sscratch_ = 0, sepc_ = 0, scause_ = 0, stval_ = 0, satp_ = 0;
    std::uint64_t stimecmp_ = ~0ull;
    bool sstc_pending_ = false; // STIP from stimecmp
    std::uint64_t pmpcfg_[2] = {}, pmpaddr_[16] = {};
    std::uint64_t reservation_ = ~0ull; // LR/SC reserved physical address, ~0 = none

    // Time and counters.
    std::uint64_t cycle_ = 0;         // cycles since reset
    std::uint64_t instret_ = 0;
    std::uint64_t synced_cycle_ = 0;  // cycle_ at the last wait()
    std::uint64_t limit_ = 0;         // execute() stops when cycle_ reaches it
    std::uint64_t cycle_offset_ = 0, instret_offset_ = 0; // guest writes to mcycle/minstret
    sc_core::sc_time::value_type period_value_;
    std::uint32_t pending_ = 0;                // registers waiting for a timed load
    std::uint64_t ready_cycle_[32] = {};       // when each of them gets its data

    bool halted_ = false;
    bool wfi_ = false;
    bool code_flush_pending_ = false;
    bool reset_pending_ = false;
    sc_core::sc_event irq_event_;
    sc_core::sc_event timer_event_; // stimecmp's deadline

    // Memory access.
    static constexpr std::uint64_t bare_ctx = 1ull << 60; // no translation, any privilege
    std::uint64_t data_ctx_ = bare_ctx, exec_ctx_ = bare_ctx;
    std::array<tlb_entry, tlb_size> read_tlb_, write_tlb_;
    std::array<itlb_entry, 64> itlb_;
    page_table_port page_tables_{*this};
    std::vector<dmi_region> dmi_regions_; // all granted (read-write and read-only)
    std::vector<store_observer*> observers_; // every observer met: fences are reported to them
    std::vector<access_timing*> timings_;     // every timing met: fences wait for them
    void learn_fence_hooks(store_observer* observer, access_timing* timing); // null: none
    tlm::tlm_generic_payload gp_;
    std::unordered_map<std::uint64_t, std::unique_ptr<code_page>> code_pages_;
    code_page* current_page_ = nullptr;
    std::uint64_t current_vbase_ = 0; // the virtual page current_page_ is executed at
};

template <typename T>
inline std::uint64_t hart::load(std::uint64_t addr, T& value, int rd, std::uint64_t& retired) {
    const tlb_entry& e = read_tlb_[(addr >> 12) % tlb_size];
    const std::uint64_t off = addr & 0xfff;
    if (e.tag == ((addr >> 12) | data_ctx_) && off <= 4096 - sizeof(T)) {
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
    if (e.tag == ((addr >> 12) | data_ctx_) && off <= 4096 - sizeof(T)) {
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
