// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/riscv/decode.h"
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

// Interrupt lines, numbered as their bits in mip.
enum irq_line_number : unsigned { irq_msi = 3, irq_mti = 7, irq_mei = 11 };

// An RV64IMAC + Zicsr + Zifencei + Zicbom hart in machine mode: an instruction-set simulator
// that is a TLM-2.0 initiator. Memory goes through cached DMI pointers (their latencies count
// as stall cycles, or a memory's access_timing answers for each access); MMIO through b_transport; time is decoupled up to the global quantum and
// never past the next pending SystemC event, so timer interrupts arrive on time.
// Instructions are decoded once per 4 KiB page into a cache dropped by fence.i and by DMI
// invalidation. Loads from timed memory do not block: an instruction that reads the loaded
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
    struct code_page {
        std::uint64_t base;
        std::array<decoded, 2048> slots;
    };

    void apply_reset();
    void run();                 // the SC_THREAD
    void execute();             // runs until cycle_ >= limit_
    void sync();                // wait for the time run ahead
    void check_interrupts();
    std::uint64_t trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc);
    void report_trap_loop(std::uint64_t pc);
    const decoded& fetch(std::uint64_t pc);
    void flush_code_cache();

    // rd: the register the value goes to; x0 discards it (nothing waits: a touch that brings
    // the line in), load_blocking waits for the data now, load_fetch is not timed (instruction
    // fetch is part of the CPI).
    static constexpr int load_blocking = -2, load_fetch = -1;
    template <typename T> bool load(std::uint64_t addr, T& value, int rd);
    template <typename T> bool store(std::uint64_t addr, T value, std::uint64_t pc);
    bool load_slow(std::uint64_t addr, void* data, unsigned len, int rd);
    bool store_slow(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc);
    bool transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len);
    bool acquire_dmi(std::uint64_t addr, bool write);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    // Reports a cache-block operation to the memory system through the persistence extension.
    void cache_block_op(op code, std::uint64_t addr, std::uint64_t pc);
    // Timed memory: the hart's time as a sc_time, and moving to a later one.
    sc_core::sc_time current_time() const {
        return sc_core::sc_time_stamp() + sc_core::sc_time::from_value(period_value_ * (cycle_ - synced_cycle_));
    }
    std::uint64_t cycles_until(const sc_core::sc_time& t) const; // 0 if not later than now
    void timed_load(const dmi_region& r, std::uint64_t offset, unsigned len, int rd);
    void timed_store(const dmi_region& r, std::uint64_t offset, unsigned len);
    void note_ready(int rd, const sc_core::sc_time& ready); // rd gets its data at `ready`
    void wait_for_operands(const decoded& d); // the scoreboard
    void wait_for_all();                      // fences

    bool csr_read(unsigned csr, std::uint64_t& value);
    bool csr_write(unsigned csr, std::uint64_t value);
    template <typename T> bool amo(const decoded& d, std::uint64_t pc, std::uint64_t& npc);

    hart_config config_;
    logger log_;

    // Architectural state.
    std::uint64_t x_[32] = {};
    std::uint64_t pc_ = 0;
    std::uint64_t mstatus_ = 0, mie_ = 0, mip_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0,
                  mcause_ = 0, mtval_ = 0;
    std::uint64_t pmpcfg_[2] = {}, pmpaddr_[16] = {};
    std::uint64_t reservation_ = ~0ull; // LR/SC reserved address, ~0 = none

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

    // Memory access.
    dmi_region read_dmi_, write_dmi_;   // most recently used
    std::vector<dmi_region> dmi_regions_; // all granted (read-write and read-only)
    std::vector<store_observer*> observers_; // every observer met: fences are reported to them
    std::vector<access_timing*> timings_;     // every timing met: fences wait for them
    void learn_fence_hooks(store_observer* observer, access_timing* timing); // null: none
    tlm::tlm_generic_payload gp_;
    std::unordered_map<std::uint64_t, std::unique_ptr<code_page>> code_pages_;
    code_page* current_page_ = nullptr;
};

template <typename T> inline bool hart::load(std::uint64_t addr, T& value, int rd) {
    const std::uint64_t off = addr - read_dmi_.base;
    if (off < read_dmi_.limit) {
        std::memcpy(&value, read_dmi_.ptr + off, sizeof(T));
        if (read_dmi_.timing) timed_load(read_dmi_, off, sizeof(T), rd);
        else cycle_ += read_dmi_.latency_cycles;
        return true;
    }
    return load_slow(addr, &value, sizeof(T), rd);
}

template <typename T> inline bool hart::store(std::uint64_t addr, T value, std::uint64_t pc) {
    const std::uint64_t off = addr - write_dmi_.base;
    if (off < write_dmi_.limit) {
        if (write_dmi_.observer) write_dmi_.observer->before_store(write_dmi_.observer_base + off, sizeof(T), pc);
        std::memcpy(write_dmi_.ptr + off, &value, sizeof(T));
        if (write_dmi_.timing) timed_store(write_dmi_, off, sizeof(T));
        else cycle_ += write_dmi_.latency_cycles;
        return true;
    }
    return store_slow(addr, &value, sizeof(T), pc);
}

} // namespace pmemvp::riscv
