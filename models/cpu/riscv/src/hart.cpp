// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/riscv/hart.h"

#include "pmemvp/tlm/persistence_extension.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::riscv {

using sc_core::sc_time;

namespace {

// mcause values.
enum : std::uint64_t {
    cause_fetch_access = 1,
    cause_illegal = 2,
    cause_breakpoint = 3,
    cause_load_misaligned = 4,
    cause_load_access = 5,
    cause_store_misaligned = 6,
    cause_store_access = 7,
    cause_ecall_m = 11,
    cause_interrupt = 1ull << 63,
};

// mstatus fields (machine mode only: MPP always reads M).
constexpr std::uint64_t mstatus_mie = 1u << 3, mstatus_mpie = 1u << 7, mstatus_mpp = 3u << 11;
constexpr std::uint64_t mie_mask = (1u << irq_msi) | (1u << irq_mti) | (1u << irq_mei);
// misa: RV64 (MXL=2) with A, C, I, M.
constexpr std::uint64_t misa_value = (2ull << 62) | (1u << 0) | (1u << 2) | (1u << 8) | (1u << 12);

enum csr_number : unsigned {
    csr_mstatus = 0x300, csr_misa = 0x301, csr_mie = 0x304, csr_mtvec = 0x305,
    csr_mcountinhibit = 0x320, csr_mscratch = 0x340, csr_mepc = 0x341, csr_mcause = 0x342,
    csr_mtval = 0x343, csr_mip = 0x344, csr_pmpcfg0 = 0x3a0, csr_pmpcfg2 = 0x3a2,
    csr_pmpaddr0 = 0x3b0, csr_mcycle = 0xb00, csr_minstret = 0xb02, csr_cycle = 0xc00,
    csr_time = 0xc01, csr_instret = 0xc02, csr_mvendorid = 0xf11, csr_marchid = 0xf12,
    csr_mimpid = 0xf13, csr_mhartid = 0xf14, csr_mconfigptr = 0xf15,
};

constexpr std::uint64_t page_size = 4096;

} // namespace

hart::hart(const sc_core::sc_module_name& name, const hart_config& config)
    : sc_module(name), socket("socket"), config_(config), log_(this->name()),
      period_value_(config.clock_period.value()) {
    socket.register_invalidate_direct_mem_ptr(this, &hart::invalidate_direct_mem_ptr);
    SC_THREAD(run);
    apply_reset();
}

hart::~hart() = default;

void hart::reset() {
    reset_pending_ = true;
    limit_ = 0;
    irq_event_.notify(sc_core::SC_ZERO_TIME); // wakes a hart in WFI or halted
}

void hart::apply_reset() {
    reset_pending_ = false;
    std::fill(std::begin(x_), std::end(x_), 0);
    pc_ = config_.reset_pc;
    mstatus_ = mstatus_mpp;
    mie_ = mtvec_ = mscratch_ = mepc_ = mcause_ = mtval_ = 0;
    mip_ &= mie_mask; // lines driven by devices keep their level
    reservation_ = ~0ull;
    pending_ = 0;
    halted_ = wfi_ = false;
    cycle_offset_ = cycle_;
    instret_offset_ = instret_;
    code_flush_pending_ = true;
    limit_ = 0;
}

sc_time hart::local_time() const {
    return config_.clock_period * static_cast<double>(cycle_ - synced_cycle_);
}

void hart::set_irq(unsigned line, bool level) {
    const std::uint64_t bit = 1ull << line;
    mip_ = level ? (mip_ | bit) : (mip_ & ~bit);
    limit_ = 0; // leave the execution loop to look at it
    if (level) irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void hart::halt() {
    halted_ = true;
    limit_ = 0;
}

void hart::sync() {
    const sc_time ahead = local_time();
    synced_cycle_ = cycle_;
    wait(ahead);
}

void hart::run() {
    const sc_time period = config_.clock_period;
    for (;;) {
        if (reset_pending_) apply_reset();
        if (code_flush_pending_) flush_code_cache();
        if (halted_) {
            sync();
            wait(irq_event_); // only a reset brings it back
            continue;
        }
        if (wfi_) {
            if (!(mip_ & mie_)) {
                sync();
                const sc_time asleep = sc_core::sc_time_stamp();
                wait(irq_event_);
                // The clock runs on while the hart sleeps: mcycle keeps counting.
                const auto slept = static_cast<std::uint64_t>((sc_core::sc_time_stamp() - asleep) / period);
                cycle_ += slept;
                synced_cycle_ += slept;
                continue;
            }
            wfi_ = false;
        }
        check_interrupts();
        // Run ahead up to the quantum, but never past the next thing the kernel will do.
        sc_time slice = tlm::tlm_global_quantum::instance().compute_local_quantum();
        slice = std::min(slice, sc_core::sc_time_to_pending_activity());
        const auto budget = static_cast<std::uint64_t>(slice / period);
        limit_ = cycle_ + std::max<std::uint64_t>(budget, 1);
        execute();
        sync();
    }
}

void hart::check_interrupts() {
    const std::uint64_t pending = mip_ & mie_;
    if (!pending || !(mstatus_ & mstatus_mie))
        return;
    // Priority: external, software, timer.
    for (unsigned line : {irq_mei, irq_msi, irq_mti}) {
        if (pending & (1ull << line)) {
            pc_ = trap(cause_interrupt | line, 0, pc_);
            return;
        }
    }
}

std::uint64_t hart::trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc) {
    mepc_ = epc;
    mcause_ = cause;
    mtval_ = tval;
    const bool mie = mstatus_ & mstatus_mie;
    mstatus_ = (mstatus_ & ~(mstatus_mie | mstatus_mpie)) | (mie ? mstatus_mpie : 0) | mstatus_mpp;
    reservation_ = ~0ull;
    const std::uint64_t base = mtvec_ & ~3ull;
    if ((cause & cause_interrupt) && (mtvec_ & 1))
        return base + 4 * (cause & 0xff);
    return base;
}

void hart::report_trap_loop(std::uint64_t pc) {
    const std::string text =
        "the guest fetched an instruction at pc " + util::hex(mepc_) +
        (mcause_ == cause_fetch_access ? " from an address with no memory (instruction access fault)"
                                       : " (mcause " + std::to_string(mcause_) + ")") +
        ", and its trap handler at mtvec " + util::hex(pc) +
        " cannot be fetched either; check the jump target and set mtvec before enabling traps";
    halt();
    if (on_stuck) on_stuck(text);
    else log_.error(text);
}

void hart::flush_code_cache() {
    code_pages_.clear();
    current_page_ = nullptr;
    code_flush_pending_ = false;
}

const decoded& hart::fetch(std::uint64_t pc) {
    const std::uint64_t base = pc & ~(page_size - 1);
    auto& page = code_pages_[base];
    if (!page) {
        page = std::make_unique<code_page>();
        page->base = base;
    }
    current_page_ = page.get();
    decoded& slot = page->slots[(pc - base) >> 1];
    if (slot.code == op::undecoded) {
        // Fetch time is part of the CPI: filling the decode cache must not move the timeline.
        struct keep_cycles {
            std::uint64_t& c;
            std::uint64_t saved;
            ~keep_cycles() { c = saved; }
        } keep{cycle_, cycle_};
        std::uint16_t low = 0, high = 0;
        if (!load_slow(pc, &low, 2, load_fetch)) {
            static const decoded fetch_fault = [] {
                decoded d;
                d.code = op::illegal;
                d.raw = ~0u; // marks a fetch fault, see execute()
                return d;
            }();
            current_page_ = nullptr; // do not cache a fault
            return fetch_fault;
        }
        std::uint32_t insn = low;
        if (instruction_length(low) == 4) {
            if (!load_slow(pc + 2, &high, 2, load_fetch)) {
                current_page_ = nullptr;
                static decoded fetch_fault2;
                fetch_fault2.code = op::illegal;
                fetch_fault2.raw = ~0u;
                fetch_fault2.imm = 2;
                return fetch_fault2;
            }
            insn |= static_cast<std::uint32_t>(high) << 16;
        }
        slot = decode(insn);
    }
    return slot;
}

bool hart::transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
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

bool hart::acquire_dmi(std::uint64_t addr, bool write) {
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
    read_dmi_ = r;
    if (w.limit) write_dmi_ = w;
    return true;
}

void hart::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    auto overlaps = [&](const dmi_region& e) {
        return e.ptr && e.base <= end && start <= e.end;
    };
    dmi_regions_.erase(std::remove_if(dmi_regions_.begin(), dmi_regions_.end(), overlaps),
                       dmi_regions_.end());
    if (overlaps(read_dmi_)) read_dmi_ = dmi_region{};
    if (overlaps(write_dmi_)) write_dmi_ = dmi_region{};
    // Code decoded from that memory may be stale: decode again (after this instruction).
    code_flush_pending_ = true;
    limit_ = 0;
}

bool hart::load_slow(std::uint64_t addr, void* data, unsigned len, int rd) {
    if (config_.dmi) {
        for (std::size_t i = 0; i < dmi_regions_.size(); i += 2) {
            const dmi_region& r = dmi_regions_[i];
            if (addr >= r.base && addr - r.base + len - 1 <= r.end - r.base) {
                std::memcpy(data, r.ptr + (addr - r.base), len);
                if (r.timing) {
                    if (rd != load_fetch) timed_load(r, addr - r.base, len, rd);
                } else {
                    cycle_ += r.latency_cycles;
                }
                if (r.limit) read_dmi_ = r;
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

bool hart::store_slow(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc) {
    if (config_.dmi) {
        for (std::size_t i = 1; i < dmi_regions_.size(); i += 2) {
            const dmi_region& w = dmi_regions_[i];
            if (w.limit && addr >= w.base && addr - w.base + len - 1 <= w.end - w.base) {
                if (w.observer) w.observer->before_store(w.observer_base + (addr - w.base), len, pc);
                std::memcpy(w.ptr + (addr - w.base), data, len);
                if (w.timing) timed_store(w, addr - w.base, len);
                else cycle_ += w.latency_cycles;
                write_dmi_ = w;
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

std::uint64_t hart::cycles_until(const sc_time& t) const {
    const sc_time now = current_time();
    if (t <= now) return 0;
    return ((t - now).value() + period_value_ - 1) / period_value_;
}

void hart::timed_load(const dmi_region& r, std::uint64_t offset, unsigned len, int rd) {
    const access_times t = r.timing->load(r.timing_base + offset, len, current_time());
    cycle_ += cycles_until(t.proceed);
    note_ready(rd, t.ready);
}

void hart::note_ready(int rd, const sc_time& ready) {
    const std::uint64_t wait = cycles_until(ready);
    if (rd == load_blocking) {
        cycle_ += wait;
    } else if (wait && rd > 0) {
        ready_cycle_[rd] = cycle_ + wait;
        pending_ |= 1u << rd;
    }
}

void hart::timed_store(const dmi_region& r, std::uint64_t offset, unsigned len) {
    cycle_ += cycles_until(r.timing->store(r.timing_base + offset, len, current_time()));
}

namespace {
bool reads_rs1(op code) {
    switch (code) {
    case op::lui: case op::auipc: case op::jal: case op::fence: case op::fence_i:
    case op::ecall: case op::ebreak: case op::mret: case op::wfi: case op::illegal:
    case op::undecoded: case op::csrrwi: case op::csrrsi: case op::csrrci:
        return false;
    default:
        return true;
    }
}
bool reads_rs2(op code) {
    return (code >= op::beq && code <= op::bgeu) || (code >= op::sb && code <= op::sd) ||
           (code >= op::add && code <= op::and_) || (code >= op::addw && code <= op::sraw) ||
           (code >= op::mul && code <= op::remuw) ||
           (code >= op::sc_w && code <= op::amomaxu_w) || (code >= op::sc_d && code <= op::amomaxu_d);
}
} // namespace

void hart::wait_for_operands(const decoded& d) {
    std::uint32_t needed = 0;
    if (reads_rs1(d.code)) needed |= 1u << d.rs1;
    if (reads_rs2(d.code)) needed |= 1u << d.rs2;
    needed &= pending_;
    for (unsigned r = 1; needed; ++r)
        if (needed & (1u << r)) {
            cycle_ = std::max(cycle_, ready_cycle_[r]);
            needed &= ~(1u << r);
        }
    // Registers whose data has arrived, or that this instruction overwrites, wait no more.
    for (unsigned r = 1; r < 32; ++r)
        if ((pending_ & (1u << r)) && ready_cycle_[r] <= cycle_) pending_ &= ~(1u << r);
    if (d.rd) pending_ &= ~(1u << d.rd);
}

void hart::wait_for_all() {
    for (unsigned r = 1; pending_; ++r)
        if (pending_ & (1u << r)) {
            cycle_ = std::max(cycle_, ready_cycle_[r]);
            pending_ &= ~(1u << r);
        }
    for (access_timing* t : timings_) cycle_ += cycles_until(t->fence(current_time()));
}

void hart::learn_fence_hooks(store_observer* observer, access_timing* timing) {
    if (observer && std::find(observers_.begin(), observers_.end(), observer) == observers_.end())
        observers_.push_back(observer);
    if (timing && std::find(timings_.begin(), timings_.end(), timing) == timings_.end())
        timings_.push_back(timing);
}

void hart::cache_block_op(op code, std::uint64_t addr, std::uint64_t pc) {
    const persist_op what = code == op::cbo_clean   ? persist_op::clean
                            : code == op::cbo_flush ? persist_op::flush
                                                    : persist_op::inval;
    persistence_extension ext(what, pc);
    store_observer_extension observer_ext; // the target names where the line went: a later
    access_timing_extension timing_ext;    // fence must reach them, with DMI or without
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_address(addr & ~63ull);
    gp.set_data_length(64);
    gp.set_streaming_width(64);
    gp.set_data_ptr(nullptr);
    gp.set_extension(&ext);
    gp.set_extension(&observer_ext);
    gp.set_extension(&timing_ext);
    sc_time delay = local_time();
    const sc_time before = delay;
    socket->b_transport(gp, delay);
    gp.clear_extension(&ext);
    gp.clear_extension(&observer_ext);
    gp.clear_extension(&timing_ext);
    learn_fence_hooks(observer_ext.hook, timing_ext.hook);
    if (delay > before)
        cycle_ += static_cast<std::uint64_t>((delay - before) / config_.clock_period + 0.999999);
}

bool hart::csr_read(unsigned csr, std::uint64_t& v) {
    switch (csr) {
    case csr_mstatus: v = mstatus_; return true;
    case csr_misa: v = misa_value; return true;
    case csr_mie: v = mie_; return true;
    case csr_mtvec: v = mtvec_; return true;
    case csr_mcountinhibit: v = 0; return true;
    case csr_mscratch: v = mscratch_; return true;
    case csr_mepc: v = mepc_; return true;
    case csr_mcause: v = mcause_; return true;
    case csr_mtval: v = mtval_; return true;
    case csr_mip: v = mip_; return true;
    case csr_pmpcfg0: v = pmpcfg_[0]; return true;
    case csr_pmpcfg2: v = pmpcfg_[1]; return true;
    case csr_mcycle:
    case csr_cycle: v = cycle_ - cycle_offset_; return true;
    case csr_minstret:
    case csr_instret: v = instret_ - instret_offset_; return true;
    case csr_time: v = static_cast<std::uint64_t>(now() / config_.timebase_period); return true;
    case csr_mvendorid:
    case csr_marchid:
    case csr_mimpid:
    case csr_mconfigptr: v = 0; return true;
    case csr_mhartid: v = config_.hart_id; return true;
    }
    if (csr >= csr_pmpaddr0 && csr < csr_pmpaddr0 + 16) {
        v = pmpaddr_[csr - csr_pmpaddr0];
        return true;
    }
    if ((csr > csr_mcycle + 1 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) {
        v = 0; // mhpmcounter3..31, mhpmevent3..31: present, count nothing
        return true;
    }
    return false;
}

bool hart::csr_write(unsigned csr, std::uint64_t v) {
    switch (csr) {
    case csr_mstatus:
        mstatus_ = (v & (mstatus_mie | mstatus_mpie)) | mstatus_mpp;
        limit_ = 0; // interrupts may have become deliverable
        return true;
    case csr_misa: return true; // WARL: fixed
    case csr_mie:
        mie_ = v & mie_mask;
        limit_ = 0;
        return true;
    case csr_mtvec: mtvec_ = v & ~2ull; return true; // modes 0 and 1 only
    case csr_mcountinhibit: return true;
    case csr_mscratch: mscratch_ = v; return true;
    case csr_mepc: mepc_ = v & ~1ull; return true;
    case csr_mcause: mcause_ = v; return true;
    case csr_mtval: mtval_ = v; return true;
    case csr_mip: return true; // MSIP/MTIP/MEIP are driven by devices
    case csr_pmpcfg0: pmpcfg_[0] = v; return true;
    case csr_pmpcfg2: pmpcfg_[1] = v; return true;
    case csr_mcycle: cycle_offset_ = cycle_ - v; return true;
    case csr_minstret: instret_offset_ = instret_ + 1 - v; return true; // this one retires too
    }
    if (csr >= csr_pmpaddr0 && csr < csr_pmpaddr0 + 16) {
        pmpaddr_[csr - csr_pmpaddr0] = v & ((1ull << 54) - 1);
        return true;
    }
    if ((csr > csr_mcycle + 1 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f))
        return true;
    return false;
}

template <typename T> bool hart::amo(const decoded& d, std::uint64_t pc, std::uint64_t& npc) {
    using S = std::make_signed_t<T>;
    const std::uint64_t addr = x_[d.rs1];
    const bool is_lr = d.code == op::lr_w || d.code == op::lr_d;
    if (addr % sizeof(T)) {
        npc = trap(is_lr ? cause_load_misaligned : cause_store_misaligned, addr, pc);
        return false;
    }
    T old{};
    if (!load(addr, old, load_blocking)) {
        npc = trap(is_lr ? cause_load_access : cause_store_access, addr, pc);
        return false;
    }
    const T src = static_cast<T>(x_[d.rs2]);
    T result;
    switch (d.code) {
    case op::lr_w:
    case op::lr_d:
        reservation_ = addr;
        x_[d.rd] = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<S>(old)));
        return true;
    case op::sc_w:
    case op::sc_d:
        if (reservation_ != addr) {
            x_[d.rd] = 1;
            reservation_ = ~0ull;
            return true;
        }
        reservation_ = ~0ull;
        if (!store(addr, src, pc)) {
            npc = trap(cause_store_access, addr, pc);
            return false;
        }
        x_[d.rd] = 0;
        return true;
    case op::amoswap_w: case op::amoswap_d: result = src; break;
    case op::amoadd_w: case op::amoadd_d: result = static_cast<T>(old + src); break;
    case op::amoxor_w: case op::amoxor_d: result = old ^ src; break;
    case op::amoand_w: case op::amoand_d: result = old & src; break;
    case op::amoor_w: case op::amoor_d: result = old | src; break;
    case op::amomin_w: case op::amomin_d:
        result = static_cast<S>(old) < static_cast<S>(src) ? old : src; break;
    case op::amomax_w: case op::amomax_d:
        result = static_cast<S>(old) > static_cast<S>(src) ? old : src; break;
    case op::amominu_w: case op::amominu_d: result = old < src ? old : src; break;
    default: result = old > src ? old : src; break; // amomaxu
    }
    if (!store(addr, result, pc)) {
        npc = trap(cause_store_access, addr, pc);
        return false;
    }
    x_[d.rd] = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<S>(old)));
    return true;
}

void hart::execute() {
    using u64 = std::uint64_t;
    using i64 = std::int64_t;
    using u32 = std::uint32_t;
    using i32 = std::int32_t;
    auto sx32 = [](u64 v) { return static_cast<u64>(static_cast<i64>(static_cast<i32>(v))); };
    u64* const x = x_;
    u64 pc = pc_;
    const unsigned cpi = config_.cpi;

    while (cycle_ < limit_) {
        const decoded* dp;
        const u64 off = pc - (current_page_ ? current_page_->base : ~0ull);
        if (current_page_ && off < page_size && current_page_->slots[off >> 1].code != op::undecoded)
            dp = &current_page_->slots[off >> 1];
        else
            dp = &fetch(pc);
        const decoded& d = *dp;
        if (pending_) wait_for_operands(d);
        u64 npc = pc + d.length;
        const u64 rs1 = x[d.rs1], rs2 = x[d.rs2];
        cycle_ += cpi;
        ++instret_;

#define LOAD(T, conv)                                                                              \
    {                                                                                              \
        T v;                                                                                       \
        const u64 a = rs1 + static_cast<u64>(d.imm);                                               \
        if (load(a, v, d.rd)) x[d.rd] = conv;                                                            \
        else npc = trap(cause_load_access, a, pc);                                                 \
    }                                                                                              \
    break
#define STORE(T)                                                                                   \
    {                                                                                              \
        const u64 a = rs1 + static_cast<u64>(d.imm);                                               \
        if (!store(a, static_cast<T>(rs2), pc)) npc = trap(cause_store_access, a, pc);             \
    }                                                                                              \
    break

        switch (d.code) {
        case op::lui: x[d.rd] = static_cast<u64>(d.imm); break;
        case op::auipc: x[d.rd] = pc + static_cast<u64>(d.imm); break;
        case op::jal: x[d.rd] = npc; npc = pc + static_cast<u64>(d.imm); break;
        case op::jalr: {
            const u64 target = (rs1 + static_cast<u64>(d.imm)) & ~1ull;
            x[d.rd] = npc;
            npc = target;
            break;
        }
        case op::beq: if (rs1 == rs2) npc = pc + d.imm; break;
        case op::bne: if (rs1 != rs2) npc = pc + d.imm; break;
        case op::blt: if (static_cast<i64>(rs1) < static_cast<i64>(rs2)) npc = pc + d.imm; break;
        case op::bge: if (static_cast<i64>(rs1) >= static_cast<i64>(rs2)) npc = pc + d.imm; break;
        case op::bltu: if (rs1 < rs2) npc = pc + d.imm; break;
        case op::bgeu: if (rs1 >= rs2) npc = pc + d.imm; break;
        case op::lb: LOAD(std::int8_t, static_cast<u64>(static_cast<i64>(v)));
        case op::lh: LOAD(std::int16_t, static_cast<u64>(static_cast<i64>(v)));
        case op::lw: LOAD(std::int32_t, static_cast<u64>(static_cast<i64>(v)));
        case op::ld: LOAD(u64, v);
        case op::lbu: LOAD(std::uint8_t, v);
        case op::lhu: LOAD(std::uint16_t, v);
        case op::lwu: LOAD(u32, v);
        case op::sb: STORE(std::uint8_t);
        case op::sh: STORE(std::uint16_t);
        case op::sw: STORE(u32);
        case op::sd: STORE(u64);
        case op::addi: x[d.rd] = rs1 + static_cast<u64>(d.imm); break;
        case op::slti: x[d.rd] = static_cast<i64>(rs1) < d.imm; break;
        case op::sltiu: x[d.rd] = rs1 < static_cast<u64>(d.imm); break;
        case op::xori: x[d.rd] = rs1 ^ static_cast<u64>(d.imm); break;
        case op::ori: x[d.rd] = rs1 | static_cast<u64>(d.imm); break;
        case op::andi: x[d.rd] = rs1 & static_cast<u64>(d.imm); break;
        case op::slli: x[d.rd] = rs1 << d.imm; break;
        case op::srli: x[d.rd] = rs1 >> d.imm; break;
        case op::srai: x[d.rd] = static_cast<u64>(static_cast<i64>(rs1) >> d.imm); break;
        case op::add: x[d.rd] = rs1 + rs2; break;
        case op::sub: x[d.rd] = rs1 - rs2; break;
        case op::sll: x[d.rd] = rs1 << (rs2 & 63); break;
        case op::slt: x[d.rd] = static_cast<i64>(rs1) < static_cast<i64>(rs2); break;
        case op::sltu: x[d.rd] = rs1 < rs2; break;
        case op::xor_: x[d.rd] = rs1 ^ rs2; break;
        case op::srl: x[d.rd] = rs1 >> (rs2 & 63); break;
        case op::sra: x[d.rd] = static_cast<u64>(static_cast<i64>(rs1) >> (rs2 & 63)); break;
        case op::or_: x[d.rd] = rs1 | rs2; break;
        case op::and_: x[d.rd] = rs1 & rs2; break;
        case op::addiw: x[d.rd] = sx32(rs1 + static_cast<u64>(d.imm)); break;
        case op::slliw: x[d.rd] = sx32(static_cast<u32>(rs1) << d.imm); break;
        case op::srliw: x[d.rd] = sx32(static_cast<u32>(rs1) >> d.imm); break;
        case op::sraiw: x[d.rd] = sx32(static_cast<u32>(static_cast<i32>(rs1) >> d.imm)); break;
        case op::addw: x[d.rd] = sx32(rs1 + rs2); break;
        case op::subw: x[d.rd] = sx32(rs1 - rs2); break;
        case op::sllw: x[d.rd] = sx32(static_cast<u32>(rs1) << (rs2 & 31)); break;
        case op::srlw: x[d.rd] = sx32(static_cast<u32>(rs1) >> (rs2 & 31)); break;
        case op::sraw: x[d.rd] = sx32(static_cast<u32>(static_cast<i32>(rs1) >> (rs2 & 31))); break;
        case op::mul: x[d.rd] = rs1 * rs2; break;
        case op::mulh:
            x[d.rd] = static_cast<u64>((static_cast<__int128>(static_cast<i64>(rs1)) *
                                        static_cast<i64>(rs2)) >> 64);
            break;
        case op::mulhsu:
            x[d.rd] = static_cast<u64>((static_cast<__int128>(static_cast<i64>(rs1)) *
                                        static_cast<__int128>(rs2)) >> 64);
            break;
        case op::mulhu:
            x[d.rd] = static_cast<u64>((static_cast<unsigned __int128>(rs1) * rs2) >> 64);
            break;
        case op::div:
            x[d.rd] = rs2 == 0 ? ~0ull
                      : (static_cast<i64>(rs1) == INT64_MIN && static_cast<i64>(rs2) == -1)
                          ? rs1
                          : static_cast<u64>(static_cast<i64>(rs1) / static_cast<i64>(rs2));
            break;
        case op::divu: x[d.rd] = rs2 == 0 ? ~0ull : rs1 / rs2; break;
        case op::rem:
            x[d.rd] = rs2 == 0 ? rs1
                      : (static_cast<i64>(rs1) == INT64_MIN && static_cast<i64>(rs2) == -1)
                          ? 0
                          : static_cast<u64>(static_cast<i64>(rs1) % static_cast<i64>(rs2));
            break;
        case op::remu: x[d.rd] = rs2 == 0 ? rs1 : rs1 % rs2; break;
        case op::mulw: x[d.rd] = sx32(rs1 * rs2); break;
        case op::divw: {
            const i32 a = static_cast<i32>(rs1), b = static_cast<i32>(rs2);
            x[d.rd] = b == 0 ? ~0ull : (a == INT32_MIN && b == -1) ? sx32(static_cast<u32>(a))
                                                                   : sx32(static_cast<u32>(a / b));
            break;
        }
        case op::divuw: {
            const u32 a = static_cast<u32>(rs1), b = static_cast<u32>(rs2);
            x[d.rd] = b == 0 ? ~0ull : sx32(a / b);
            break;
        }
        case op::remw: {
            const i32 a = static_cast<i32>(rs1), b = static_cast<i32>(rs2);
            x[d.rd] = b == 0 ? sx32(static_cast<u32>(a))
                      : (a == INT32_MIN && b == -1) ? 0
                                                    : sx32(static_cast<u32>(a % b));
            break;
        }
        case op::remuw: {
            const u32 a = static_cast<u32>(rs1), b = static_cast<u32>(rs2);
            x[d.rd] = b == 0 ? sx32(a) : sx32(a % b);
            break;
        }
        case op::lr_w: case op::sc_w: case op::amoswap_w: case op::amoadd_w: case op::amoxor_w:
        case op::amoand_w: case op::amoor_w: case op::amomin_w: case op::amomax_w:
        case op::amominu_w: case op::amomaxu_w:
            amo<u32>(d, pc, npc);
            break;
        case op::lr_d: case op::sc_d: case op::amoswap_d: case op::amoadd_d: case op::amoxor_d:
        case op::amoand_d: case op::amoor_d: case op::amomin_d: case op::amomax_d:
        case op::amominu_d: case op::amomaxu_d:
            amo<u64>(d, pc, npc);
            break;
        case op::fence:
            wait_for_all();
            for (store_observer* o : observers_) o->fence(pc);
            break;
        case op::fence_i:
            code_flush_pending_ = true; // takes effect before the next instruction
            limit_ = 0;
            break;
        case op::cbo_clean: case op::cbo_flush: case op::cbo_inval:
            cache_block_op(d.code, rs1, pc);
            break;
        case op::ecall: npc = trap(cause_ecall_m, 0, pc); break;
        case op::ebreak: npc = trap(cause_breakpoint, pc, pc); break;
        case op::mret: {
            const bool mpie = mstatus_ & mstatus_mpie;
            mstatus_ = (mstatus_ & ~mstatus_mie) | (mpie ? mstatus_mie : 0) | mstatus_mpie |
                       mstatus_mpp;
            npc = mepc_;
            limit_ = 0; // interrupts may have become deliverable
            break;
        }
        case op::wfi:
            if (!(mip_ & mie_)) {
                wfi_ = true;
                limit_ = 0;
            }
            break;
        case op::csrrw: case op::csrrs: case op::csrrc:
        case op::csrrwi: case op::csrrsi: case op::csrrci: {
            const unsigned csr = static_cast<unsigned>(d.imm);
            const bool imm_form = d.code >= op::csrrwi;
            const u64 operand = imm_form ? d.rs1 : rs1;
            const bool writes = d.code == op::csrrw || d.code == op::csrrwi || d.rs1 != 0;
            const bool reads = !((d.code == op::csrrw || d.code == op::csrrwi) && d.rd == 0);
            u64 old = 0;
            const bool read_only = (csr >> 10) == 3;
            if ((reads || writes) && !csr_read(csr, old)) {
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            if (writes) {
                if (read_only) {
                    npc = trap(cause_illegal, d.raw, pc);
                    break;
                }
                u64 value = operand;
                if (d.code == op::csrrs || d.code == op::csrrsi) value = old | operand;
                if (d.code == op::csrrc || d.code == op::csrrci) value = old & ~operand;
                csr_write(csr, value);
            }
            x[d.rd] = old;
            break;
        }
        case op::illegal:
            if (d.raw == ~0u) { // the fetch itself failed
                --instret_;
                if (pc == (mtvec_ & ~3ull)) {
                    // The trap handler cannot be fetched either: the hart would trap to it
                    // forever. Stop, naming where the guest went wrong.
                    report_trap_loop(pc);
                    pc_ = pc;
                    return;
                }
                npc = trap(cause_fetch_access, pc + static_cast<u64>(d.imm), pc);
            } else {
                npc = trap(cause_illegal, d.raw, pc);
            }
            break;
        case op::undecoded: break; // unreachable: fetch() decodes
        }
#undef LOAD
#undef STORE
        x[0] = 0;
        pc = npc;
        pc_ = pc; // traps and interrupt checks outside the loop read it
    }
}

} // namespace pmemvp::riscv
