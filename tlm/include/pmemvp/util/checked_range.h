// SPDX-License-Identifier: Apache-2.0
#pragma once
// Overflow-safe arithmetic for lengths and offsets that come from outside (files, guests,
// command lines). Every check against a size goes through these, never through `a + b > size`,
// which wraps around 2^64.
#include <cstdint>
#include <optional>

namespace pmemvp::util {

// [offset, offset + length) lies inside [0, size).
constexpr bool range_within(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
    return offset <= size && length <= size - offset;
}

// [base, base + length) lies inside [region_base, region_base + region_size).
constexpr bool range_inside(std::uint64_t base, std::uint64_t length, std::uint64_t region_base,
                            std::uint64_t region_size) {
    return base >= region_base && range_within(base - region_base, length, region_size);
}

// a + b, or nullopt if it wraps.
constexpr std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
    if (b > ~0ull - a) return std::nullopt;
    return a + b;
}

// a * b, or nullopt if it wraps.
constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
    if (a != 0 && b > ~0ull / a) return std::nullopt;
    return a * b;
}

} // namespace pmemvp::util
