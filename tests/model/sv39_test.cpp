// SPDX-License-Identifier: Apache-2.0
// The Sv39 page walker on its own, over a map of page-table entries: every permission rule,
// superpages, A/D updates and the faults with their causes.
#include "pmemvp/riscv/sv39.h"
#include "pmemvp/test/harness.h"

#include <map>

using namespace pmemvp::riscv::sv39;

namespace {

// Physical memory holding page tables, with a count of the walker's writes.
struct table_memory : pte_memory {
    std::map<std::uint64_t, std::uint64_t> words;
    std::uint64_t unreadable = ~0ull; // a PTE address whose read is an access fault
    unsigned writes = 0;
    bool read_pte(std::uint64_t address, std::uint64_t& pte) override {
        if (address == unreadable) return false;
        pte = words.count(address) ? words[address] : 0;
        return true;
    }
    bool write_pte(std::uint64_t address, std::uint64_t pte) override {
        ++writes;
        words[address] = pte;
        return true;
    }
};

constexpr std::uint64_t root = 0x80010000, level1 = 0x80011000, level0 = 0x80012000;

std::uint64_t pointer_to(std::uint64_t table) { return (table >> 12) << 10 | pte_v; }
std::uint64_t leaf(std::uint64_t pa, std::uint64_t bits) { return (pa >> 12) << 10 | pte_v | bits; }

std::uint64_t vpn(std::uint64_t va, int level) { return (va >> (12 + 9 * level)) & 0x1ff; }

// Maps the 4 KiB page at va to pa with `bits`, through root -> level1 -> level0.
void map_4k(table_memory& m, std::uint64_t va, std::uint64_t pa, std::uint64_t bits) {
    m.words[root + vpn(va, 2) * 8] = pointer_to(level1);
    m.words[level1 + vpn(va, 1) * 8] = pointer_to(level0);
    m.words[level0 + vpn(va, 0) * 8] = leaf(pa, bits);
}

context as(unsigned priv, bool sum = false, bool mxr = false) {
    context c;
    c.priv = priv;
    c.sum = sum;
    c.mxr = mxr;
    c.root = root;
    return c;
}

constexpr std::uint64_t rwx_ad = pte_r | pte_w | pte_x | pte_a | pte_d;

} // namespace

TEST(sv39, a_4k_page_translates_with_its_offset) {
    table_memory m;
    map_4k(m, 0x40001000, 0x80200000, rwx_ad);
    const result r = translate(0x40001234, access::read, as(priv_s), m);
    EXPECT_EQ(r.cause, 0u);
    EXPECT_EQ(r.address, 0x80200234u);
    EXPECT_EQ(r.page_size, 4096u);
    EXPECT_EQ(m.writes, 0u) << "A and D already set: nothing written";
}

TEST(sv39, megapages_and_gigapages_keep_the_low_bits_of_the_address) {
    table_memory m;
    m.words[root + vpn(0x40000000, 2) * 8] = leaf(0x80000000, rwx_ad); // 1 GiB
    m.words[root + vpn(0xc0000000, 2) * 8] = pointer_to(level1);
    m.words[level1 + vpn(0xc0200000, 1) * 8] = leaf(0x80400000, rwx_ad); // 2 MiB
    result r = translate(0x40123456, access::write, as(priv_s), m);
    EXPECT_EQ(r.address, 0x80123456u);
    EXPECT_EQ(r.page_size, 1u << 30);
    r = translate(0xc0212345, access::execute, as(priv_s), m);
    EXPECT_EQ(r.address, 0x80412345u);
    EXPECT_EQ(r.page_size, 2u << 20);
}

TEST(sv39, a_misaligned_superpage_is_a_page_fault) {
    table_memory m;
    m.words[root + vpn(0x40000000, 2) * 8] = leaf(0x80200000, rwx_ad); // not 1 GiB aligned
    EXPECT_EQ(translate(0x40000000, access::read, as(priv_s), m).cause, 13u);
    EXPECT_EQ(translate(0x40000000, access::write, as(priv_s), m).cause, 15u);
    EXPECT_EQ(translate(0x40000000, access::execute, as(priv_s), m).cause, 12u);
}

TEST(sv39, invalid_reserved_and_write_only_entries_fault) {
    table_memory m;
    map_4k(m, 0x1000, 0x80000000, pte_w | pte_a | pte_d); // W without R
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 13u);
    map_4k(m, 0x1000, 0x80000000, rwx_ad | (1ull << 60)); // reserved bits
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 13u);
    EXPECT_EQ(translate(0x5000, access::read, as(priv_s), m).cause, 13u) << "V = 0";
    // A non-leaf at level 0.
    m.words[level0 + vpn(0x2000, 0) * 8] = pointer_to(level0);
    EXPECT_EQ(translate(0x2000, access::write, as(priv_s), m).cause, 15u);
}

TEST(sv39, addresses_that_are_not_sign_extended_fault) {
    table_memory m;
    EXPECT_EQ(translate(0x0000008000000000ull, access::read, as(priv_s), m).cause, 13u);
    EXPECT_EQ(translate(0xffffff0000000000ull, access::execute, as(priv_s), m).cause, 12u);
    EXPECT_TRUE(canonical(0xffffffc000000000ull));
    EXPECT_TRUE(canonical(0x0000003fffffffffull));
}

TEST(sv39, read_write_and_execute_permissions) {
    table_memory m;
    map_4k(m, 0x1000, 0x80001000, pte_r | pte_a | pte_d);
    map_4k(m, 0x2000, 0x80002000, pte_x | pte_a);
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 0u);
    EXPECT_EQ(translate(0x1000, access::write, as(priv_s), m).cause, 15u);
    EXPECT_EQ(translate(0x1000, access::execute, as(priv_s), m).cause, 12u);
    EXPECT_EQ(translate(0x2000, access::execute, as(priv_s), m).cause, 0u);
    EXPECT_EQ(translate(0x2000, access::read, as(priv_s), m).cause, 13u) << "X-only";
    EXPECT_EQ(translate(0x2000, access::read, as(priv_s, false, true), m).cause, 0u) << "MXR";
    EXPECT_EQ(translate(0x2000, access::cache_block, as(priv_s), m).cause, 15u);
    EXPECT_EQ(translate(0x1000, access::cache_block, as(priv_s), m).cause, 0u);
}

TEST(sv39, user_pages_and_the_sum_rule) {
    table_memory m;
    map_4k(m, 0x1000, 0x80001000, rwx_ad | pte_u);
    map_4k(m, 0x2000, 0x80002000, rwx_ad);
    EXPECT_EQ(translate(0x1000, access::read, as(priv_u), m).cause, 0u);
    EXPECT_EQ(translate(0x2000, access::read, as(priv_u), m).cause, 13u) << "a supervisor page";
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 13u) << "U page, SUM = 0";
    EXPECT_EQ(translate(0x1000, access::write, as(priv_s, true), m).cause, 0u) << "SUM = 1";
    EXPECT_EQ(translate(0x1000, access::execute, as(priv_s, true), m).cause, 12u)
        << "S never executes a U page";
}

TEST(sv39, accessed_and_dirty_are_set_in_hardware) {
    table_memory m;
    map_4k(m, 0x1000, 0x80001000, pte_r | pte_w);
    const std::uint64_t pte_at = level0 + vpn(0x1000, 0) * 8;
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 0u);
    EXPECT_EQ(m.words[pte_at] & (pte_a | pte_d), pte_a);
    EXPECT_EQ(m.writes, 1u);
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 0u);
    EXPECT_EQ(m.writes, 1u) << "nothing to change";
    EXPECT_EQ(translate(0x1000, access::write, as(priv_s), m).cause, 0u);
    EXPECT_EQ(m.words[pte_at] & (pte_a | pte_d), pte_a | pte_d);
    EXPECT_EQ(m.writes, 2u);
    // A faulting access changes nothing.
    map_4k(m, 0x3000, 0x80003000, pte_r);
    EXPECT_EQ(translate(0x3000, access::write, as(priv_s), m).cause, 15u);
    EXPECT_EQ(m.words[level0 + vpn(0x3000, 0) * 8] & pte_a, 0u);
}

TEST(sv39, a_page_table_read_the_memory_refuses_is_an_access_fault) {
    table_memory m;
    map_4k(m, 0x1000, 0x80001000, rwx_ad);
    m.unreadable = level1 + vpn(0x1000, 1) * 8;
    EXPECT_EQ(translate(0x1000, access::read, as(priv_s), m).cause, 5u);
    EXPECT_EQ(translate(0x1000, access::write, as(priv_s), m).cause, 7u);
    EXPECT_EQ(translate(0x1000, access::execute, as(priv_s), m).cause, 1u);
}
