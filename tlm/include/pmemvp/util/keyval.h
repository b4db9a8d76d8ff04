// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmemvp::util {

// "64M", "1G", "4096", "0x1000": a byte count with an optional binary K/M/G/T suffix.
std::optional<std::uint64_t> parse_size(const std::string& text);
// "10us", "1.5ms", "200ns", "2s", "500ps": a non-negative time in seconds, at most max_seconds.
constexpr double max_seconds = 1e7;
std::optional<double> parse_seconds(const std::string& text);
// "4096", "0x1000": a whole number (no suffix); nullopt for anything else or overflow.
std::optional<std::uint64_t> parse_number(const std::string& text);
// on/off, yes/no, true/false, 1/0 (QEMU accepts the same words).
std::optional<bool> parse_bool(const std::string& text);
// 0x-prefixed hexadecimal, as QEMU prints sizes in its errors.
std::string hex(std::uint64_t value);

// A QEMU-style option list: "[head,]key=value,key=value". A bare "key" is key=on (QEMU's
// "share"): take_bool accepts it, the others ask for a value. Every value must be consumed by a
// take_* call; finish() then rejects what is left, naming the accepted keys.
class keyval_list {
public:
    // what: how errors name the list, e.g. "-object memory-backend-file".
    keyval_list(std::string what, const std::string& text, bool has_head = false);

    const std::string& head() const { return head_; }
    const std::string& what() const { return what_; }
    bool has(const std::string& key) const;

    std::optional<std::string> take_string(const std::string& key);
    std::optional<std::uint64_t> take_size(const std::string& key);
    std::optional<bool> take_bool(const std::string& key);

    // Throws config_error for any key not taken, listing `accepted`.
    void finish(const std::vector<std::string>& accepted) const;

private:
    std::optional<std::string> take(const std::string& key);
    std::optional<std::string> take_value(const std::string& key); // refuses a bare key

    std::string what_;
    std::string head_;
    std::vector<std::pair<std::string, std::string>> items_;
    std::vector<bool> taken_;
    std::vector<bool> bare_;
};

} // namespace pmemvp::util
