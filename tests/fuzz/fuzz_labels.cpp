// SPDX-License-Identifier: Apache-2.0
// Namespace label areas of sw/lib/nvdimm (guest library and pmemvp-inspect): open, list and
// read whatever a DIMM's label area holds, then add and remove a label in it as the guest does.
// The first input byte picks the area's size (bits 0-3: 512 << n bytes up to 8 MiB, or
// exactly the input when 0; the input is the start of the area, zeros follow), so that large
// areas (many slots, index blocks over 4 KiB) are covered too; unless its bit 4 is set, the
// harness then makes the Fletcher-64 checksums of both index blocks and of the v1.2 labels
// right, so that what lies behind them is reached.
#include "labels.h"
#include "nfit.h" // nd_fletcher64

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

std::uint64_t rd(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

void set_checksum(std::uint8_t* block, std::size_t size, std::size_t at) {
    std::memset(block + at, 0, 8);
    const std::uint64_t sum = nd_fletcher64(block, size);
    for (int i = 0; i < 8; ++i) block[at + i] = static_cast<std::uint8_t>(sum >> (8 * i));
}

// With the label size the first index block claims.
void fix_checksums(std::uint8_t* area, std::size_t config, std::size_t input) {
    const std::uint64_t version = rd(area + 60, 2) * 100 + rd(area + 62, 2);
    const std::uint32_t label_size = version >= 102 ? 1u << (7 + (area[19] & 7)) : 128;
    struct nslabel_geometry g;
    if (nslabel_geometry(static_cast<std::uint32_t>(config), label_size, &g) != 0) return;
    for (int i = 0; i < 2; ++i) set_checksum(area + i * std::size_t{g.index_size}, g.index_size, 64);
    if (label_size != 256) return;
    const std::size_t end = input < config ? input : config;
    for (std::size_t at = 2 * std::size_t{g.index_size}; at + 256 <= end; at += 256) set_checksum(area + at, 256, 248);
}

// Opens the area, reads every label, adds and removes one; the slot added, or -1.
int check(std::vector<std::uint8_t>& area, std::size_t config) {
    nslabel_area a;
    char error[160];
    if (nslabel_open(area.data(), static_cast<std::uint32_t>(config), &a, error, sizeof error) != 0) {
        if (std::memchr(error, 0, sizeof error) == nullptr) std::abort();
        return -1;
    }
    if (a.current != 0 && a.current != 1) std::abort();
    if (2ull * a.g.index_size + std::uint64_t{a.g.nslot} * a.g.label_size > config) std::abort();

    static ns_label labels[64];
    const int n = nslabel_list(&a, labels, 64);
    if (n < 0 || n > 64) std::abort();
    char uuid[37];
    for (int i = 0; i < n; ++i) nslabel_uuid_string(labels[i].uuid, uuid);
    ns_label one;
    for (std::uint32_t s : {0u, 1u, 2u, a.g.nslot - 2, a.g.nslot - 1, a.g.nslot, a.g.nslot + 1}) {
        nslabel_slot_is_free(&a, s); // free beyond nslot
        nslabel_read(&a, s, &one);   // refused beyond nslot
    }

    // What the guest does next: add a namespace's label, then remove it again.
    ns_label l{};
    std::memcpy(l.uuid, "fuzz-fuzz-fuzz!!", 16);
    std::memcpy(l.name, "fuzz", 5);
    l.nlabel = 1;
    const int slot = nslabel_add(&a, &l);
    if (slot >= 0 && static_cast<std::uint32_t>(slot) >= a.g.nslot) std::abort();
    nslabel_remove(&a, l.uuid);
    // The updated area must open again.
    nslabel_area again;
    if (slot >= 0 && nslabel_open(area.data(), static_cast<std::uint32_t>(config), &again, error, sizeof error) != 0)
        std::abort();
    return slot;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned shift = data[0] % 16 < 14 ? data[0] % 16 : 14; // 1 KiB .. 8 MiB, 0: the input
    const bool keep_checksums = data[0] & 0x10;
    ++data;
    --size;
    const std::size_t config = shift ? std::size_t{512} << shift : size;
    if (config == 0) return 0;
    // Exactly `config` bytes on the heap, so that ASan sees any access past the end; the large
    // ones are kept, and only what an input wrote is cleared (zeroing 8 MiB each time is slow).
    static std::vector<std::uint8_t> kept[15];
    std::vector<std::uint8_t> exact;
    std::vector<std::uint8_t>& area = shift ? kept[shift] : exact;
    area.resize(config);
    std::memcpy(area.data(), data, size < config ? size : config);
    if (!keep_checksums && config >= 1024) fix_checksums(area.data(), config, size);
    const int slot = check(area, config);
    // Written: the input, index blocks, labels up to the one added.
    const std::size_t written = size + 2 * (72 + config / 128 / 8 + 256) + (slot >= 0 ? (slot + 1) * 256ull : 0);
    std::memset(area.data(), 0, written < config ? written : config);
    return 0;
}
