// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/harness.h"
#include "pmemvp/tlm/register_bank.h"

#include <cstring>

using pmemvp::register_bank;

namespace {
tlm::tlm_response_status access(register_bank& bank, tlm::tlm_command cmd, std::uint64_t addr,
                                unsigned len, std::uint64_t& value) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    bank.transport(gp);
    return gp.get_response_status();
}
std::uint64_t rd(register_bank& bank, std::uint64_t addr, unsigned len) {
    std::uint64_t v = 0;
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, addr, len, v), tlm::TLM_OK_RESPONSE);
    return v;
}
void wr(register_bank& bank, std::uint64_t addr, unsigned len, std::uint64_t v) {
    EXPECT_EQ(access(bank, tlm::TLM_WRITE_COMMAND, addr, len, v), tlm::TLM_OK_RESPONSE);
}
} // namespace

TEST(register_bank, plain_storage_and_reset) {
    register_bank bank("dev");
    bank.add("ctrl", 0x0, 4, 0x11);
    EXPECT_EQ(rd(bank, 0, 4), 0x11u);
    wr(bank, 0, 4, 0xdeadbeef);
    EXPECT_EQ(rd(bank, 0, 4), 0xdeadbeefu);
    bank.reset();
    EXPECT_EQ(rd(bank, 0, 4), 0x11u);
}

TEST(register_bank, callbacks_see_merged_partial_writes) {
    register_bank bank("dev");
    std::uint64_t seen = 0;
    auto& r = bank.add("addr", 0x8, 8, 0x1111222233334444ull);
    r.on_write([&](std::uint64_t v) { seen = v; r.set(v); });
    wr(bank, 0xc, 4, 0xaaaabbbb); // upper half only
    EXPECT_EQ(seen, 0xaaaabbbb33334444ull);
    EXPECT_EQ(rd(bank, 0x8, 4), 0x33334444u);
    EXPECT_EQ(rd(bank, 0xc, 4), 0xaaaabbbbu);
    EXPECT_EQ(rd(bank, 0x8, 8), 0xaaaabbbb33334444ull);
}

TEST(register_bank, read_callback_overrides_storage) {
    register_bank bank("dev");
    int calls = 0;
    bank.add("counter", 0x0, 4).on_read([&] { return ++calls; });
    EXPECT_EQ(rd(bank, 0, 4), 1u);
    EXPECT_EQ(rd(bank, 0, 4), 2u);
}

TEST(register_bank, access_rules) {
    register_bank bank("dev");
    bank.add("id", 0x0, 4, 0x1234).read_only();
    bank.add("doorbell", 0x4, 4).write_only();
    bank.add("byte", 0x10, 1);
    std::uint64_t v = 0;
    EXPECT_EQ(access(bank, tlm::TLM_WRITE_COMMAND, 0x0, 4, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(rd(bank, 0x0, 4), 0x1234u);
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x4, 4, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x8, 4, v), tlm::TLM_ADDRESS_ERROR_RESPONSE)
        << "a hole";
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x2, 4, v), tlm::TLM_ADDRESS_ERROR_RESPONSE)
        << "misaligned";
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x0, 8, v), tlm::TLM_ADDRESS_ERROR_RESPONSE)
        << "straddles two registers";
    EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x10, 3, v), tlm::TLM_ADDRESS_ERROR_RESPONSE)
        << "odd size";
}

TEST(register_bank, overlapping_or_bad_declarations_are_model_bugs) {
    register_bank bank("dev");
    bank.add("a", 0x0, 8);
    EXPECT_THROW(bank.add("b", 0x4, 4), std::logic_error);
    EXPECT_THROW(bank.add("c", 0x10, 3), std::logic_error);
    bank.add("d", 0x10, 4);
    EXPECT_THROW(bank.add("e", 0xe, 4), std::logic_error);
}

TEST(register_bank, debug_reads_return_what_a_read_would_without_its_side_effects) {
    register_bank bank("dev");
    int claims = 0;
    std::uint32_t computed = 0x1234;
    bank.add("status", 0x0, 4, 0x55).on_read([&] { return computed; });
    bank.add("claim", 0x4, 4).on_read([&] { return 0x100u + static_cast<unsigned>(++claims); })
        .peek_with([&] { return 0x100u + static_cast<unsigned>(claims + 1); });
    auto debug_read = [&](std::uint64_t addr) {
        std::uint32_t v = 0;
        tlm::tlm_generic_payload gp;
        gp.set_read();
        gp.set_address(addr);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        EXPECT_EQ(bank.transport_dbg(gp), 4u);
        return v;
    };
    EXPECT_EQ(debug_read(0x0), 0x1234u) << "the computed value, not the stored 0x55";
    EXPECT_EQ(debug_read(0x4), 0x101u) << "what the next claim would return";
    EXPECT_EQ(debug_read(0x4), 0x101u);
    EXPECT_EQ(claims, 0) << "no claim was made";
}
