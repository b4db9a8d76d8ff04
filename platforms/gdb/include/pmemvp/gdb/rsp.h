// SPDX-License-Identifier: Apache-2.0
// The GDB remote serial protocol's framing and parsing: pure functions, no sockets. Every
// function accepts any input (garbage from a socket) without crashing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmemvp::gdb {

// The largest packet we accept (and announce as PacketSize, in hex). Longer ones are dropped.
constexpr std::size_t max_packet = 0x4000;

std::uint8_t checksum(std::string_view data);
// "$data#cs".
std::string frame(std::string_view data);
// Binary data ('X', qXfer replies): '#', '$', '}' and '*' as '}' then the byte ^ 0x20.
std::string escape_binary(std::string_view data);
// The inverse; a trailing lone '}' is dropped.
std::string unescape_binary(std::string_view data);

// What the byte stream from a client holds.
struct rsp_event {
    enum class kind { packet, bad_packet, ack, nack, interrupt } what;
    std::string data; // a packet's data, checksum verified (escapes left as sent)
};

// Splits the bytes from a client into packets, acks and interrupts. Bytes outside a packet
// other than '+', '-' and 0x03 are ignored; a packet with a bad checksum, a bad checksum
// digit or more than max_packet bytes is a bad_packet (the caller answers '-').
class rsp_decoder {
public:
    void feed(const char* bytes, std::size_t length, std::vector<rsp_event>& out);
    void reset() { state_ = state::idle; data_.clear(); }

private:
    enum class state { idle, data, escape, sum1, sum2 } state_ = state::idle;
    std::string data_;
    bool too_long_ = false;
    int sum_ = 0;
};

// Hexadecimal helpers.
std::string to_hex(const void* data, std::size_t length);
std::optional<std::string> from_hex(std::string_view hex); // nullopt: odd length or non-hex
// A value as its little-endian bytes in hex (bytes: 1..8).
std::string le_hex(std::uint64_t value, unsigned bytes = 8);
std::optional<std::uint64_t> parse_le_hex(std::string_view hex); // up to 16 digits, even
// A big-endian hexadecimal number ("80000000"): nullopt if empty, not hex or over 64 bits.
std::optional<std::uint64_t> parse_number(std::string_view hex);

// "addr,len" (m, M, X, Z before ':' or ','): nullopt if malformed.
struct address_length {
    std::uint64_t address = 0;
    std::uint64_t length = 0;
};
std::optional<address_length> parse_address_length(std::string_view text);

} // namespace pmemvp::gdb
