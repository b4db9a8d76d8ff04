// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/store_observer.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace pmemvp {

// Which pages of a memory were written since the last collect(), like KVM's dirty log: a
// store_observer a memory target can keep.
class dirty_log : public store_observer {
public:
    static constexpr unsigned page_shift = 12;

    explicit dirty_log(std::uint64_t size) : bits_((((size + 4095) >> page_shift) + 63) / 64) {}

    void mark(std::uint64_t offset, std::uint64_t length) {
        const std::uint64_t first = offset >> page_shift, last = (offset + length - 1) >> page_shift;
        for (std::uint64_t p = first; p <= last; ++p) bits_[p / 64] |= 1ull << (p % 64);
        if (first / 64 < low_word_) low_word_ = first / 64;
        if (last / 64 >= high_word_) high_word_ = last / 64 + 1;
    }
    void before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t) override {
        mark(offset, length);
    }
    std::uint64_t dirty_pages() const;
    // The dirty page ranges, as (offset, length) in bytes, and a clean log.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> collect();

private:
    std::vector<std::uint64_t> bits_;
    // Words [low_word_, high_word_) may hold marks: collect() scans only those.
    std::uint64_t low_word_ = ~0ull, high_word_ = 0;
};

} // namespace pmemvp
