// SPDX-License-Identifier: Apache-2.0
// Split virtqueue validation, one test per malformed-input class, against a guest memory that
// refuses (and counts) any access outside it. Runs without starting the simulation, so CI also
// runs it under AddressSanitizer.
#include "pmemvp/test/harness.h"
#include "pmemvp/virtio/virtqueue.h"

#include <cstring>
#include <random>

using namespace pmemvp::virtio;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, ram_size = 0x10000;
constexpr std::uint64_t desc_at = ram_base, avail_at = ram_base + 0x1000, used_at = ram_base + 0x2000;
constexpr std::uint64_t req_at = ram_base + 0x3000, resp_at = ram_base + 0x3100, table_at = ram_base + 0x4000;

struct fake_ram : guest_memory {
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(ram_size);
    unsigned outside = 0; // accesses the queue attempted outside RAM: must stay 0
    bool accessible(std::uint64_t a, std::uint64_t n) const override {
        return a >= ram_base && n <= ram_size && a - ram_base <= ram_size - n;
    }
    bool read(std::uint64_t a, void* d, std::uint64_t n) override {
        if (!accessible(a, n)) { ++outside; return false; }
        std::memcpy(d, &bytes[a - ram_base], n);
        return true;
    }
    bool write(std::uint64_t a, const void* d, std::uint64_t n) override {
        if (!accessible(a, n)) { ++outside; return false; }
        std::memcpy(&bytes[a - ram_base], d, n);
        return true;
    }
    template <typename T> void put(std::uint64_t a, T v) { std::memcpy(&bytes[a - ram_base], &v, sizeof v); }
    template <typename T> T get(std::uint64_t a) { T v; std::memcpy(&v, &bytes[a - ram_base], sizeof v); return v; }
    void desc(std::uint64_t table, unsigned i, std::uint64_t addr, std::uint32_t len, std::uint16_t flags, std::uint16_t next) {
        put(table + 16 * i, addr);
        put(table + 16 * i + 8, len);
        put(table + 16 * i + 12, flags);
        put(table + 16 * i + 14, next);
    }
    void offer(std::uint16_t slot_index, std::uint16_t head, std::uint16_t new_idx) {
        put<std::uint16_t>(avail_at + 4 + 2 * slot_index, head);
        put<std::uint16_t>(avail_at + 2, new_idx);
    }
};

struct queue_fixture : ::testing::Test {
    fake_ram ram;
    split_virtqueue q;
    std::string error;
    void configure(std::uint16_t size = 8, bool indirect = false) {
        ASSERT_TRUE(q.configure(ram, size, desc_at, avail_at, used_at, indirect, error)) << error;
    }
    // Pops and expects an error containing `what`.
    void expect_error(const std::string& what) {
        element e;
        EXPECT_EQ(q.pop(ram, e, error), split_virtqueue::status::error);
        EXPECT_NE(error.find(what), std::string::npos) << "error: " << error;
        EXPECT_EQ(ram.outside, 0u) << "the queue touched memory outside RAM";
    }
};

} // namespace

TEST_F(queue_fixture, a_proper_request_pops_and_is_answered) {
    configure();
    ram.desc(desc_at, 0, req_at, 4, split_virtqueue::flag_next, 1);
    ram.desc(desc_at, 1, resp_at, 4, split_virtqueue::flag_write, 0);
    ram.offer(0, 0, 1);
    element e;
    ASSERT_EQ(q.pop(ram, e, error), split_virtqueue::status::element) << error;
    EXPECT_EQ(e.head, 0);
    ASSERT_EQ(e.readable.size(), 1u);
    ASSERT_EQ(e.writable.size(), 1u);
    EXPECT_EQ(e.writable[0].addr, resp_at);
    EXPECT_EQ(q.pop(ram, e, error), split_virtqueue::status::empty);
    ASSERT_TRUE(q.push(ram, 0, 4, error));
    EXPECT_EQ(ram.get<std::uint16_t>(used_at + 2), 1);
    EXPECT_EQ(ram.get<std::uint32_t>(used_at + 4), 0u);
    EXPECT_EQ(ram.get<std::uint32_t>(used_at + 8), 4u);
}

TEST_F(queue_fixture, rings_outside_ram_or_misaligned_are_refused) {
    EXPECT_FALSE(q.configure(ram, 8, 0x1000, avail_at, used_at, false, error));
    EXPECT_NE(error.find("outside guest RAM"), std::string::npos) << error;
    EXPECT_FALSE(q.configure(ram, 8, desc_at + 8, avail_at, used_at, false, error));
    EXPECT_NE(error.find("aligned"), std::string::npos) << error;
    EXPECT_FALSE(q.configure(ram, 6, desc_at, avail_at, used_at, false, error));
    EXPECT_NE(error.find("power of two"), std::string::npos) << error;
    EXPECT_FALSE(q.configure(ram, 8, desc_at, ram_base + ram_size - 4, used_at, false, error)) << "avail runs past RAM";
}

TEST_F(queue_fixture, buffer_outside_ram) {
    configure();
    ram.desc(desc_at, 0, 0x20000000, 4, 0, 0);
    ram.offer(0, 0, 1);
    expect_error("outside guest RAM");
}

TEST_F(queue_fixture, buffer_wrapping_the_address_space) {
    configure();
    ram.desc(desc_at, 0, ~0ull - 1, 16, 0, 0);
    ram.offer(0, 0, 1);
    expect_error("outside guest RAM");
}

TEST_F(queue_fixture, looped_chain) {
    configure();
    ram.desc(desc_at, 0, req_at, 4, split_virtqueue::flag_next, 1);
    ram.desc(desc_at, 1, req_at, 4, split_virtqueue::flag_next, 0);
    ram.offer(0, 0, 1);
    expect_error("a loop?");
}

TEST_F(queue_fixture, chain_longer_than_the_queue) {
    configure(4);
    for (unsigned i = 0; i < 4; ++i) ram.desc(desc_at, i, req_at, 4, split_virtqueue::flag_next, (i + 1) % 4);
    ram.offer(0, 0, 1);
    expect_error("longer than 4");
}

TEST_F(queue_fixture, next_index_past_the_queue) {
    configure();
    ram.desc(desc_at, 0, req_at, 4, split_virtqueue::flag_next, 9);
    ram.offer(0, 0, 1);
    expect_error("descriptor index 9 is past the queue size 8");
}

TEST_F(queue_fixture, head_index_past_the_queue) {
    configure();
    ram.offer(0, 8, 1);
    expect_error("head descriptor index 8");
}

TEST_F(queue_fixture, available_index_jump) {
    configure();
    ram.offer(0, 0, 9);
    expect_error("more than the queue size");
}

TEST_F(queue_fixture, readable_after_writable) {
    configure();
    ram.desc(desc_at, 0, resp_at, 4, split_virtqueue::flag_write | split_virtqueue::flag_next, 1);
    ram.desc(desc_at, 1, req_at, 4, 0, 0);
    ram.offer(0, 0, 1);
    expect_error("device-readable buffer after a device-writable one");
}

TEST_F(queue_fixture, zero_length_buffer) {
    configure();
    ram.desc(desc_at, 0, req_at, 0, 0, 0);
    ram.offer(0, 0, 1);
    expect_error("zero-sized buffers are not allowed");
}

TEST_F(queue_fixture, indirect_without_negotiation) {
    configure(8, false);
    ram.desc(desc_at, 0, table_at, 32, split_virtqueue::flag_indirect, 0);
    ram.offer(0, 0, 1);
    expect_error("VIRTIO_F_INDIRECT_DESC was not negotiated");
}

TEST_F(queue_fixture, indirect_with_next) {
    configure(8, true);
    ram.desc(desc_at, 0, table_at, 32, split_virtqueue::flag_indirect | split_virtqueue::flag_next, 1);
    ram.offer(0, 0, 1);
    expect_error("both INDIRECT and NEXT");
}

TEST_F(queue_fixture, indirect_table_of_a_bad_size) {
    configure(8, true);
    ram.desc(desc_at, 0, table_at, 24, split_virtqueue::flag_indirect, 0);
    ram.offer(0, 0, 1);
    expect_error("indirect table of 24 bytes");
}

TEST_F(queue_fixture, indirect_table_outside_ram) {
    configure(8, true);
    ram.desc(desc_at, 0, ram_base + ram_size - 16, 32, split_virtqueue::flag_indirect, 0);
    ram.offer(0, 0, 1);
    expect_error("indirect table at");
}

TEST_F(queue_fixture, nested_indirect) {
    configure(8, true);
    ram.desc(desc_at, 0, table_at, 32, split_virtqueue::flag_indirect, 0);
    ram.desc(table_at, 0, table_at, 32, split_virtqueue::flag_indirect, 0);
    ram.offer(0, 0, 1);
    expect_error("nested INDIRECT");
}

TEST_F(queue_fixture, indirect_loop_and_index_past_the_table) {
    configure(8, true);
    ram.desc(desc_at, 0, table_at, 32, split_virtqueue::flag_indirect, 0);
    ram.desc(table_at, 0, req_at, 4, split_virtqueue::flag_next, 5);
    ram.offer(0, 0, 1);
    expect_error("past the indirect table size 2");
}

TEST_F(queue_fixture, a_valid_indirect_request) {
    configure(8, true);
    ram.desc(desc_at, 0, table_at, 32, split_virtqueue::flag_indirect, 0);
    ram.desc(table_at, 0, req_at, 4, split_virtqueue::flag_next, 1);
    ram.desc(table_at, 1, resp_at, 4, split_virtqueue::flag_write, 0);
    ram.offer(0, 0, 1);
    element e;
    ASSERT_EQ(q.pop(ram, e, error), split_virtqueue::status::element) << error;
    EXPECT_EQ(e.readable.size(), 1u);
    EXPECT_EQ(e.writable.size(), 1u);
}

TEST_F(queue_fixture, random_rings_never_reach_outside_ram) {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 2000; ++round) {
        configure(static_cast<std::uint16_t>(1u << (rng() % 8)), rng() % 2);
        for (std::uint64_t a = desc_at; a < desc_at + 0x1000; a += 8) ram.put(a, rng());
        for (std::uint64_t a = avail_at; a < avail_at + 0x200; a += 8) ram.put(a, rng());
        for (int pops = 0; pops < 4; ++pops) {
            element e;
            if (q.pop(ram, e, error) != split_virtqueue::status::element) break;
            for (const auto& b : e.readable) ASSERT_TRUE(ram.accessible(b.addr, b.length));
            for (const auto& b : e.writable) ASSERT_TRUE(ram.accessible(b.addr, b.length));
        }
        ASSERT_EQ(ram.outside, 0u);
    }
}
