// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/gdb/rsp.h"

namespace pmemvp::gdb {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const char digits[] = "0123456789abcdef";

} // namespace

std::uint8_t checksum(std::string_view data) {
    unsigned sum = 0;
    for (const char c : data) sum += static_cast<unsigned char>(c);
    return static_cast<std::uint8_t>(sum);
}

std::string frame(std::string_view data) {
    std::string out;
    out.reserve(data.size() + 4);
    out += '$';
    out += data;
    out += '#';
    const std::uint8_t sum = checksum(data);
    out += digits[sum >> 4];
    out += digits[sum & 15];
    return out;
}

std::string escape_binary(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (const char c : data) {
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out += '}';
            out += static_cast<char>(c ^ 0x20);
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape_binary(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '}') {
            if (++i < data.size()) out += static_cast<char>(data[i] ^ 0x20);
        } else {
            out += data[i];
        }
    }
    return out;
}

void rsp_decoder::feed(const char* bytes, std::size_t length, std::vector<rsp_event>& out) {
    for (std::size_t i = 0; i < length; ++i) {
        const char c = bytes[i];
        switch (state_) {
        case state::idle:
            if (c == '$') {
                state_ = state::data;
                data_.clear();
                too_long_ = false;
            } else if (c == '+') {
                out.push_back({rsp_event::kind::ack, {}});
            } else if (c == '-') {
                out.push_back({rsp_event::kind::nack, {}});
            } else if (c == '\x03') {
                out.push_back({rsp_event::kind::interrupt, {}});
            }
            break;
        case state::data:
        case state::escape:
            if (c == '#' && state_ == state::data) {
                state_ = state::sum1;
                break;
            }
            if (c == '$' && state_ == state::data) { // a new packet: the old one was cut off
                out.push_back({rsp_event::kind::bad_packet, {}});
                data_.clear();
                too_long_ = false;
                break;
            }
            state_ = (c == '}' && state_ == state::data) ? state::escape : state::data;
            if (data_.size() < max_packet) data_ += c;
            else too_long_ = true;
            break;
        case state::sum1: {
            const int d = hex_digit(c);
            sum_ = d < 0 ? -1 : d << 4;
            state_ = state::sum2;
            break;
        }
        case state::sum2: {
            const int d = hex_digit(c);
            const bool good = sum_ >= 0 && d >= 0 && !too_long_ && (sum_ | d) == checksum(data_);
            if (good) out.push_back({rsp_event::kind::packet, std::move(data_)});
            else out.push_back({rsp_event::kind::bad_packet, {}});
            data_.clear();
            state_ = state::idle;
            break;
        }
        }
    }
}

std::string to_hex(const void* data, std::size_t length) {
    const auto* p = static_cast<const unsigned char*>(data);
    std::string out;
    out.reserve(length * 2);
    for (std::size_t i = 0; i < length; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi << 4 | lo);
    }
    return out;
}

std::string le_hex(std::uint64_t value, unsigned bytes) {
    unsigned char b[8];
    if (bytes > 8) bytes = 8;
    for (unsigned i = 0; i < bytes; ++i) b[i] = static_cast<unsigned char>(value >> (8 * i));
    return to_hex(b, bytes);
}

std::optional<std::uint64_t> parse_le_hex(std::string_view hex) {
    if (hex.empty() || hex.size() > 16) return std::nullopt;
    const auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes->size(); ++i)
        v |= std::uint64_t(static_cast<unsigned char>((*bytes)[i])) << (8 * i);
    return v;
}

std::optional<std::uint64_t> parse_number(std::string_view hex) {
    if (hex.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (const char c : hex) {
        const int d = hex_digit(c);
        if (d < 0 || (v >> 60)) return std::nullopt;
        v = v << 4 | static_cast<unsigned>(d);
    }
    return v;
}

std::optional<address_length> parse_address_length(std::string_view text) {
    const auto comma = text.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    const auto a = parse_number(text.substr(0, comma));
    const auto l = parse_number(text.substr(comma + 1));
    if (!a || !l) return std::nullopt;
    return address_length{*a, *l};
}

} // namespace pmemvp::gdb
