// SPDX-License-Identifier: Apache-2.0
// The split virtqueue of models/virtio against a 64 KiB guest RAM that refuses any access
// outside it. Input: an 8-byte header {u8 log2 queue size, u8 flags (bit 0: INDIRECT
// negotiated), u16 descriptor table, u16 available ring, u16 used ring offsets in RAM}, then
// the RAM's first bytes (rings, descriptors, buffers). The device pops every element it is
// offered, checks it, writes into its writable buffers and answers, as virtio-pmem does, until
// the queue is empty or in error.
#include "pmemvp/virtio/virtqueue.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pmemvp::virtio;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, ram_size = 0x10000;

struct fuzz_ram final : guest_memory {
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(ram_size);
    bool accessible(std::uint64_t a, std::uint64_t n) const override {
        return a >= ram_base && n <= ram_size && a - ram_base <= ram_size - n;
    }
    bool read(std::uint64_t a, void* d, std::uint64_t n) override {
        if (!accessible(a, n)) std::abort(); // the queue must check before it reads
        std::memcpy(d, &bytes[a - ram_base], n);
        return true;
    }
    bool write(std::uint64_t a, const void* d, std::uint64_t n) override {
        if (!accessible(a, n)) std::abort();
        std::memcpy(&bytes[a - ram_base], d, n);
        return true;
    }
};

std::uint16_t u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return 0;
    static fuzz_ram ram;
    std::memset(ram.bytes.data(), 0, ram_size);
    std::memcpy(ram.bytes.data(), data + 8, std::min<std::size_t>(size - 8, ram_size));

    split_virtqueue q;
    std::string error;
    const auto queue_size = static_cast<std::uint16_t>(1u << (data[0] % 16));
    if (!q.configure(ram, queue_size, ram_base + u16(data + 2), ram_base + u16(data + 4),
                     ram_base + u16(data + 6), data[1] & 1, error)) {
        if (error.empty()) std::abort();
        return 0;
    }
    element e;
    for (unsigned n = 0; n < 2u * queue_size + 2; ++n) {
        q.interrupt_suppressed(ram);
        const auto status = q.pop(ram, e, error);
        if (status == split_virtqueue::status::empty) break;
        if (status == split_virtqueue::status::error) {
            if (error.empty()) std::abort();
            break;
        }
        if (e.head >= queue_size) std::abort();
        if (e.readable.size() + e.writable.size() == 0) std::abort();
        if (e.readable.size() + e.writable.size() > queue_size) std::abort();
        std::uint8_t first = 0;
        for (const auto& b : e.readable) {
            if (b.length == 0 || !ram.accessible(b.addr, b.length)) std::abort();
            ram.read(b.addr, &first, 1);
        }
        std::uint32_t written = 0;
        for (const auto& b : e.writable) {
            if (b.length == 0 || !ram.accessible(b.addr, b.length)) std::abort();
            const std::uint32_t status_word = 0;
            ram.write(b.addr, &status_word, std::min<std::uint32_t>(b.length, 4));
            written += std::min<std::uint32_t>(b.length, 4);
        }
        if (!q.push(ram, e.head, written, error)) break;
    }
    return 0;
}
