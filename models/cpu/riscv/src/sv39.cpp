// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/riscv/sv39.h"

namespace pmemvp::riscv::sv39 {

std::uint64_t page_fault_cause(access kind) {
    switch (kind) {
    case access::read: return 13;
    case access::execute: return 12;
    default: return 15; // stores, AMOs and cache-block operations
    }
}

std::uint64_t access_fault_cause(access kind) {
    switch (kind) {
    case access::read: return 5;
    case access::execute: return 1;
    default: return 7;
    }
}

namespace {

// May an access of `kind` at privilege ctx.priv use a leaf with these bits?
bool permitted(std::uint64_t pte, access kind, const context& ctx) {
    if (pte & pte_u) {
        if (ctx.priv == priv_s && (kind == access::execute || !ctx.sum)) return false;
    } else if (ctx.priv == priv_u) {
        return false;
    }
    switch (kind) {
    case access::read: return (pte & pte_r) || (ctx.mxr && (pte & pte_x));
    case access::write: return pte & pte_w;
    case access::execute: return pte & pte_x;
    case access::cache_block: return (pte & pte_r) || (pte & pte_w);
    }
    return false;
}

} // namespace

result translate(std::uint64_t va, access kind, const context& ctx, pte_memory& memory) {
    result r;
    if (!canonical(va)) {
        r.cause = page_fault_cause(kind);
        return r;
    }
    std::uint64_t table = ctx.root;
    for (int level = 2; level >= 0; --level) {
        const std::uint64_t vpn = (va >> (12 + 9 * level)) & 0x1ff;
        const std::uint64_t pte_address = table + vpn * 8;
        std::uint64_t pte = 0;
        if (!memory.read_pte(pte_address, pte)) {
            r.cause = access_fault_cause(kind);
            return r;
        }
        // Invalid, W without R, or reserved bits (63..54: no Svpbmt, no Svnapot) set.
        if (!(pte & pte_v) || ((pte & pte_w) && !(pte & pte_r)) || (pte >> 54)) break;
        const std::uint64_t ppn = (pte >> 10) & ((1ull << 44) - 1);
        if (!(pte & (pte_r | pte_x))) { // a pointer to the next level
            table = ppn << 12;
            continue;
        }
        const std::uint64_t page_size = 1ull << (12 + 9 * level);
        if (level > 0 && (ppn & ((1ull << (9 * level)) - 1))) break; // a misaligned superpage
        if (!permitted(pte, kind, ctx)) break;
        const std::uint64_t needed = pte_a | (kind == access::write ? pte_d : 0);
        if ((pte & needed) != needed && !memory.write_pte(pte_address, pte | needed)) {
            r.cause = access_fault_cause(kind);
            return r;
        }
        r.address = (ppn << 12 & ~(page_size - 1)) | (va & (page_size - 1));
        r.page_size = page_size;
        return r;
    }
    r.cause = page_fault_cause(kind);
    return r;
}

} // namespace pmemvp::riscv::sv39
