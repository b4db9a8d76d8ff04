// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/util/keyval.h"

#include "pmemvp/util/config_error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace pmemvp::util {

std::optional<std::uint64_t> parse_size(const std::string& text) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])))
        return std::nullopt;
    // strtoull, not stoull: no exception for bad input (monitors parse while SystemC runs
    // coroutines, where sanitizers mistrust exceptions).
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 0);
    if (errno == ERANGE) return std::nullopt;
    std::string suffix = text.substr(static_cast<std::size_t>(end - text.c_str()));
    if (suffix.size() == 2 && (suffix[1] == 'B' || suffix[1] == 'b'))
        suffix.pop_back(); // "64MB" reads as "64M"
    unsigned shift = 0;
    if (suffix.size() == 1) {
        switch (std::toupper(static_cast<unsigned char>(suffix[0]))) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return std::nullopt;
        }
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (shift && value > (~0ull >> shift))
        return std::nullopt; // overflow
    return static_cast<std::uint64_t>(value) << shift;
}

std::optional<double> parse_seconds(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str()) return std::nullopt;
    const std::string unit = text.substr(static_cast<std::size_t>(end - text.c_str()));
    const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6
                       : unit == "ns" ? 1e-9 : unit == "ps" ? 1e-12 : -1;
    // Not NaN, not infinite, and within what a SystemC time can hold (2^64 ps, 213 days).
    if (!(value >= 0) || scale < 0 || !(value * scale <= max_seconds)) return std::nullopt;
    return value * scale;
}

std::optional<std::uint64_t> parse_number(const std::string& text) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 0);
    if (errno == ERANGE || *end) return std::nullopt;
    return value;
}

std::optional<bool> parse_bool(const std::string& text) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "on" || t == "yes" || t == "true" || t == "1")
        return true;
    if (t == "off" || t == "no" || t == "false" || t == "0")
        return false;
    return std::nullopt;
}

std::string hex(std::uint64_t value) {
    std::ostringstream os;
    os << "0x" << std::hex << value;
    return os.str();
}

keyval_list::keyval_list(std::string what, const std::string& text, bool has_head)
    : what_(std::move(what)) {
    std::size_t pos = 0;
    bool first = true;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        if (comma == std::string::npos)
            comma = text.size();
        std::string item = text.substr(pos, comma - pos);
        pos = comma + 1;
        if (first && has_head) {
            first = false;
            if (item.find('=') == std::string::npos) {
                head_ = item;
                continue;
            }
        }
        first = false;
        if (item.empty())
            throw config_error(what_ + ": empty item in '" + text +
                               "'; write key=value pairs separated by single commas");
        std::size_t eq = item.find('=');
        if (eq == 0)
            throw config_error(what_ + ": '" + item + "' is not key=value (in '" + text + "')");
        // A bare key is a switch turned on, as QEMU reads "share" in its own examples.
        const bool bare = eq == std::string::npos;
        std::string key = item.substr(0, eq);
        for (const auto& kv : items_)
            if (kv.first == key)
                throw config_error(what_ + ": option '" + key + "' is given twice in '" + text +
                                   "'; keep one");
        items_.emplace_back(key, bare ? "on" : item.substr(eq + 1));
        bare_.push_back(bare);
    }
    taken_.assign(items_.size(), false);
}

bool keyval_list::has(const std::string& key) const {
    return std::any_of(items_.begin(), items_.end(), [&](const auto& kv) { return kv.first == key; });
}

std::optional<std::string> keyval_list::take(const std::string& key) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (items_[i].first == key) {
            taken_[i] = true;
            return items_[i].second;
        }
    }
    return std::nullopt;
}

std::optional<std::string> keyval_list::take_value(const std::string& key) {
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (items_[i].first == key && bare_[i])
            throw config_error(what_ + ": option '" + key + "' needs a value: write " + key + "=...");
    return take(key);
}

std::optional<std::string> keyval_list::take_string(const std::string& key) { return take_value(key); }

std::optional<std::uint64_t> keyval_list::take_size(const std::string& key) {
    auto text = take_value(key);
    if (!text)
        return std::nullopt;
    auto value = parse_size(*text);
    if (!value)
        throw config_error(what_ + ": option '" + key + "' value '" + *text +
                           "' is not a size; use a number with an optional K, M, G or T suffix, "
                           "e.g. " + key + "=256M");
    return value;
}

std::optional<bool> keyval_list::take_bool(const std::string& key) {
    auto text = take(key);
    if (!text)
        return std::nullopt;
    auto value = parse_bool(*text);
    if (!value)
        throw config_error(what_ + ": option '" + key + "' value '" + *text +
                           "' is not on or off; write " + key + "=on or " + key + "=off");
    return value;
}

void keyval_list::finish(const std::vector<std::string>& accepted) const {
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (taken_[i])
            continue;
        std::string list;
        for (const auto& a : accepted)
            list += (list.empty() ? "" : ", ") + a;
        throw config_error(what_ + ": unknown option '" + items_[i].first + "'; accepted: " + list);
    }
}

} // namespace pmemvp::util
