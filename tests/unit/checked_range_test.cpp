// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/harness.h"
#include "pmemvp/util/checked_range.h"

using namespace pmemvp::util;

TEST(checked_range, range_within_never_wraps) {
    EXPECT_TRUE(range_within(0, 10, 10));
    EXPECT_TRUE(range_within(10, 0, 10));
    EXPECT_FALSE(range_within(11, 0, 10));
    EXPECT_FALSE(range_within(5, 6, 10));
    // The wrap that `offset + length > size` misses.
    EXPECT_FALSE(range_within(0xffffffffffffffc0ull, 0x80, 0x1000));
    EXPECT_FALSE(range_within(64, ~0ull, 0x1000));
}

TEST(checked_range, range_inside_a_region) {
    EXPECT_TRUE(range_inside(0x80000000, 0x1000, 0x80000000, 0x8000000));
    EXPECT_FALSE(range_inside(0x7ffff000, 0x2000, 0x80000000, 0x8000000));
    EXPECT_FALSE(range_inside(0x87fff000, 0x2000, 0x80000000, 0x8000000));
    EXPECT_FALSE(range_inside(0x80000000, ~0ull, 0x80000000, 0x8000000));
}

TEST(checked_range, add_and_mul_report_overflow) {
    EXPECT_EQ(checked_add(1, 2), 3u);
    EXPECT_FALSE(checked_add(~0ull, 1));
    EXPECT_EQ(checked_mul(1ull << 31, 1ull << 32), 1ull << 63);
    EXPECT_FALSE(checked_mul(1ull << 32, 1ull << 32));
    EXPECT_EQ(checked_mul(0, ~0ull), 0u);
}
