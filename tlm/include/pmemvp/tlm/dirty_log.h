// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <tlm>
#include <utility>
#include <vector>

namespace pmemvp {

// Which pages of a memory were written since the last collect(), like KVM's dirty log. A
// memory target that needs it keeps one; initiators that write through DMI learn of it from a
// dirty_log_extension on their DMI request and mark their stores in it.
class dirty_log {
public:
    static constexpr unsigned page_shift = 12;

    explicit dirty_log(std::uint64_t size) : bits_((((size + 4095) >> page_shift) + 63) / 64) {}

    void mark(std::uint64_t offset, std::uint64_t length) {
        const std::uint64_t first = offset >> page_shift, last = (offset + length - 1) >> page_shift;
        for (std::uint64_t p = first; p <= last; ++p) bits_[p / 64] |= 1ull << (p % 64);
        if (first / 64 < low_word_) low_word_ = first / 64;
        if (last / 64 >= high_word_) high_word_ = last / 64 + 1;
    }
    std::uint64_t dirty_pages() const;
    // The dirty page ranges, as (offset, length) in bytes, and a clean log.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> collect();

private:
    std::vector<std::uint64_t> bits_;
    // Words [low_word_, high_word_) may hold marks: collect() scans only those.
    std::uint64_t low_word_ = ~0ull, high_word_ = 0;
};

// Carried by a DMI request: a target with a dirty log puts it here; an initiator that writes
// through the granted pointer must mark what it writes.
class dirty_log_extension : public tlm::tlm_extension<dirty_log_extension> {
public:
    tlm::tlm_extension_base* clone() const override { return new dirty_log_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        log = static_cast<const dirty_log_extension&>(other).log;
    }
    dirty_log* log = nullptr; // relative to the DMI region's start address
};

} // namespace pmemvp
