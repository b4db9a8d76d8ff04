// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/dirty_log.h"

namespace pmemvp {

std::uint64_t dirty_log::dirty_pages() const {
    std::uint64_t n = 0;
    for (auto w : bits_) n += static_cast<std::uint64_t>(__builtin_popcountll(w));
    return n;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> dirty_log::collect() {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    if (high_word_ == 0) return ranges;
    const std::uint64_t pages = high_word_ * 64;
    for (std::uint64_t p = low_word_ * 64; p < pages;) {
        if (!(bits_[p / 64] & (1ull << (p % 64)))) {
            p = bits_[p / 64] >> (p % 64) ? p + 1 : (p / 64 + 1) * 64; // skip clean words fast
            continue;
        }
        std::uint64_t q = p;
        while (q < pages && (bits_[q / 64] & (1ull << (q % 64)))) ++q;
        ranges.emplace_back(p << page_shift, (q - p) << page_shift);
        p = q;
    }
    for (std::uint64_t w = low_word_; w < high_word_; ++w) bits_[w] = 0;
    low_word_ = ~0ull;
    high_word_ = 0;
    return ranges;
}

} // namespace pmemvp
