// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/cpu/debug_target.h"
#include "pmemvp/tlm/access_timing.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/store_observer.h"

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

namespace pmemvp::cpu {

struct core_config {
    sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS); // 1 GHz
    unsigned cpi = 1; // cycles per non-memory instruction
    bool dmi = true;  // off: every access goes through b_transport
};

// The ISA-neutral part of a CPU model: a TLM-2.0 initiator with the run loop (temporal
// decoupling up to the global quantum, never past the next pending SystemC event), sleeping in
// wait-for-interrupt, halt and reset, interrupt lines, the DMI region cache, a virtually tagged
// TLB of host pointers, physical memory access with timing (DMI latencies, access_timing hooks,
// a scoreboard of loads in flight), and the debug target (registers and translation come from
// the ISA; breakpoints, stepping and stopping are done here).
// An ISA derives from it and implements execute() and the hooks below.
class core : public sc_core::sc_module, public irq_sink, public debug_target {
public:
    SC_HAS_PROCESS(core);
    tlm_utils::simple_initiator_socket<core> socket;

    core(const sc_core::sc_module_name& name, const core_config& config);
    ~core() override;

    // Interrupt lines, numbered as the ISA numbers them; a change ends the run-ahead.
    void set_irq(unsigned line, bool level) override;
    std::uint64_t irq_lines() const { return irq_lines_; }
    // Stops executing for good (the test finisher ends the run).
    void halt();
    bool halted() const { return halted_; }
    // Back to the reset state after the current instruction: safe to call from a device the
    // CPU is accessing.
    void reset();
    // Called (after halt) when the CPU can never go on; the text says why, `pc` is where the
    // guest went wrong (for a report that names its function).
    std::function<void(const std::string&, std::uint64_t pc)> on_stuck;

    // Bring-up tracing, as QEMU's -d: which categories are on, and where their lines go (with
    // the pc of the instruction they concern).
    enum trace_category : unsigned {
        trace_interrupts = 1,   // every trap and interrupt taken, SBI calls (ecall from S)
        trace_guest_errors = 2, // accesses the memory system refuses
        trace_unimplemented = 4, // CSRs and instructions the CPU does not implement
    };
    void set_trace(unsigned categories, std::function<void(unsigned, std::uint64_t pc, const std::string&)> sink) {
        trace_categories_ = sink ? categories : 0;
        trace_sink_ = std::move(sink);
    }

    std::uint64_t instructions() const { return instret_; }
    std::uint64_t cycles() const { return cycle_; }
    // Simulated time of this CPU: the kernel's time plus the time it has run ahead.
    sc_core::sc_time local_time() const;
    sc_core::sc_time now() const { return sc_core::sc_time_stamp() + local_time(); }
    // Whether the CPU is executing an instruction: then anything a device or memory reports
    // (a store, a fence, a flush-hint write) comes from that instruction.
    bool executing() const { return executing_; }
    // While executing: when the current instruction started, before any latency it has. A
    // power failure just before this time comes before the instruction, one just after it
    // comes after it (crash campaigns rely on both). Valid in the instructions that call
    // mark_instruction_start().
    sc_core::sc_time instruction_start() const { return now() - since_instruction_start(); }
    // How long ago (in this CPU's time) the last marked instruction started; at the end of a
    // run, the end's time minus this is when the last instruction started.
    sc_core::sc_time since_instruction_start() const {
        return sc_core::sc_time::from_value(period_value_ * (cycle_ - instruction_start_cycle_));
    }
    virtual std::uint64_t pc() const = 0;
    bool waiting_for_interrupt() const { return wfi_; }

    // debug_target: run control. When the CPU stops, on_stop is called, then the simulation
    // pauses (sc_pause) and stays paused at that instruction until resume() or step().
    void add_breakpoint(std::uint64_t pc) override;
    void remove_breakpoint(std::uint64_t pc) override;
    void add_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) override;
    void remove_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) override;
    watch_hit last_watch() const override { return last_watch_; }
    bool translate(std::uint64_t address, std::uint64_t& physical) override {
        return debug_translate(address, physical);
    }
    void request_stop() override;
    void step() override;
    void resume() override;
    bool stopped() const override { return stopped_; }
    stop_reason last_stop() const override { return last_stop_; }
    std::function<void(stop_reason)> on_stop;
    // debug_target: memory. Physical accesses are debug transactions (transport_dbg).
    std::size_t read_memory(std::uint64_t address, void* data, std::size_t length,
                            address_space space) override;
    std::size_t write_memory(std::uint64_t address, const void* data, std::size_t length,
                             address_space space) override;

protected:
    // What the ISA implements.
    virtual void execute() = 0;           // runs until cycle_ >= limit_
    virtual void take_interrupts() = 0;   // at the start of each slice of run-ahead
    virtual bool interrupt_waiting() = 0; // wakes wfi: an enabled interrupt is pending
    virtual void reset_state() = 0;       // the ISA's registers at reset
    virtual void memory_map_changed() = 0; // DMI withdrawn: drop decoded code and the like
    // A debugger's translation: no side effect (no A/D update, no fault taken).
    virtual bool debug_translate(std::uint64_t va, std::uint64_t& pa) = 0;
    // Breakpoints live in the ISA's decode path, watchpoints in its memory access path: they
    // must learn of changes (without flushing anything that costs simulated time).
    virtual void breakpoints_changed() = 0;
    virtual void watchpoints_changed() = 0;

    // For the ISA's decode and memory paths. A breakpoint the CPU must stop at before executing
    // `pc` (not the one a stop is being left from).
    bool breakpoint_at(std::uint64_t pc) const { return pc != resume_past_ && breakpoints_.count(pc); }
    bool has_breakpoint(std::uint64_t pc) const { return breakpoints_.count(pc); }
    bool watching() const { return !watchpoints_.empty(); }
    // Whether an access to [va, va + length) hits a watchpoint; true: the ISA abandons the
    // instruction (not executed, not counted: abandon_instruction()) and the CPU stops before it.
    bool watch_hit_by(std::uint64_t va, unsigned length, bool read, bool write);
    // The instruction being executed does not happen: it stays at its pc, uncounted, and the
    // slice ends. For a breakpoint or watchpoint stop.
    void abandon_instruction(stop_reason why) {
        --instret_;
        cycle_ -= config_.cpi;
        limit_ = 0;
        debug_hit_ = why;
    }

    // One translated page with its DMI host pointer: a hit costs a tag compare. The ISA makes
    // the tag (page number and translation context).
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
    using tlb = std::array<tlb_entry, tlb_size>;
    static tlb_entry& tlb_slot(tlb& t, std::uint64_t va) { return t[(va >> 12) % tlb_size]; }
    // Fills `entry` for the 4 KiB page at `pa` if DMI covers all of it (write: with write access).
    bool fill_tlb(tlb_entry& entry, std::uint64_t tag, std::uint64_t pa, bool write);

    // Instructions retired but not yet counted in cycle_ and instret_ (a register of the
    // ISA's loop): counted before anything reads them.
    void retire(std::uint64_t& retired) {
        cycle_ += retired * config_.cpi;
        instret_ += retired;
        retired = 0;
    }
    // For instruction_start(): called by the ISA, once the current instruction is retired and
    // before it adds latency, by every instruction that may make a persistence event (fences,
    // cache-block operations, stores through the slow path: flush hints, the finisher) or end
    // the run (wfi). Not on the hot paths: DMI loads and stores never make one.
    void mark_instruction_start() { instruction_start_cycle_ = cycle_ - config_.cpi; }
    // rd: the register the value goes to; x0 discards it (nothing waits), load_blocking waits
    // for the data now, load_fetch is not timed (instruction fetch is part of the CPI).
    static constexpr int load_blocking = -2, load_fetch = -1;
    // Physical accesses: false if the memory system refused.
    bool load_phys(std::uint64_t addr, void* data, unsigned len, int rd);
    bool store_phys(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc);
    // A cache-block operation or other command the ISA sends with its extensions; returns the
    // response and learns the fence hooks the target names.
    void send_cache_block_op(tlm::tlm_generic_payload& gp);
    // Timed memory.
    sc_core::sc_time current_time() const {
        return sc_core::sc_time_stamp() + sc_core::sc_time::from_value(period_value_ * (cycle_ - synced_cycle_));
    }
    std::uint64_t cycles_until(const sc_core::sc_time& t) const; // 0 if not later than now
    void timed_load(access_timing* timing, std::uint64_t offset, unsigned len, int rd);
    void timed_store(access_timing* timing, std::uint64_t offset, unsigned len);
    void note_ready(int rd, const sc_core::sc_time& ready); // rd gets its data at `ready`
    // The scoreboard: waits for the registers in `reads`, forgets `writes`.
    void wait_for_registers(std::uint32_t reads, unsigned writes);
    void wait_for_all(); // fences: every load in flight and every timed memory's queue
    const std::vector<store_observer*>& fence_observers() const { return observers_; }
    // Wakes a sleeping CPU (and ends the run-ahead) at simulated time `at` (a timer compare).
    void wake_at(const sc_core::sc_time& at);
    // Ends the current slice after this instruction (interrupts may have become deliverable).
    void end_slice() { limit_ = 0; }
    bool tracing(unsigned category) const { return trace_categories_ & category; }
    void trace(unsigned category, std::uint64_t pc, const std::string& text) const {
        if (trace_categories_ & category) trace_sink_(category, pc, text);
    }
    void enter_wfi() {
        wfi_ = true;
        limit_ = 0;
    }

    core_config config_;
    logger log_;
    std::uint64_t cycle_ = 0;   // cycles since construction
    std::uint64_t instret_ = 0;
    std::uint64_t limit_ = 0;   // execute() stops when cycle_ reaches it
    bool executing_ = false;
    std::uint64_t instruction_start_cycle_ = 0; // see instruction_start()
    std::uint32_t pending_ = 0; // registers waiting for a timed load
    bool code_flush_pending_ = false; // decoded code is stale: dropped before the next slice

private:
    struct dmi_region {
        std::uint64_t base = 0;
        std::uint64_t limit = 0; // 0: no access of this kind
        std::uint64_t end = 0;   // last address
        unsigned char* ptr = nullptr;
        std::uint64_t latency_cycles = 0;
        store_observer* observer = nullptr; // told of every store before it happens
        std::uint64_t observer_base = 0;    // the observer's offset of `base`
        access_timing* timing = nullptr;    // asked for each access instead of latency_cycles
        std::uint64_t timing_base = 0;      // the timing's offset of `base`
    };

    void run(); // the SC_THREAD
    void sync();
    void apply_reset();
    void stop(stop_reason why);
    bool transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len);
    bool acquire_dmi(std::uint64_t addr, bool write);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    void learn_fence_hooks(store_observer* observer, access_timing* timing); // null: none
    std::size_t debug_access(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data,
                             std::size_t length, address_space space);

    std::uint64_t synced_cycle_ = 0; // cycle_ at the last wait()
    sc_core::sc_time::value_type period_value_;
    std::uint64_t ready_cycle_[32] = {}; // when each register gets its data
    std::uint64_t irq_lines_ = 0;
    bool halted_ = false;
    bool wfi_ = false;
    bool reset_pending_ = false;
    sc_core::sc_event irq_event_;
    sc_core::sc_event wake_event_;
    sc_core::sc_event debug_event_; // a debugger's stop request
    std::vector<dmi_region> dmi_regions_; // all granted, in pairs: read, then write
    std::vector<store_observer*> observers_; // every observer met: fences are reported to them
    std::vector<access_timing*> timings_;     // every timing met: fences wait for them
    tlm::tlm_generic_payload gp_;

    unsigned trace_categories_ = 0;
    std::function<void(unsigned, std::uint64_t, const std::string&)> trace_sink_;

    // Run control for debuggers.
    struct watchpoint {
        std::uint64_t address, length;
        watch_kind kind;
        bool operator==(const watchpoint& o) const {
            return address == o.address && length == o.length && kind == o.kind;
        }
    };
    std::vector<watchpoint> watchpoints_;
    watch_hit last_watch_;
    bool watch_skip_ = false; // the instruction a watchpoint stopped before runs once unwatched
    stop_reason debug_hit_ = stop_reason::none; // a breakpoint or watchpoint the slice ended at
    std::set<std::uint64_t> breakpoints_;
    bool stop_requested_ = false, step_pending_ = false, stopped_ = false;
    std::uint64_t resume_past_ = ~0ull; // a breakpoint pc to execute once when resuming there
    stop_reason last_stop_ = stop_reason::none;
};

} // namespace pmemvp::cpu
