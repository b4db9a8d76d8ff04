// SPDX-License-Identifier: Apache-2.0
#pragma once
// Sv39 address translation (RISC-V privileged specification 1.12, section 4.4): the page walk
// with its permission checks and the hardware update of the A and D bits. Page tables are
// read and written through a pte_memory, so that the hart sends them over the bus like any
// other access (persistence domains and timing see them).
#include <cstdint>

namespace pmemvp::riscv::sv39 {

enum class access { read, write, execute, cache_block };

// Privilege levels as the specification numbers them.
enum : unsigned { priv_u = 0, priv_s = 1, priv_m = 3 };

struct context {
    unsigned priv = priv_s; // the effective privilege of the access (MPRV applied)
    bool sum = false;       // S-mode may read and write U pages
    bool mxr = false;       // executable pages are readable
    std::uint64_t root = 0; // physical address of the root page table (satp.PPN << 12)
};

class pte_memory {
public:
    virtual ~pte_memory() = default;
    // An 8-byte physical read or write of a page-table entry; false: an access fault.
    virtual bool read_pte(std::uint64_t address, std::uint64_t& pte) = 0;
    virtual bool write_pte(std::uint64_t address, std::uint64_t pte) = 0;
};

// Page-table entry bits.
constexpr std::uint64_t pte_v = 1, pte_r = 2, pte_w = 4, pte_x = 8, pte_u = 16, pte_g = 32,
                        pte_a = 64, pte_d = 128;

struct result {
    std::uint64_t cause = 0;     // 0: translated; else the exception cause (12, 13, 15 or 1, 5, 7)
    std::uint64_t address = 0;   // the physical address
    std::uint64_t page_size = 0; // 4 KiB, 2 MiB or 1 GiB: the leaf that mapped it
};

// The virtual address is valid for Sv39: bits 63..39 all equal bit 38.
constexpr bool canonical(std::uint64_t va) {
    const std::uint64_t top = va >> 38;
    return top == 0 || top == (~0ull >> 38);
}

// Translates `va`. A and D are set in hardware (as QEMU does; Linux accepts either choice):
// A on any access, D on a write, with one PTE write when either changes.
result translate(std::uint64_t va, access kind, const context& ctx, pte_memory& memory);

// The exception causes of a failed access of each kind.
std::uint64_t page_fault_cause(access kind);
std::uint64_t access_fault_cause(access kind);

} // namespace pmemvp::riscv::sv39
