// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/riscv/hart.h"

#include "pmemvp/tlm/persistence_extension.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::riscv {

using sc_core::sc_time;

namespace {

// mcause values.
constexpr std::uint64_t cause_fetch_access = 1, cause_illegal = 2, cause_breakpoint = 3,
                        cause_load_misaligned = 4, cause_load_access = 5, cause_store_misaligned = 6,
                        cause_store_access = 7,
                        cause_ecall_u = 8, // + the privilege: 9 from S, 11 from M
                        cause_fetch_page = 12, cause_store_page = 15, cause_interrupt = 1ull << 63;
// Not a RISC-V cause: an access hit a debugger's watchpoint, the instruction does not happen.
constexpr std::uint64_t cause_watchpoint = 1ull << 62;

using sv39::priv_m;
using sv39::priv_s;
using sv39::priv_u;

// mstatus fields.
constexpr std::uint64_t mstatus_sie = 1u << 1, mstatus_mie = 1u << 3, mstatus_spie = 1u << 5,
                        mstatus_mpie = 1u << 7, mstatus_spp = 1u << 8, mstatus_mpp = 3u << 11,
                        mstatus_mprv = 1u << 17, mstatus_sum = 1u << 18, mstatus_mxr = 1u << 19,
                        mstatus_tvm = 1u << 20, mstatus_tw = 1u << 21, mstatus_tsr = 1u << 22;
constexpr unsigned mstatus_mpp_shift = 11;
// UXL = SXL = 2 (64 bits), read-only.
constexpr std::uint64_t mstatus_xl = (2ull << 32) | (2ull << 34);
constexpr std::uint64_t mstatus_writable = mstatus_sie | mstatus_mie | mstatus_spie | mstatus_mpie |
                                           mstatus_spp | mstatus_mpp | mstatus_mprv | mstatus_sum |
                                           mstatus_mxr | mstatus_tvm | mstatus_tw | mstatus_tsr;
constexpr std::uint64_t sstatus_mask = mstatus_sie | mstatus_spie | mstatus_spp | mstatus_sum |
                                       mstatus_mxr | (3ull << 32);
// Interrupt bits.
constexpr std::uint64_t irq_ssi = 1u << 1, irq_sti = 1u << 5, irq_sei_bit = 1u << irq_sei;
constexpr std::uint64_t s_irqs = irq_ssi | irq_sti | irq_sei_bit;
constexpr std::uint64_t mie_mask = (1u << irq_msi) | (1u << irq_mti) | (1u << irq_mei) | s_irqs;
constexpr std::uint64_t device_lines = (1u << irq_msi) | (1u << irq_mti) | (1u << irq_mei) | irq_sei_bit;
// Exceptions that may be delegated: all but ecall from M (11) and the hypervisor's.
constexpr std::uint64_t medeleg_mask = 0xb3ff;
// misa: RV64 (MXL=2) with A, C, I, M, S, U.
constexpr std::uint64_t misa_value = (2ull << 62) | (1u << 0) | (1u << 2) | (1u << 8) | (1u << 12) |
                                     (1u << 18) | (1u << 20);
// menvcfg / senvcfg fields.
constexpr std::uint64_t envcfg_fiom = 1, envcfg_cbie = 3u << 4, envcfg_cbcfe = 1u << 6,
                        menvcfg_stce = 1ull << 63;

enum csr_number : unsigned {
    csr_sstatus = 0x100, csr_sie = 0x104, csr_stvec = 0x105, csr_scounteren = 0x106,
    csr_senvcfg = 0x10a, csr_sscratch = 0x140, csr_sepc = 0x141, csr_scause = 0x142,
    csr_stval = 0x143, csr_sip = 0x144, csr_stimecmp = 0x14d, csr_satp = 0x180,
    csr_mstatus = 0x300, csr_misa = 0x301, csr_medeleg = 0x302, csr_mideleg = 0x303,
    csr_mie = 0x304, csr_mtvec = 0x305, csr_mcounteren = 0x306, csr_menvcfg = 0x30a,
    csr_mcountinhibit = 0x320, csr_mscratch = 0x340, csr_mepc = 0x341, csr_mcause = 0x342,
    csr_mtval = 0x343, csr_mip = 0x344, csr_pmpcfg0 = 0x3a0, csr_pmpcfg2 = 0x3a2,
    csr_pmpaddr0 = 0x3b0, csr_mcycle = 0xb00, csr_minstret = 0xb02, csr_cycle = 0xc00,
    csr_time = 0xc01, csr_instret = 0xc02, csr_hpmcounter31 = 0xc1f, csr_mvendorid = 0xf11,
    csr_marchid = 0xf12, csr_mimpid = 0xf13, csr_mhartid = 0xf14, csr_mconfigptr = 0xf15,
};

constexpr std::uint64_t page_size = 4096;

} // namespace

hart::hart(const sc_core::sc_module_name& name, const hart_config& config)
    : core(name, config), hart_config_(config) {
    reset_state(); // the core resets again when it starts; pc() is right from construction on
}

hart::~hart() = default;

void hart::reset_state() {
    std::fill(std::begin(x_), std::end(x_), 0);
    pc_ = hart_config_.reset_pc;
    priv_ = priv_m;
    mstatus_ = mstatus_xl;
    mie_ = mtvec_ = mscratch_ = mepc_ = mcause_ = mtval_ = 0;
    mip_sw_ = medeleg_ = mideleg_ = mcounteren_ = scounteren_ = menvcfg_ = senvcfg_ = 0;
    stvec_ = sscratch_ = sepc_ = scause_ = stval_ = satp_ = 0;
    stimecmp_ = ~0ull;
    sstc_pending_ = false;
    reservation_ = ~0ull;
    cycle_offset_ = cycle_;
    instret_offset_ = instret_;
    update_contexts();
    flush_tlbs();
}

void hart::memory_map_changed() {
    flush_tlbs();
    flush_code_cache();
}

bool hart::interrupt_waiting() {
    update_sstc();
    return pending_interrupts() & mie_;
}

std::uint64_t hart::pending_interrupts() const {
    return (irq_lines() & device_lines) | mip_sw_ | (sstc_pending_ ? irq_sti : 0);
}

std::uint64_t hart::time_csr() const {
    return static_cast<std::uint64_t>(now() / hart_config_.timebase_period);
}

void hart::update_sstc() {
    if (!(menvcfg_ & menvcfg_stce)) {
        sstc_pending_ = false;
        return;
    }
    sstc_pending_ = time_csr() >= stimecmp_;
    if (!sstc_pending_ && stimecmp_ != ~0ull) {
        // Wake (and end the run-ahead) when `time` reaches stimecmp.
        const double ticks = static_cast<double>(stimecmp_);
        if (ticks < 1e15) wake_at(hart_config_.timebase_period * ticks);
    }
}

void hart::take_interrupts() {
    update_sstc();
    const std::uint64_t pending = pending_interrupts() & mie_;
    if (!pending)
        return;
    // M-level interrupts are taken below M, or in M with MIE; delegated ones below S, or in
    // S with SIE, never in M. M-level ones come first.
    const bool m_enabled = priv_ < priv_m || (mstatus_ & mstatus_mie);
    const bool s_enabled = priv_ < priv_s || (priv_ == priv_s && (mstatus_ & mstatus_sie));
    std::uint64_t take = 0;
    if (m_enabled) take = pending & ~mideleg_;
    if (!take && s_enabled) take = pending & mideleg_;
    // Priority: MEI, MSI, MTI, SEI, SSI, STI.
    for (unsigned line : {11u, 3u, 7u, 9u, 1u, 5u}) {
        if (take & (1ull << line)) {
            pc_ = trap(cause_interrupt | line, 0, pc_);
            return;
        }
    }
}

bool hart::delegated(std::uint64_t cause) const {
    if (priv_ == priv_m) return false;
    const std::uint64_t bit = 1ull << (cause & 63);
    return (cause & cause_interrupt) ? (mideleg_ & bit) : (medeleg_ & bit);
}

std::uint64_t hart::trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc) {
    if (cause == cause_watchpoint) {
        abandon_instruction(cpu::stop_reason::watchpoint);
        return epc;
    }
    reservation_ = ~0ull;
    if (tracing(trace_interrupts)) trace_trap(cause, tval, epc);
    std::uint64_t vector;
    if (delegated(cause)) {
        sepc_ = epc;
        scause_ = cause;
        stval_ = tval;
        const bool sie = mstatus_ & mstatus_sie;
        mstatus_ = (mstatus_ & ~(mstatus_sie | mstatus_spie | mstatus_spp)) |
                   (sie ? mstatus_spie : 0) | (priv_ == priv_s ? mstatus_spp : 0);
        priv_ = priv_s;
        vector = stvec_;
    } else {
        mepc_ = epc;
        mcause_ = cause;
        mtval_ = tval;
        const bool mie = mstatus_ & mstatus_mie;
        mstatus_ = (mstatus_ & ~(mstatus_mie | mstatus_mpie | mstatus_mpp)) |
                   (mie ? mstatus_mpie : 0) | (std::uint64_t(priv_) << mstatus_mpp_shift);
        priv_ = priv_m;
        vector = mtvec_;
    }
    update_contexts();
    const std::uint64_t base = vector & ~3ull;
    if ((cause & cause_interrupt) && (vector & 1))
        return base + 4 * (cause & 0xff);
    return base;
}

void hart::trace_trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc) const {
    static const char* const exceptions[16] = {
        "instruction misaligned", "instruction access fault", "illegal instruction", "breakpoint",
        "load misaligned", "load access fault", "store misaligned", "store access fault",
        "ecall from U", "ecall from S", "", "ecall from M", "instruction page fault",
        "load page fault", "", "store page fault"};
    static const char* const interrupts[12] = {"", "S software", "", "M software", "", "S timer", "",
                                               "M timer", "", "S external", "", "M external"};
    const bool irq = cause & cause_interrupt;
    const unsigned code = static_cast<unsigned>(cause & 63);
    const char* name = irq ? (code < 12 ? interrupts[code] : "") : (code < 16 ? exceptions[code] : "");
    static const char* const modes[4] = {"U", "S", "?", "M"};
    std::string text = std::string(irq ? "interrupt " : "exception ") + std::to_string(code) + " (" +
                       name + ") from " + modes[priv_] + " to " + (delegated(cause) ? "S" : "M") +
                       ", tval " + util::hex(tval);
    if (cause == cause_ecall_u + priv_s) // an SBI call: the extension and function
        text += ", SBI extension " + util::hex(x_[17]) + " function " + util::hex(x_[16]);
    trace(trace_interrupts, epc, text);
}

void hart::report_trap_loop(std::uint64_t pc) {
    // The trap that led here was taken to the mode whose vector is pc.
    const bool in_s = priv_ == priv_s && (stvec_ & ~3ull) == pc;
    const std::uint64_t epc = in_s ? sepc_ : mepc_, cause = in_s ? scause_ : mcause_;
    const char* vector = in_s ? "stvec" : "mtvec";
    const std::string text =
        "the guest fetched an instruction at pc " + util::hex(epc) +
        (cause == cause_fetch_access   ? " from an address with no memory (instruction access fault)"
         : cause == cause_fetch_page   ? " from an unmapped page (instruction page fault)"
                                       : " (cause " + std::to_string(cause) + ")") +
        ", and its trap handler at " + vector + " " + util::hex(pc) +
        " cannot be fetched either; check the jump target and set " + vector +
        " before enabling traps";
    halt();
    if (on_stuck) on_stuck(text, epc);
    else log_.error(text);
}

void hart::flush_code_cache() {
    code_pages_.clear();
    current_page_ = nullptr;
}

namespace {
// A fetch that faulted: op illegal with raw = ~0, the cause in rd and the offset of the
// faulting half in imm (see execute()).
const decoded& fetch_fault(std::uint64_t cause, unsigned offset) {
    static decoded d;
    d.code = op::illegal;
    d.raw = ~0u;
    d.rd = static_cast<std::uint8_t>(cause);
    d.imm = static_cast<std::int32_t>(offset);
    return d;
}
} // namespace

const decoded& hart::fetch(std::uint64_t pc) {
    std::uint64_t pa = pc;
    if (exec_ctx_ & translated_ctx) {
        itlb_entry& e = itlb_[(pc >> 12) % itlb_.size()];
        if (e.tag == ((pc >> 12) | exec_ctx_)) {
            pa = e.physical | (pc & 0xfff);
        } else {
            if (const std::uint64_t cause = translate_va(pc, sv39::access::execute, priv_, pa)) {
                current_page_ = nullptr;
                return fetch_fault(cause, 0);
            }
            e.tag = (pc >> 12) | exec_ctx_;
            e.physical = pa & ~0xfffull;
        }
    }
    const std::uint64_t base = pa & ~(page_size - 1);
    auto& page = code_pages_[base];
    if (!page) {
        page = std::make_unique<code_page>();
        page->base = base;
    }
    current_page_ = page.get();
    current_vbase_ = pc & ~(page_size - 1);
    decoded& slot = page->slots[(pa - base) >> 1];
    if (slot.code == op::undecoded) {
        // Fetch time is part of the CPI: filling the decode cache must not move the timeline.
        struct keep_cycles {
            std::uint64_t& c;
            std::uint64_t saved;
            ~keep_cycles() { c = saved; }
        } keep{cycle_, cycle_};
        std::uint16_t low = 0, high = 0;
        if (!load_phys(pa, &low, 2, load_fetch)) {
            current_page_ = nullptr; // do not cache a fault
            return fetch_fault(cause_fetch_access, 0);
        }
        std::uint32_t insn = low;
        if (instruction_length(low) == 4) {
            // The second half may lie on the next page, mapped elsewhere or not at all.
            std::uint64_t pa2 = pa + 2;
            if (((pc + 2) & 0xfff) == 0 && (exec_ctx_ & translated_ctx)) {
                if (const std::uint64_t cause = translate_va(pc + 2, sv39::access::execute, priv_, pa2)) {
                    current_page_ = nullptr;
                    return fetch_fault(cause, 2);
                }
            }
            if (!load_phys(pa2, &high, 2, load_fetch)) {
                current_page_ = nullptr;
                return fetch_fault(cause_fetch_access, 2);
            }
            insn |= static_cast<std::uint32_t>(high) << 16;
            if (((pc + 2) & 0xfff) == 0) {
                // Not cached: the next page's mapping may change without this page changing.
                static decoded crossing;
                crossing = decode(insn);
                if (has_breakpoint(pc)) crossing.code = op::debug_break;
                current_page_ = nullptr;
                return crossing;
            }
        }
        slot = decode(insn);
        // The decode cache is physical, breakpoints virtual: debug_break checks the pc it
        // is met at.
        if (has_breakpoint(pc)) slot.code = op::debug_break;
    }
    return slot;
}

void hart::breakpoints_changed() {
    flush_code_cache(); // decoding again costs no simulated time
}

void hart::watchpoints_changed() { update_contexts(); }

void hart::update_contexts() {
    const unsigned mpp = (mstatus_ & mstatus_mpp) >> mstatus_mpp_shift;
    const unsigned data_priv = priv_ == priv_m && (mstatus_ & mstatus_mprv) ? mpp : priv_;
    const bool paging = (satp_ >> 60) == 8;
    const std::uint64_t old_exec = exec_ctx_;
    const std::uint64_t generation = tlb_generation_ << 57;
    auto ctx = [&](unsigned priv, bool sum, bool mxr) -> std::uint64_t {
        if (!paging || priv == priv_m) return generation; // bare: identity, any privilege
        return generation | translated_ctx |
               (std::uint64_t(priv) << 1 | std::uint64_t(sum) << 3 | std::uint64_t(mxr) << 4) << 52;
    };
    data_ctx_ = ctx(data_priv, mstatus_ & mstatus_sum, mstatus_ & mstatus_mxr);
    exec_ctx_ = ctx(priv_, false, false);
    // Priv 3 with translation, and MXR clear so that it is never the all-ones invalid tag.
    constexpr std::uint64_t never_filled = translated_ctx | (3ull << 53);
    lookup_ctx_ = watching() ? (data_ctx_ | never_filled) & ~(1ull << 56) : data_ctx_;
    if (exec_ctx_ != old_exec) current_page_ = nullptr; // pc is now translated differently
}

void hart::flush_tlbs() {
    // A new generation in the tags retires every entry at once; only when the generation
    // counter wraps are the arrays cleared (so a satp switch or sfence.vma costs no 32 KiB fill).
    if (++tlb_generation_ == tlb_generations) {
        tlb_generation_ = 0;
        read_tlb_.fill(tlb_entry{});
        write_tlb_.fill(tlb_entry{});
        itlb_.fill(itlb_entry{});
    }
    update_contexts();
    current_page_ = nullptr;
}

void hart::flush_tlb_page(std::uint64_t va) {
    // Every context's entry of that page lives in the same slot of each TLB.
    tlb_slot(read_tlb_, va) = tlb_entry{};
    tlb_slot(write_tlb_, va) = tlb_entry{};
    itlb_[(va >> 12) % itlb_.size()] = itlb_entry{};
    if (current_vbase_ == (va & ~0xfffull)) current_page_ = nullptr;
}

bool hart::page_table_port::read_pte(std::uint64_t address, std::uint64_t& pte) {
    return h.load_phys(address, &pte, 8, load_blocking);
}

bool hart::page_table_port::write_pte(std::uint64_t address, std::uint64_t pte) {
    return h.store_phys(address, &pte, 8, h.pc_);
}

std::uint64_t hart::translate_va(std::uint64_t va, sv39::access kind, unsigned priv, std::uint64_t& pa) {
    sv39::context c;
    c.priv = priv;
    c.sum = mstatus_ & mstatus_sum;
    c.mxr = mstatus_ & mstatus_mxr;
    c.root = (satp_ & ((1ull << 44) - 1)) << 12;
    const sv39::result r = sv39::translate(va, kind, c, page_tables_);
    pa = r.address;
    return r.cause;
}

std::uint64_t hart::translate_data(std::uint64_t va, sv39::access kind, std::uint64_t& pa) {
    if (!(data_ctx_ & translated_ctx)) {
        pa = va;
        return 0;
    }
    const unsigned priv = static_cast<unsigned>((data_ctx_ >> 53) & 3);
    return translate_va(va, kind, priv, pa);
}


std::uint64_t hart::load_slow(std::uint64_t addr, void* data, unsigned len, int rd) {
    if (watching() && watch_hit_by(addr, len, true, false)) return cause_watchpoint;
    const unsigned in_page = 4096 - static_cast<unsigned>(addr & 0xfff);
    if (len > in_page) { // a misaligned access across two pages: each part on its own
        unsigned char buf[8];
        if (const std::uint64_t c = load_slow(addr, buf, in_page, rd)) return c;
        if (const std::uint64_t c = load_slow(addr + in_page, buf + in_page, len - in_page, rd)) return c;
        std::memcpy(data, buf, len);
        return 0;
    }
    fault_address_ = addr; // the part that faults, for tval (spec 1.12, 3.1.16)
    std::uint64_t pa = 0;
    tlb_entry& e = read_tlb_[(addr >> 12) % tlb_size];
    bool mapped = e.tag == ((addr >> 12) | data_ctx_); // a hit the inline path skipped (watching)
    if (!mapped) {
        if (const std::uint64_t c = translate_data(addr, sv39::access::read, pa)) return c;
        mapped = fill_tlb(e, (addr >> 12) | data_ctx_, pa, false);
    }
    if (mapped) {
        const std::uint64_t off = addr & 0xfff;
        std::memcpy(data, e.host + off, len);
        if (e.timing) timed_load(e.timing, e.timing_base + off, len, rd);
        else cycle_ += e.latency;
        return 0;
    }
    return load_phys(pa, data, len, rd) ? 0 : cause_load_access;
}

std::uint64_t hart::store_slow(std::uint64_t addr, const void* data, unsigned len, std::uint64_t pc) {
    mark_instruction_start(); // a flush hint or the finisher may be behind it
    if (watching() && watch_hit_by(addr, len, false, true)) return cause_watchpoint;
    const unsigned in_page = 4096 - static_cast<unsigned>(addr & 0xfff);
    if (len > in_page) {
        // Both pages are translated before either is written: a fault leaves memory unchanged.
        std::uint64_t pa;
        fault_address_ = addr + in_page;
        if (const std::uint64_t c = translate_data(addr + in_page, sv39::access::write, pa)) return c;
        const auto* bytes = static_cast<const unsigned char*>(data);
        if (const std::uint64_t c = store_slow(addr, bytes, in_page, pc)) return c;
        return store_slow(addr + in_page, bytes + in_page, len - in_page, pc);
    }
    fault_address_ = addr;
    std::uint64_t pa = 0;
    tlb_entry& e = write_tlb_[(addr >> 12) % tlb_size];
    bool mapped = e.tag == ((addr >> 12) | data_ctx_); // a hit the inline path skipped (watching)
    if (!mapped) {
        if (const std::uint64_t c = translate_data(addr, sv39::access::write, pa)) return c;
        mapped = fill_tlb(e, (addr >> 12) | data_ctx_, pa, true);
    }
    if (mapped) {
        const std::uint64_t off = addr & 0xfff;
        if (e.observer) e.observer->before_store(e.observer_base + off, len, pc);
        std::memcpy(e.host + off, data, len);
        if (e.timing) timed_store(e.timing, e.timing_base + off, len);
        else cycle_ += e.latency;
        return 0;
    }
    return store_phys(pa, data, len, pc) ? 0 : cause_store_access;
}










namespace {
bool reads_rs1(op code) {
    switch (code) {
    case op::lui: case op::auipc: case op::jal: case op::fence: case op::fence_i:
    case op::ecall: case op::ebreak: case op::mret: case op::sret: case op::wfi: case op::illegal:
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
    wait_for_registers(needed, d.rd);
}



std::uint64_t hart::cache_block_op(op code, std::uint64_t addr, std::uint64_t pc) {
    persist_op what = code == op::cbo_clean   ? persist_op::clean
                      : code == op::cbo_flush ? persist_op::flush
                                              : persist_op::inval;
    // Below M, menvcfg (and in U also senvcfg) allow them: CBCFE for clean and flush; CBIE
    // for inval, where 01 makes it a flush and 11 an inval.
    if (priv_ < priv_m) {
        auto allowed = [&](std::uint64_t envcfg) {
            if (what != persist_op::inval) return bool(envcfg & envcfg_cbcfe);
            return ((envcfg & envcfg_cbie) >> 4) == 1 || ((envcfg & envcfg_cbie) >> 4) == 3;
        };
        if (!allowed(menvcfg_) || (priv_ == priv_u && !allowed(senvcfg_))) return cause_illegal;
        if (what == persist_op::inval &&
            (((menvcfg_ & envcfg_cbie) >> 4) == 1 || (priv_ == priv_u && ((senvcfg_ & envcfg_cbie) >> 4) == 1)))
            what = persist_op::flush;
    }
    // A page the TLB holds for stores or loads needs no walk (MXR aside, a load's permission
    // is also a cache-block operation's).
    const tlb_entry& w = tlb_slot(write_tlb_, addr);
    const tlb_entry& r = tlb_slot(read_tlb_, addr);
    const std::uint64_t tag = (addr >> 12) | data_ctx_;
    std::uint64_t pa;
    if (w.tag == tag) pa = w.physical | (addr & 0xfff);
    else if (r.tag == tag && !(mstatus_ & mstatus_mxr)) pa = r.physical | (addr & 0xfff);
    else if (const std::uint64_t c = translate_data(addr, sv39::access::cache_block, pa)) return c;
    addr = pa;
    persistence_extension ext(what, pc);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_address(addr & ~63ull);
    gp.set_data_length(64);
    gp.set_streaming_width(64);
    gp.set_data_ptr(nullptr);
    gp.set_extension(&ext);
    send_cache_block_op(gp);
    gp.clear_extension(&ext);
    return 0;
}

bool hart::counter_enabled(unsigned csr, unsigned priv) const {
    const std::uint64_t bit = 1ull << (csr - csr_cycle);
    if (priv < priv_m && !(mcounteren_ & bit)) return false;
    if (priv == priv_u && !(scounteren_ & bit)) return false;
    return true;
}

bool hart::csr_read(unsigned csr, std::uint64_t& v, bool debug) {
    const unsigned priv = debug ? priv_m : priv_; // a debugger reads as M
    if (((csr >> 8) & 3) > priv) return false; // a CSR of a more privileged mode
    switch (csr) {
    case csr_sstatus: v = mstatus_ & sstatus_mask; return true;
    case csr_sie: v = mie_ & mideleg_; return true;
    case csr_stvec: v = stvec_; return true;
    case csr_scounteren: v = scounteren_; return true;
    case csr_senvcfg: v = senvcfg_; return true;
    case csr_sscratch: v = sscratch_; return true;
    case csr_sepc: v = sepc_; return true;
    case csr_scause: v = scause_; return true;
    case csr_stval: v = stval_; return true;
    case csr_sip: update_sstc(); v = pending_interrupts() & mideleg_; return true;
    case csr_stimecmp:
        if (priv < priv_m && (!(menvcfg_ & menvcfg_stce) || !(mcounteren_ & 2))) return false;
        v = stimecmp_;
        return true;
    case csr_satp:
        if (priv == priv_s && (mstatus_ & mstatus_tvm)) return false;
        v = satp_;
        return true;
    case csr_mstatus: v = mstatus_; return true;
    case csr_misa: v = misa_value; return true;
    case csr_medeleg: v = medeleg_; return true;
    case csr_mideleg: v = mideleg_; return true;
    case csr_mie: v = mie_; return true;
    case csr_mtvec: v = mtvec_; return true;
    case csr_mcounteren: v = mcounteren_; return true;
    case csr_menvcfg: v = menvcfg_; return true;
    case csr_mcountinhibit: v = 0; return true;
    case csr_mscratch: v = mscratch_; return true;
    case csr_mepc: v = mepc_; return true;
    case csr_mcause: v = mcause_; return true;
    case csr_mtval: v = mtval_; return true;
    case csr_mip: update_sstc(); v = pending_interrupts(); return true;
    case csr_pmpcfg0: v = pmpcfg_[0]; return true;
    case csr_pmpcfg2: v = pmpcfg_[1]; return true;
    case csr_mcycle: v = cycle_ - cycle_offset_; return true;
    case csr_minstret: v = instret_ - instret_offset_; return true;
    case csr_mvendorid:
    case csr_marchid:
    case csr_mimpid:
    case csr_mconfigptr: v = 0; return true;
    case csr_mhartid: v = hart_config_.hart_id; return true;
    }
    if (csr >= csr_cycle && csr <= csr_hpmcounter31) {
        if (!counter_enabled(csr, priv)) return false;
        v = csr == csr_cycle ? cycle_ - cycle_offset_
          : csr == csr_time ? time_csr()
          : csr == csr_instret ? instret_ - instret_offset_
                              : 0; // hpmcounter3..31 count nothing
        return true;
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

bool hart::csr_write(unsigned csr, std::uint64_t v, bool debug) {
    const unsigned priv = debug ? priv_m : priv_;
    if (((csr >> 8) & 3) > priv) return false;
    switch (csr) {
    case csr_sstatus:
        v = (mstatus_ & ~sstatus_mask) | (v & sstatus_mask & mstatus_writable);
        [[fallthrough]];
    case csr_mstatus: {
        std::uint64_t next = (v & mstatus_writable) | mstatus_xl;
        if (((next & mstatus_mpp) >> mstatus_mpp_shift) == 2) // reserved: keep the old MPP
            next = (next & ~mstatus_mpp) | (mstatus_ & mstatus_mpp);
        mstatus_ = next;
        update_contexts();
        limit_ = 0; // interrupts may have become deliverable
        return true;
    }
    case csr_sie:
        mie_ = (mie_ & ~mideleg_) | (v & mideleg_ & s_irqs);
        limit_ = 0;
        return true;
    case csr_stvec: stvec_ = v & ~2ull; return true; // modes 0 and 1 only
    case csr_scounteren: scounteren_ = v & 0xffffffff; return true;
    case csr_senvcfg: senvcfg_ = v & (envcfg_fiom | envcfg_cbie | envcfg_cbcfe); return true;
    case csr_sscratch: sscratch_ = v; return true;
    case csr_sepc: sepc_ = v & ~1ull; return true;
    case csr_scause: scause_ = v; return true;
    case csr_stval: stval_ = v; return true;
    case csr_sip: // only SSIP, and only when delegated
        mip_sw_ = (mip_sw_ & ~(mideleg_ & irq_ssi)) | (v & mideleg_ & irq_ssi);
        limit_ = 0;
        return true;
    case csr_stimecmp:
        if (priv < priv_m && (!(menvcfg_ & menvcfg_stce) || !(mcounteren_ & 2))) return false;
        stimecmp_ = v;
        update_sstc();
        limit_ = 0;
        return true;
    case csr_satp: {
        if (priv == priv_s && (mstatus_ & mstatus_tvm)) return false;
        const std::uint64_t mode = v >> 60;
        if (mode != 0 && mode != 8) return true; // an unsupported MODE: the write is ignored
        satp_ = v; // MODE, a 16-bit ASID and the root's PPN
        update_contexts();
        flush_tlbs(); // entries are not tagged with the address space
        return true;
    }
    case csr_misa: return true; // WARL: fixed
    case csr_medeleg: medeleg_ = v & medeleg_mask; return true;
    case csr_mideleg: mideleg_ = v & s_irqs; limit_ = 0; return true;
    case csr_mie:
        mie_ = v & mie_mask;
        limit_ = 0;
        return true;
    case csr_mtvec: mtvec_ = v & ~2ull; return true; // modes 0 and 1 only
    case csr_mcounteren: mcounteren_ = v & 0xffffffff; return true;
    case csr_menvcfg:
        menvcfg_ = v & (envcfg_fiom | envcfg_cbie | envcfg_cbcfe | menvcfg_stce);
        update_sstc();
        limit_ = 0;
        return true;
    case csr_mcountinhibit: return true;
    case csr_mscratch: mscratch_ = v; return true;
    case csr_mepc: mepc_ = v & ~1ull; return true;
    case csr_mcause: mcause_ = v; return true;
    case csr_mtval: mtval_ = v; return true;
    case csr_mip: {
        // MSIP, MTIP, MEIP are driven by devices; SSIP, SEIP and (without Sstc) STIP by software.
        const std::uint64_t writable = irq_ssi | irq_sei_bit | ((menvcfg_ & menvcfg_stce) ? 0 : irq_sti);
        mip_sw_ = (mip_sw_ & ~writable) | (v & writable);
        limit_ = 0;
        return true;
    }
    case csr_pmpcfg0: pmpcfg_[0] = v; return true;
    case csr_pmpcfg2: pmpcfg_[1] = v; return true;
    case csr_mcycle: cycle_offset_ = cycle_ - v; return true;
    case csr_minstret: // a csrw retires too (counted after it), a debugger's write does not
        instret_offset_ = instret_ + (debug ? 0 : 1) - v;
        return true;
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
    const bool is_sc = d.code == op::sc_w || d.code == op::sc_d;
    if (is_sc && reservation_ != addr) { // fails without touching memory, as in QEMU
        x_[d.rd] = 1;
        reservation_ = ~0ull;
        return true;
    }
    // A watchpoint stops before any part of it (its read and write are one access).
    if (watching() && watch_hit_by(addr, sizeof(T), !is_sc, !is_lr)) {
        npc = trap(cause_watchpoint, addr, pc);
        return false;
    }
    // SC and AMOs need write permission: a fault is a store/AMO fault, before anything is read.
    if (!is_lr) {
        std::uint64_t pa;
        if (const std::uint64_t c = translate_data(addr, sv39::access::write, pa)) {
            npc = trap(c, addr, pc);
            return false;
        }
    }
    T old{};
    std::uint64_t none = 0; // amo() runs with the counts up to date
    if (!is_sc) {
        if (const std::uint64_t c = load(addr, old, load_blocking, none)) {
            npc = trap(is_lr ? c : (c == cause_load_access ? cause_store_access : cause_store_page), addr, pc);
            return false;
        }
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
        reservation_ = ~0ull;
        if (const std::uint64_t c = store(addr, src, pc, none)) {
            npc = trap(c, addr, pc);
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
    if (const std::uint64_t c = store(addr, result, pc, none)) {
        npc = trap(c, addr, pc);
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
    // Instructions retired but not yet counted in cycle_ and instret_: kept in a register, and
    // counted (retire(n)) before anything reads those members, so that every access, CSR and
    // timed memory sees exactly the counts an instruction-by-instruction update would give.
    u64 n = 0;
    decoded unbroken; // the instruction under a breakpoint being stepped over

    while (cycle_ + n * cpi < limit_) {
        const decoded* dp;
        const u64 off = pc - (current_page_ ? current_vbase_ : ~0ull);
        if (current_page_ && off < page_size && current_page_->slots[off >> 1].code != op::undecoded) {
            dp = &current_page_->slots[off >> 1];
        } else {
            retire(n);
            dp = &fetch(pc);
        }
    dispatch:
        const decoded& d = *dp;
        if (pending_ && d.code != op::debug_break) { // the real instruction waits, after dispatch
            retire(n);
            wait_for_operands(d);
        }
        u64 npc = pc + d.length;
        const u64 rs1 = x[d.rs1], rs2 = x[d.rs2];
        ++n; // this instruction's cycles and its retirement count from here on
        // AMOs, fences, cache-block operations, system instructions and CSRs read or change the
        // counters or the time (and illegal ones may trap with the count adjusted).
        if (d.code >= op::lr_w || d.code == op::illegal) retire(n);

#define LOAD(T, conv)                                                                              \
    {                                                                                              \
        T v;                                                                                       \
        const u64 a = rs1 + static_cast<u64>(d.imm);                                               \
        if (const u64 c = load(a, v, d.rd, n)) npc = trap(c, fault_address_, pc);                  \
        else x[d.rd] = conv;                                                                       \
    }                                                                                              \
    break
#define STORE(T)                                                                                   \
    {                                                                                              \
        const u64 a = rs1 + static_cast<u64>(d.imm);                                               \
        if (const u64 c = store(a, static_cast<T>(rs2), pc, n)) npc = trap(c, fault_address_, pc); \
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
            mark_instruction_start();
            wait_for_all();
            for (store_observer* o : fence_observers()) o->fence(pc);
            break;
        case op::fence_i:
            code_flush_pending_ = true; // takes effect before the next instruction
            limit_ = 0;
            break;
        case op::cbo_clean: case op::cbo_flush: case op::cbo_inval:
            mark_instruction_start();
            if (const u64 c = cache_block_op(d.code, rs1, pc))
                npc = trap(c, c == cause_illegal ? d.raw : rs1, pc);
            break;
        case op::ecall: npc = trap(cause_ecall_u + priv_, 0, pc); break;
        case op::ebreak: npc = trap(cause_breakpoint, pc, pc); break;
        case op::mret: {
            if (priv_ < priv_m) {
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            const bool mpie = mstatus_ & mstatus_mpie;
            const unsigned mpp = static_cast<unsigned>((mstatus_ & mstatus_mpp) >> mstatus_mpp_shift);
            mstatus_ = (mstatus_ & ~(mstatus_mie | mstatus_mpp)) | (mpie ? mstatus_mie : 0) | mstatus_mpie;
            if (mpp != priv_m) mstatus_ &= ~mstatus_mprv;
            priv_ = mpp;
            update_contexts();
            npc = mepc_;
            limit_ = 0; // interrupts may have become deliverable
            break;
        }
        case op::sret: {
            if (priv_ < priv_s || (priv_ == priv_s && (mstatus_ & mstatus_tsr))) {
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            const bool spie = mstatus_ & mstatus_spie;
            const unsigned spp = (mstatus_ & mstatus_spp) ? priv_s : priv_u;
            mstatus_ = (mstatus_ & ~(mstatus_sie | mstatus_spp | mstatus_mprv)) |
                       (spie ? mstatus_sie : 0) | mstatus_spie;
            priv_ = spp;
            update_contexts();
            npc = sepc_;
            limit_ = 0;
            break;
        }
        case op::sfence_vma:
            if (priv_ < priv_s || (priv_ == priv_s && (mstatus_ & mstatus_tvm))) {
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            // rs1 names one page: its entries go, in every address space (entries carry no ASID,
            // so an rs2 form flushes more than it must, which is always correct).
            if (d.rs1) flush_tlb_page(rs1);
            else flush_tlbs();
            break;
        case op::wfi:
            // As in QEMU: illegal in U, and in S when mstatus.TW is set.
            if (priv_ == priv_u || (priv_ == priv_s && (mstatus_ & mstatus_tw))) {
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            if (!(pending_interrupts() & mie_)) {
                mark_instruction_start(); // a run that ends asleep ends here
                enter_wfi();
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
                if (u64 any; tracing(trace_unimplemented) && !csr_read(csr, any, true))
                    trace(trace_unimplemented, pc, "CSR " + util::hex(csr) + " is not implemented");
                npc = trap(cause_illegal, d.raw, pc);
                break;
            }
            if (writes) {
                u64 value = operand;
                if (d.code == op::csrrs || d.code == op::csrrsi) value = old | operand;
                if (d.code == op::csrrc || d.code == op::csrrci) value = old & ~operand;
                if (read_only || !csr_write(csr, value)) {
                    npc = trap(cause_illegal, d.raw, pc);
                    break;
                }
            }
            x[d.rd] = old;
            break;
        }
        case op::illegal:
            if (d.raw == ~0u) { // the fetch itself failed: d.rd holds the cause
                --instret_;
                const u64 vector = (delegated(d.rd) ? stvec_ : mtvec_) & ~3ull;
                if (pc == vector && (priv_ == priv_m || (priv_ == priv_s && delegated(d.rd)))) {
                    // The trap handler cannot be fetched either: the hart would trap to it
                    // forever. Stop, naming where the guest went wrong.
                    report_trap_loop(pc);
                    pc_ = pc;
                    retire(n);
                    return;
                }
                npc = trap(d.rd, pc + static_cast<u64>(d.imm), pc);
            } else {
                trace(trace_unimplemented, pc, "instruction " + util::hex(d.raw) + " is not implemented");
                npc = trap(cause_illegal, d.raw, pc);
            }
            break;
        case op::debug_break:
            if (breakpoint_at(pc)) { // stop before it (counted above: not executed after all)
                abandon_instruction(cpu::stop_reason::breakpoint);
                npc = pc;
                break;
            }
            // Leaving a stop there, or another virtual address of the same code: the real
            // instruction runs (its count is taken again at dispatch).
            --instret_;
            cycle_ -= cpi;
            unbroken = decode(d.raw);
            dp = &unbroken;
            goto dispatch;
        case op::undecoded: break; // unreachable: fetch() decodes
        }
#undef LOAD
#undef STORE
        x[0] = 0;
        pc = npc;
        pc_ = pc; // traps and interrupt checks outside the loop read it
    }
    retire(n);
}

} // namespace pmemvp::riscv

namespace pmemvp::riscv {

// ---- debug target ------------------------------------------------------------------------

namespace {

// The CSRs a debugger sees (those the hart implements), by number.
const unsigned debug_csrs[] = {
    csr_sstatus, csr_sie, csr_stvec, csr_scounteren, csr_senvcfg, csr_sscratch, csr_sepc,
    csr_scause, csr_stval, csr_sip, csr_stimecmp, csr_satp, csr_mstatus, csr_misa, csr_medeleg,
    csr_mideleg, csr_mie, csr_mtvec, csr_mcounteren, csr_menvcfg, csr_mscratch, csr_mepc,
    csr_mcause, csr_mtval, csr_mip, csr_pmpcfg0, csr_pmpcfg2, csr_mcycle, csr_minstret,
    csr_cycle, csr_time, csr_instret, csr_mvendorid, csr_marchid, csr_mimpid, csr_mhartid,
};
const char* const debug_csr_names[] = {
    "sstatus", "sie", "stvec", "scounteren", "senvcfg", "sscratch", "sepc", "scause", "stval",
    "sip", "stimecmp", "satp", "mstatus", "misa", "medeleg", "mideleg", "mie", "mtvec",
    "mcounteren", "menvcfg", "mscratch", "mepc", "mcause", "mtval", "mip", "pmpcfg0", "pmpcfg2",
    "mcycle", "minstret", "cycle", "time", "instret", "mvendorid", "marchid", "mimpid", "mhartid",
};
static_assert(std::size(debug_csrs) == std::size(debug_csr_names));
constexpr unsigned first_csr = 34; // after x0..x31, pc, priv

} // namespace

const std::vector<cpu::register_info>& hart::debug_registers() const {
    static const std::vector<cpu::register_info> list = [] {
        static const char* const abi[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
                                            "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                                            "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
                                            "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
        std::vector<cpu::register_info> r;
        for (unsigned i = 0; i < 32; ++i) r.push_back({abi[i], 64, "general", i});
        r.push_back({"pc", 64, "general", 32});
        r.push_back({"priv", 8, "virtual", 0}); // as QEMU's stub: 0 U, 1 S, 3 M
        for (std::size_t i = 0; i < std::size(debug_csrs); ++i)
            r.push_back({debug_csr_names[i], 64, "csr", debug_csrs[i]});
        return r;
    }();
    return list;
}

bool hart::read_register(unsigned index, std::uint64_t& value) {
    if (index < 32) {
        value = x_[index];
        return true;
    }
    if (index == 32) {
        value = pc_;
        return true;
    }
    if (index == 33) {
        value = priv_;
        return true;
    }
    if (index - first_csr >= std::size(debug_csrs)) return false;
    return csr_read(debug_csrs[index - first_csr], value, true);
}

bool hart::write_register(unsigned index, std::uint64_t value) {
    if (index < 32) {
        if (index) x_[index] = value;
        return true;
    }
    if (index == 32) {
        pc_ = value;
        current_page_ = nullptr;
        return true;
    }
    if (index == 33) {
        if (value != priv_m && value != priv_s && value != priv_u) return false;
        priv_ = static_cast<unsigned>(value);
        update_contexts();
        return true;
    }
    if (index - first_csr >= std::size(debug_csrs)) return false;
    const unsigned csr = debug_csrs[index - first_csr];
    if ((csr >> 10) == 3 && csr != csr_cycle && csr != csr_instret) return false; // read-only
    if (csr == csr_cycle || csr == csr_instret) return csr_write(csr + 0xb00 - 0xc00, value, true);
    return csr_write(csr, value, true);
}

bool hart::debug_table_port::read_pte(std::uint64_t address, std::uint64_t& pte) {
    return h.read_memory(address, &pte, 8, cpu::address_space::physical) == 8;
}

bool hart::debug_translate(std::uint64_t va, std::uint64_t& pa) {
    // The data view of the current privilege (with MPRV, SUM, MXR), as a load would see it,
    // but without setting A or D, and readable through any permission: a debugger may look at
    // code and at pages the guest could only write.
    if (!(data_ctx_ & translated_ctx)) {
        pa = va;
        return true;
    }
    sv39::context c;
    c.priv = priv_s; // permissions are not a debugger's concern: S with SUM and MXR sees all
    c.sum = c.mxr = true;
    c.root = (satp_ & ((1ull << 44) - 1)) << 12;
    const sv39::result r = sv39::translate(va, sv39::access::read, c, debug_tables_);
    pa = r.address;
    return r.cause == 0;
}

} // namespace pmemvp::riscv
