// SPDX-License-Identifier: Apache-2.0
// zeroed_array: all zero at first, writable, movable; a huge table costs only what it touches.
#include "pmemvp/util/zeroed_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

using pmemvp::util::zeroed_array;

TEST(zeroed_array, starts_all_zero_and_keeps_what_is_written) {
    for (bool prefault : {false, true}) {
        zeroed_array<std::uint32_t> a(10000, prefault);
        ASSERT_EQ(a.size(), 10000u);
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < a.size(); ++i) sum += a[i];
        EXPECT_EQ(sum, 0u);
        a[9999] = 7;
        EXPECT_EQ(a[9999], 7u);
    }
}

TEST(zeroed_array, a_move_hands_the_memory_over) {
    zeroed_array<std::uint64_t> a(4);
    a[3] = 42;
    zeroed_array<std::uint64_t> b(std::move(a));
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(b[3], 42u);
    zeroed_array<std::uint64_t> c(2);
    c = std::move(b);
    EXPECT_EQ(c.size(), 4u);
    EXPECT_EQ(c[3], 42u);
}

TEST(zeroed_array, a_table_larger_than_the_machine_costs_only_the_pages_touched) {
    // 64 GiB of table on a 24 GiB machine: a std::vector would fail or fill memory.
    zeroed_array<std::uint8_t> huge(std::size_t(64) << 30);
    huge[0] = 1;
    huge[huge.size() - 1] = 2;
    EXPECT_EQ(huge[huge.size() / 2], 0);
    EXPECT_EQ(huge[huge.size() - 1], 2);
}
