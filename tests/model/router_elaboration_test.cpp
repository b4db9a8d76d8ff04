// SPDX-License-Identifier: Apache-2.0
// Elaboration-time errors of the router: this executable never starts the simulation.
#include "pmemvp/test/harness.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <vector>

using namespace pmemvp;

TEST(router_elaboration, overlapping_ranges_are_rejected_naming_both) {
    std::vector<unsigned char> mem(0x2000);
    router r("r");
    memory_target a("a", mem.data(), 0x1000, true);
    memory_target b("b", mem.data(), 0x2000, true);
    r.map(0x10000, 0x1000, a.socket, "ram_a");
    test::expect_report error(sc_core::SC_ERROR, "overlaps");
    EXPECT_THROW(r.map(0x10800, 0x2000, b.socket, "ram_b"), sc_core::sc_report);
    ASSERT_EQ(error.count(), 1u);
    EXPECT_NE(error.last_message().find("ram_a"), std::string::npos) << error.last_message();
    EXPECT_NE(error.last_message().find("ram_b"), std::string::npos) << error.last_message();
    EXPECT_EQ(r.mappings().size(), 1u);
}

TEST(router_elaboration, empty_and_wrapping_ranges_are_rejected) {
    std::vector<unsigned char> mem(0x1000);
    router r("r2");
    memory_target a("c", mem.data(), 0x1000, true);
    test::expect_report error(sc_core::SC_ERROR, "empty or wraps");
    EXPECT_THROW(r.map(0x1000, 0, a.socket, "zero"), sc_core::sc_report);
    EXPECT_THROW(r.map(~0ull - 0x10, 0x1000, a.socket, "wrap"), sc_core::sc_report);
    EXPECT_EQ(error.count(), 2u);
}
