// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/cpu/core.h"

#include "pmemvp/tlm/persistence_extension.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace pmemvp::cpu {

using sc_core::sc_time;

core::core(const sc_core::sc_module_name& name, const core_config& config)
    : sc_module(name), socket("socket"), config_(config), log_(this->name()),
      period_value_(config.clock_period.value()) {
    socket.register_invalidate_direct_mem_ptr(this, &core::invalidate_direct_mem_ptr);
    SC_THREAD(run);
}

core::~core() = default;

void core::reset() {
    reset_pending_ = true;
    limit_ = 0;
    irq_event_.notify(sc_core::SC_ZERO_TIME); // wakes a CPU in WFI or halted
}

void core::apply_reset() {
    reset_pending_ = false;
    pending_ = 0;
    halted_ = wfi_ = false;
    code_flush_pending_ = true;
    limit_ = 0;
    reset_state();
}

sc_time core::local_time() const {
    return config_.clock_period * static_cast<double>(cycle_ - synced_cycle_);
}

void core::set_irq(unsigned line, bool level) {
    const std::uint64_t bit = 1ull << line;
    irq_lines_ = level ? (irq_lines_ | bit) : (irq_lines_ & ~bit);
    limit_ = 0; // leave the execution loop to look at it
    if (level) irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void core::halt() {
    halted_ = true;
    limit_ = 0;
}

void core::wake_at(const sc_time& at) {
    wake_event_.cancel();
    if (at > sc_core::sc_time_stamp()) wake_event_.notify(at - sc_core::sc_time_stamp());
}

void core::sync() {
    const sc_time ahead = local_time();
    synced_cycle_ = cycle_;
    wait(ahead);
}

void core::run() {
    apply_reset();
    const sc_time period = config_.clock_period;
    for (;;) {
        if (reset_pending_) apply_reset();
        if (code_flush_pending_) {
            code_flush_pending_ = false;
            memory_map_changed();
        }
        if (halted_) {
            sync();
            wait(irq_event_); // only a reset brings it back
            continue;
        }
        if (wfi_) {
            if (!interrupt_waiting()) {
                if (stop_requested_) { // a debugger stops a sleeping CPU too; it sleeps on after
                    stop(stop_reason::request);
                    continue;
                }
                sync();
                const sc_time asleep = sc_core::sc_time_stamp();
                wait(irq_event_ | wake_event_ | debug_event_);
                // The clock runs on while the CPU sleeps: the cycle counter keeps counting.
                const auto slept = static_cast<std::uint64_t>((sc_core::sc_time_stamp() - asleep) / period);
                cycle_ += slept;
                synced_cycle_ += slept;
                continue;
            }
            wfi_ = false;
        }
        take_interrupts();
        if (pc() != resume_past_) resume_past_ = ~0ull; // an interrupt moved the pc first
        if (stop_requested_ || step_pending_ || resume_past_ != ~0ull || watch_skip_) {
            // One instruction in this slice: a debugger stops the CPU, steps it, or lets it
            // leave a stop (the instruction at a breakpoint or watchpoint runs once without
            // stopping). Slices change nothing simulated (their ends are not events).
            if (stop_requested_) {
                stop(stop_reason::request);
                continue;
            }
            limit_ = cycle_ + 1;
            executing_ = true;
            execute();
            executing_ = false;
            resume_past_ = ~0ull;
            watch_skip_ = false;
            sync();
            if (debug_hit_ != stop_reason::none) {
                stop(std::exchange(debug_hit_, stop_reason::none));
            } else if (step_pending_) {
                step_pending_ = false;
                stop(stop_reason::step);
            }
            continue;
        }
        // Run ahead up to the quantum, but never past the next thing the kernel will do.
        // Breakpoints and watchpoints end the slice where they are met (debug_hit_).
        sc_time slice = tlm::tlm_global_quantum::instance().compute_local_quantum();
        slice = std::min(slice, sc_core::sc_time_to_pending_activity());
        const auto budget = static_cast<std::uint64_t>(slice / period);
        limit_ = cycle_ + std::max<std::uint64_t>(budget, 1);
        executing_ = true;
        execute();
        executing_ = false;
        sync();
        if (debug_hit_ != stop_reason::none) stop(std::exchange(debug_hit_, stop_reason::none));
    }
}

void core::stop(stop_reason why) {
    stopped_ = true;
    stop_requested_ = step_pending_ = false; // a step ends at any stop
    last_stop_ = why;
    resume_past_ = pc(); // leaving a stop executes the instruction there, breakpoint or not
    watch_skip_ = why == stop_reason::watchpoint; // and its access, watched or not
    if (on_stop) on_stop(why);
    // The whole simulation stays where it is until the debugger lets the CPU go on.
    while (stopped_) {
        sc_core::sc_pause();
        wait(sc_core::SC_ZERO_TIME);
    }
}

void core::add_breakpoint(std::uint64_t pc) {
    if (breakpoints_.insert(pc).second) breakpoints_changed();
    limit_ = 0;
}

void core::remove_breakpoint(std::uint64_t pc) {
    if (breakpoints_.erase(pc)) breakpoints_changed();
}

void core::add_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) {
    watchpoints_.push_back({address, std::max<std::uint64_t>(length, 1), kind});
    watchpoints_changed();
    limit_ = 0;
}

void core::remove_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) {
    const auto w = std::find(watchpoints_.begin(), watchpoints_.end(),
                             watchpoint{address, std::max<std::uint64_t>(length, 1), kind});
    if (w == watchpoints_.end()) return;
    watchpoints_.erase(w);
    watchpoints_changed();
}

bool core::watch_hit_by(std::uint64_t va, unsigned length, bool read, bool write) {
    if (watch_skip_) return false;
    for (const watchpoint& w : watchpoints_) {
        const bool kind_matches = w.kind == watch_kind::access ||
                                  (w.kind == watch_kind::write ? write : read);
        // Overlap of [va, va + length) and [w.address, w.address + w.length), without overflow.
        const bool overlaps = va - w.address < w.length || w.address - va < length;
        if (kind_matches && overlaps) {
            // GDB is told the watched address the access touched.
            last_watch_ = {std::max(va, w.address), w.kind};
            return true;
        }
    }
    return false;
}

void core::request_stop() {
    stop_requested_ = true;
    limit_ = 0;
    debug_event_.notify(sc_core::SC_ZERO_TIME); // wakes a CPU asleep in WFI
}

void core::step() {
    step_pending_ = true;
    stopped_ = false;
}

void core::resume() { stopped_ = false; }

std::size_t core::read_memory(std::uint64_t address, void* data, std::size_t length, address_space space) {
    return debug_access(tlm::TLM_READ_COMMAND, address, static_cast<unsigned char*>(data), length, space);
}

std::size_t core::write_memory(std::uint64_t address, const void* data, std::size_t length,
                               address_space space) {
    return debug_access(tlm::TLM_WRITE_COMMAND, address,
                        const_cast<unsigned char*>(static_cast<const unsigned char*>(data)), length, space);
}

std::size_t core::debug_access(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data,
                               std::size_t length, address_space space) {
    std::size_t done = 0;
    while (done < length) {
        // Page by page: each page has its own translation.
        const std::uint64_t va = address + done;
        const std::size_t chunk = std::min<std::size_t>(length - done, 4096 - (va & 0xfff));
        std::uint64_t pa = va;
        if (space == address_space::virtual_memory && !debug_translate(va, pa)) break;
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(pa);
        gp.set_data_ptr(data + done);
        gp.set_data_length(static_cast<unsigned>(chunk));
        gp.set_streaming_width(static_cast<unsigned>(chunk));
        const unsigned n = socket->transport_dbg(gp);
        done += n;
        if (n < chunk) break;
    }
    return done;
}

bool core::fill_tlb(tlb_entry& entry, std::uint64_t tag, std::uint64_t pa, bool write) {
    if (!config_.dmi) return false;
    const std::uint64_t page = pa & ~0xfffull;
    for (std::size_t i = write ? 1 : 0; i < dmi_regions_.size(); i += 2) {
        const dmi_region& r = dmi_regions_[i];
        if (!r.ptr || page < r.base || page - r.base > r.end - r.base || r.end - page < 0xfff) continue;
        if (write && !r.limit) return false;
        const std::uint64_t offset = page - r.base;
        entry.tag = tag;
        entry.host = r.ptr + offset;
        entry.latency = r.latency_cycles;
        entry.observer = r.observer;
        entry.observer_base = r.observer_base + offset;
        entry.timing = r.timing;
        entry.timing_base = r.timing_base + offset;
        entry.physical = page;
        return true;
    }
    return false;
}

void core::wait_for_registers(std::uint32_t needed, unsigned writes) {
    needed &= pending_;
    for (unsigned r = 1; needed; ++r)
        if (needed & (1u << r)) {
            cycle_ = std::max(cycle_, ready_cycle_[r]);
            needed &= ~(1u << r);
        }
    // Registers whose data has arrived, or that this instruction overwrites, wait no more.
    for (unsigned r = 1; r < 32; ++r)
        if ((pending_ & (1u << r)) && ready_cycle_[r] <= cycle_) pending_ &= ~(1u << r);
    if (writes) pending_ &= ~(1u << writes);
}

void core::send_cache_block_op(tlm::tlm_generic_payload& gp) {
    store_observer_extension observer_ext; // the target names where the line went: a later
    access_timing_extension timing_ext;    // fence must reach them, with DMI or without
    gp.set_extension(&observer_ext);
    gp.set_extension(&timing_ext);
    sc_time delay = local_time();
    const sc_time before = delay;
    socket->b_transport(gp, delay);
    gp.clear_extension(&observer_ext);
    gp.clear_extension(&timing_ext);
    learn_fence_hooks(observer_ext.hook, timing_ext.hook);
    if (delay > before)
        cycle_ += static_cast<std::uint64_t>((delay - before) / config_.clock_period + 0.999999);
}

bool core::transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
    gp_.set_command(cmd);
    gp_.set_address(addr);
    gp_.set_data_ptr(static_cast<unsigned char*>(data));
    gp_.set_data_length(len);
    gp_.set_streaming_width(len);
    gp_.set_byte_enable_ptr(nullptr);
    gp_.set_dmi_allowed(false);
    gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const sc_time before = local_time();
    sc_time delay = before;
    socket->b_transport(gp_, delay);
    if (delay > before) {
        const double extra = (delay - before) / config_.clock_period;
        cycle_ += static_cast<std::uint64_t>(extra + 0.999999);
    }
    if (config_.dmi && gp_.is_dmi_allowed())
        acquire_dmi(addr, cmd == tlm::TLM_WRITE_COMMAND);
    return gp_.is_response_ok();
}

bool core::acquire_dmi(std::uint64_t addr, bool write) {
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    store_observer_extension observer_ext; // we tell a target's observer of our DMI stores
    access_timing_extension timing_ext;    // and ask a timed target's timing for each access
    gp.set_extension(&observer_ext);
    gp.set_extension(&timing_ext);
    tlm::tlm_dmi dmi;
    const bool granted = socket->get_direct_mem_ptr(gp, dmi);
    gp.clear_extension(&observer_ext);
    gp.clear_extension(&timing_ext);
    if (!granted || !dmi.is_read_allowed())
        return false;
    dmi_region r;
    r.base = dmi.get_start_address();
    r.end = dmi.get_end_address();
    const std::uint64_t size = r.end - r.base + 1;
    r.limit = size >= 8 ? size - 7 : 0;
    r.ptr = dmi.get_dmi_ptr();
    r.latency_cycles = static_cast<std::uint64_t>(dmi.get_read_latency() / config_.clock_period);
    r.timing = timing_ext.hook;
    r.timing_base = timing_ext.base;
    dmi_region w = r;
    w.latency_cycles = static_cast<std::uint64_t>(dmi.get_write_latency() / config_.clock_period);
    w.observer = observer_ext.hook;
    w.observer_base = observer_ext.base;
    learn_fence_hooks(w.observer, r.timing);
    if (!dmi.is_write_allowed())
        w.limit = 0;
    // Keep one entry per region: reads and writes share it, each with its own latency.
    dmi_regions_.erase(std::remove_if(dmi_regions_.begin(), dmi_regions_.end(),
                                      [&](const dmi_region& e) { return e.base == r.base; }),
                       dmi_regions_.end());
    // A bounded list: a striped memory grants one stripe at a time.
    constexpr std::size_t max_regions = 32;
    if (dmi_regions_.size() >= 2 * max_regions)
        dmi_regions_.erase(dmi_regions_.begin(), dmi_regions_.begin() + 2);
    dmi_regions_.push_back(r);
    dmi_regions_.push_back(w);
    return true;
}

void core::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    auto overlaps = [&](const dmi_region& e) {
        return e.ptr && e.base <= end && start <= e.end;
    };
    dmi_regions_.erase(std::remove_if(dmi_regions_.begin(), dmi_regions_.end(), overlaps),
                       dmi_regions_.end());
    // TLB entries point into the withdrawn regions, and code decoded from that memory may be
    // stale: both are dropped (after this instruction).
    code_flush_pending_ = true;
    limit_ = 0;
}

bool core::load_phys(std::uint64_t addr, void* data, unsigned len, int rd) {
    if (config_.dmi) {
        for (std::size_t i = 0; i < dmi_regions_.size(); i += 2) {
            const dmi_region& r = dmi_regions_[i];
            if (addr >= r.base && addr - r.base + len - 1 <= r.end - r.base) {
                std::memcpy(data, r.ptr + (addr - r.base), len);
                if (r.timing) {
                    if (rd != load_fetch) timed_load(r.timing, r.timing_base + (addr - r.base), len, rd);
                } else {
                    cycle_ += r.latency_cycles;
                }
                return true;
            }
        }
    }
    if (rd == load_fetch || rd == load_blocking)
        return transport(tlm::TLM_READ_COMMAND, addr, data, len);
    // A timed memory may let us go on before the data is there, as through DMI.
    load_ready_extension later;
    gp_.set_extension(&later);
    const bool ok = transport(tlm::TLM_READ_COMMAND, addr, data, len);
    gp_.clear_extension(&later);
    if (later.answered) note_ready(rd, later.ready);
    return ok;
}

bool core::store_phys(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc) {
    if (config_.dmi) {
        for (std::size_t i = 1; i < dmi_regions_.size(); i += 2) {
            const dmi_region& w = dmi_regions_[i];
            if (w.limit && addr >= w.base && addr - w.base + len - 1 <= w.end - w.base) {
                if (w.observer) w.observer->before_store(w.observer_base + (addr - w.base), len, pc);
                std::memcpy(w.ptr + (addr - w.base), data, len);
                if (w.timing) timed_store(w.timing, w.timing_base + (addr - w.base), len);
                else cycle_ += w.latency_cycles;
                return true;
            }
        }
    }
    // Through b_transport the target tells its observer; the extension carries our pc.
    persistence_extension ext(persist_op::store, pc);
    gp_.set_extension(&ext);
    const bool ok = transport(tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), len);
    gp_.clear_extension(&ext);
    return ok;
}

std::uint64_t core::cycles_until(const sc_time& t) const {
    const sc_time now = current_time();
    if (t <= now) return 0;
    return ((t - now).value() + period_value_ - 1) / period_value_;
}

void core::timed_load(access_timing* timing, std::uint64_t offset, unsigned len, int rd) {
    const access_times t = timing->load(offset, len, current_time());
    cycle_ += cycles_until(t.proceed);
    note_ready(rd, t.ready);
}

void core::note_ready(int rd, const sc_time& ready) {
    const std::uint64_t wait = cycles_until(ready);
    if (rd == load_blocking) {
        cycle_ += wait;
    } else if (wait && rd > 0) {
        ready_cycle_[rd] = cycle_ + wait;
        pending_ |= 1u << rd;
    }
}

void core::timed_store(access_timing* timing, std::uint64_t offset, unsigned len) {
    cycle_ += cycles_until(timing->store(offset, len, current_time()));
}

void core::wait_for_all() {
    for (unsigned r = 1; pending_; ++r)
        if (pending_ & (1u << r)) {
            cycle_ = std::max(cycle_, ready_cycle_[r]);
            pending_ &= ~(1u << r);
        }
    for (access_timing* t : timings_) cycle_ += cycles_until(t->fence(current_time()));
}

void core::learn_fence_hooks(store_observer* observer, access_timing* timing) {
    if (observer && std::find(observers_.begin(), observers_.end(), observer) == observers_.end())
        observers_.push_back(observer);
    if (timing && std::find(timings_.begin(), timings_.end(), timing) == timings_.end())
        timings_.push_back(timing);
}

} // namespace pmemvp::cpu
