// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <tlm_utils/simple_initiator_socket.h>
#include <algorithm>
#include <vector>

using namespace pmemvp;

namespace {

struct initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<initiator> socket{"socket"};
    std::vector<std::pair<std::uint64_t, std::uint64_t>> invalidations;

    explicit initiator(const sc_core::sc_module_name& n) : sc_module(n) {
        socket.register_invalidate_direct_mem_ptr(this, &initiator::invalidate);
    }
    void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { invalidations.emplace_back(start, end); }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, void* data,
                                    unsigned len, sc_core::sc_time* delay_out = nullptr) {
        return test::tlm_access(*socket.operator->(), cmd, addr, data, len, delay_out);
    }
};

constexpr std::uint64_t low_base = 0x1000, low_size = 0x1000;
constexpr std::uint64_t rom_base = 0x2000, rom_size = 0x100;
constexpr std::uint64_t high_base = 0x1'0000'0000ull, high_size = 0x10000;

struct bench : sc_core::sc_module {
    std::vector<unsigned char> low_mem = std::vector<unsigned char>(low_size);
    std::vector<unsigned char> high_mem = std::vector<unsigned char>(high_size);
    std::vector<unsigned char> rom_mem = std::vector<unsigned char>(rom_size, 0xee);
    router bus{"bus"};
    memory_target rom{"rom", rom_mem.data(), rom_size, false};
    memory_target low{"low", low_mem.data(), low_size, true};
    memory_target high{"high", high_mem.data(), high_size, true, sc_core::sc_time(170, sc_core::SC_NS),
                       sc_core::sc_time(90, sc_core::SC_NS)};
    initiator cpu0{"cpu0"}, cpu1{"cpu1"};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(low_base, low_size, low.socket, "low");
        bus.map(rom_base, rom_size, rom.socket, "rom");
        bus.map(high_base, high_size, high.socket, "high");
        cpu0.socket.bind(bus.in);
        cpu1.socket.bind(bus.in);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(router, routes_with_base_subtracted_and_adds_target_latency) {
    std::uint64_t v = 0x1122334455667788ull;
    sc_core::sc_time delay;
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, high_base + 0x100, &v, 8, &delay),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_core::sc_time(90, sc_core::SC_NS));
    EXPECT_EQ(tb().high_mem[0x100], 0x88);
    EXPECT_EQ(tb().high_mem[0x107], 0x11);
    std::uint64_t r = 0;
    EXPECT_EQ(tb().cpu1.access(tlm::TLM_READ_COMMAND, high_base + 0x100, &r, 8, &delay),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(r, v);
    EXPECT_EQ(delay, sc_core::sc_time(170, sc_core::SC_NS));
}

TEST(router, unmapped_access_is_an_address_error) {
    std::uint32_t v = 0;
    const auto before = tb().bus.unmapped_accesses();
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_READ_COMMAND, 0x5000, &v, 4),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, 0x0, &v, 4),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(tb().bus.unmapped_accesses(), before + 2);
}

TEST(router, access_straddling_a_mapping_end_is_an_address_error) {
    std::uint64_t v = 0;
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_READ_COMMAND, low_base + low_size - 4, &v, 8),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(router, dmi_range_and_pointer_are_translated_to_absolute_addresses) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(high_base + 0x2345);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(tb().cpu0.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_start_address(), high_base);
    EXPECT_EQ(dmi.get_end_address(), high_base + high_size - 1);
    EXPECT_EQ(dmi.get_dmi_ptr(), tb().high_mem.data());
    EXPECT_TRUE(dmi.is_read_write_allowed());
    EXPECT_EQ(dmi.get_read_latency(), sc_core::sc_time(170, sc_core::SC_NS));
    EXPECT_EQ(dmi.get_write_latency(), sc_core::sc_time(90, sc_core::SC_NS));
    // The pointer really is the memory behind that address.
    dmi.get_dmi_ptr()[0x2345 - 0] = 0x5a;
    std::uint8_t r = 0;
    tb().cpu0.access(tlm::TLM_READ_COMMAND, high_base + 0x2345, &r, 1);
    EXPECT_EQ(r, 0x5a);
}

TEST(router, dmi_in_a_hole_is_denied_over_the_whole_hole) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(0x8000);
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(tb().cpu0.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_start_address(), rom_base + rom_size);
    EXPECT_EQ(dmi.get_end_address(), high_base - 1);
}

TEST(router, invalidation_reaches_every_initiator_in_absolute_addresses) {
    tb().cpu0.invalidations.clear();
    tb().cpu1.invalidations.clear();
    tb().high.invalidate_dmi();
    const std::pair<std::uint64_t, std::uint64_t> expected{high_base, high_base + high_size - 1};
    ASSERT_EQ(tb().cpu0.invalidations.size(), 1u);
    ASSERT_EQ(tb().cpu1.invalidations.size(), 1u);
    EXPECT_EQ(tb().cpu0.invalidations[0], expected);
    EXPECT_EQ(tb().cpu1.invalidations[0], expected);
}

TEST(router, debug_transport_is_routed_and_clipped_to_the_mapping) {
    tb().low_mem[low_size - 2] = 0xaa;
    tb().low_mem[low_size - 1] = 0xbb;
    unsigned char buf[8] = {};
    tlm::tlm_generic_payload gp;
    gp.set_read();
    gp.set_address(low_base + low_size - 2);
    gp.set_data_ptr(buf);
    gp.set_data_length(8);
    EXPECT_EQ(tb().cpu0.socket->transport_dbg(gp), 2u);
    EXPECT_EQ(buf[0], 0xaa);
    EXPECT_EQ(buf[1], 0xbb);
    gp.set_address(0x9000);
    EXPECT_EQ(tb().cpu0.socket->transport_dbg(gp), 0u);
}

TEST(router, counts_transactions_per_mapping) {
    std::uint32_t v = 0;
    const auto before = tb().bus.mappings()[0].transactions;
    tb().cpu0.access(tlm::TLM_READ_COMMAND, low_base, &v, 4);
    tb().cpu1.access(tlm::TLM_WRITE_COMMAND, low_base + 4, &v, 4);
    EXPECT_EQ(tb().bus.mappings()[0].transactions, before + 2);
}

TEST(memory_target, read_only_memory_refuses_writes_and_write_dmi) {
    std::uint32_t v = 0x12345678;
    {
        // The host user learns of the refused write once, as a warning naming the memory.
        pmemvp::test::expect_report warning(sc_core::SC_WARNING, "is read-only");
        EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, rom_base, &v, 4),
                  tlm::TLM_COMMAND_ERROR_RESPONSE);
        EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, rom_base, &v, 4),
                  tlm::TLM_COMMAND_ERROR_RESPONSE);
        EXPECT_EQ(warning.count(), 1u);
        EXPECT_NE(warning.last_message().find("offset 0x0"), std::string::npos) << warning.last_message();
    }
    EXPECT_EQ(tb().rom_mem[0], 0xee);
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_READ_COMMAND, rom_base, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0xeeeeeeeeu);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(rom_base);
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(tb().cpu0.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_TRUE(dmi.is_read_allowed());
    EXPECT_FALSE(dmi.is_write_allowed());
}

TEST(memory_target, byte_enables_mask_the_write) {
    std::uint32_t v = 0xaabbccdd;
    unsigned char be[4] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
    std::fill(tb().low_mem.begin(), tb().low_mem.begin() + 4, 0);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(low_base);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(4);
    sc_core::sc_time delay;
    tb().cpu0.socket->b_transport(gp, delay);
    EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().low_mem[0], 0xdd);
    EXPECT_EQ(tb().low_mem[1], 0x00);
    EXPECT_EQ(tb().low_mem[2], 0xbb);
    EXPECT_EQ(tb().low_mem[3], 0x00);
}

namespace {
struct recording_observer : store_observer {
    std::vector<std::pair<std::uint64_t, persist_op>> ops;
    void before_store(std::uint64_t, std::uint64_t, std::uint64_t) override {}
    void cache_op(std::uint64_t offset, persist_op op, std::uint64_t) override { ops.emplace_back(offset, op); }
};

// A cbo.clean as the hart sends it, asking the target to name its hooks.
tlm::tlm_response_status clean_line(tlm::tlm_fw_transport_if<>& socket, std::uint64_t addr,
                                    store_observer_extension& observer, access_timing_extension& timing) {
    persistence_extension ext(persist_op::clean, 0x80000000);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_address(addr);
    gp.set_data_length(64);
    gp.set_streaming_width(64);
    gp.set_extension(&ext);
    gp.set_extension(&observer);
    gp.set_extension(&timing);
    sc_core::sc_time delay;
    socket.b_transport(gp, delay);
    gp.clear_extension(&ext);
    gp.clear_extension(&observer);
    gp.clear_extension(&timing);
    return gp.get_response_status();
}
} // namespace

TEST(memory_target, a_cache_block_operation_names_the_observer_for_later_fences) {
    recording_observer observer;
    tb().high.set_store_observer(&observer);
    store_observer_extension observer_ext;
    access_timing_extension timing_ext;
    EXPECT_EQ(clean_line(*tb().cpu0.socket.operator->(), high_base + 0x140, observer_ext, timing_ext),
              tlm::TLM_OK_RESPONSE);
    tb().high.set_store_observer(nullptr);
    EXPECT_EQ(observer.ops, (std::vector<std::pair<std::uint64_t, persist_op>>{{0x140, persist_op::clean}}));
    EXPECT_EQ(observer_ext.hook, &observer);
    EXPECT_EQ(timing_ext.hook, nullptr) << "no timing: none named";
}

// A hot-plugged device's memory: a memory_core mapped while the simulation runs.
TEST(router, run_time_mapping_routes_grants_dmi_and_withdraws_it_on_unmap) {
    constexpr std::uint64_t plug_base = 0x4000, plug_size = 0x2000;
    std::vector<unsigned char> mem(plug_size);
    memory_core plugged("plugged", mem.data(), plug_size, true);
    tb().cpu0.invalidations.clear();
    ASSERT_EQ(tb().bus.map_at_run_time(plug_base, plugged, "plugged"), "");
    // The gap the mapping fills may be under a DMI denial: withdrawn.
    ASSERT_EQ(tb().cpu0.invalidations.size(), 1u);
    EXPECT_EQ(tb().cpu0.invalidations[0], std::make_pair(plug_base, plug_base + plug_size - 1));

    std::uint32_t v = 0xcafef00d;
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, plug_base + 0x10, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(mem[0x10], 0x0d);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(plug_base + 0x100);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(tb().cpu0.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_start_address(), plug_base);
    EXPECT_EQ(dmi.get_end_address(), plug_base + plug_size - 1);
    EXPECT_EQ(dmi.get_dmi_ptr(), mem.data());

    // The memory's own invalidation arrives in absolute addresses.
    tb().cpu1.invalidations.clear();
    plugged.invalidate_dmi();
    ASSERT_EQ(tb().cpu1.invalidations.size(), 1u);
    EXPECT_EQ(tb().cpu1.invalidations[0], std::make_pair(plug_base, plug_base + plug_size - 1));

    // Overlaps are refused with both names; nothing changes.
    const std::string why = tb().bus.map_at_run_time(plug_base + plug_size - 0x1000, plugged, "second");
    EXPECT_NE(why.find("'second'"), std::string::npos) << why;
    EXPECT_NE(why.find("'plugged'"), std::string::npos) << why;
    EXPECT_NE(tb().bus.map_at_run_time(low_base, plugged, "over-low"), "");

    tb().cpu0.invalidations.clear();
    EXPECT_FALSE(tb().bus.unmap(low_base)); // a static mapping stays
    ASSERT_TRUE(tb().bus.unmap(plug_base));
    ASSERT_EQ(tb().cpu0.invalidations.size(), 1u);
    EXPECT_EQ(tb().cpu0.invalidations[0], std::make_pair(plug_base, plug_base + plug_size - 1));
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_READ_COMMAND, plug_base + 0x10, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // Static mappings still route through their ports.
    EXPECT_EQ(tb().cpu0.access(tlm::TLM_WRITE_COMMAND, high_base, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().high_mem[0], 0x0d);
}
