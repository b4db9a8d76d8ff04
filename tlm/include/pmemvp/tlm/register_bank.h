// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tlm>

namespace pmemvp {

// One device register: a name, an offset, a width of 1, 2, 4 or 8 bytes, a stored value and
// optional callbacks. Without callbacks a register is plain storage.
class reg {
public:
    using read_fn = std::function<std::uint64_t()>;
    using write_fn = std::function<void(std::uint64_t)>;

    reg(std::string name, std::uint64_t offset, unsigned width, std::uint64_t reset_value);

    reg& read_only() { writable_ = false; return *this; }
    reg& write_only() { readable_ = false; return *this; }
    // Reads return what `fn` returns instead of the stored value. `fn` must have no side effect
    // (debuggers call it too); a read that changes state (a claim, a FIFO pop, a
    // clear-on-read) also gives peek_with() the side-effect-free value.
    reg& on_read(read_fn fn) { on_read_ = std::move(fn); return *this; }
    // What a debug read returns for a register whose on_read has a side effect.
    reg& peek_with(read_fn fn) { peek_ = std::move(fn); return *this; }
    // Writes call `fn` with the new value instead of storing it; `fn` may call set(). A partial
    // write is merged with the register's current value (its read callback, if any).
    reg& on_write(write_fn fn) { on_write_ = std::move(fn); return *this; }

    const std::string& name() const { return name_; }
    std::uint64_t offset() const { return offset_; }
    unsigned width() const { return width_; }
    std::uint64_t get() const { return value_; }
    void set(std::uint64_t value) { value_ = value & mask(); }
    void reset() { value_ = reset_value_; }

    bool readable() const { return readable_; }
    bool writable() const { return writable_; }
    std::uint64_t read() const { return on_read_ ? on_read_() & mask() : value_; }
    // A debug read: what read() would return, without its side effects.
    std::uint64_t peek() const { return peek_ ? peek_() & mask() : read(); }
    void write(std::uint64_t value);

private:
    std::uint64_t mask() const { return width_ == 8 ? ~0ull : (1ull << (8 * width_)) - 1; }

    std::string name_;
    std::uint64_t offset_;
    unsigned width_;
    std::uint64_t reset_value_;
    std::uint64_t value_;
    bool readable_ = true;
    bool writable_ = true;
    read_fn on_read_;
    read_fn peek_;
    write_fn on_write_;
};

// A peripheral's register file: declares registers by offset and serves TLM accesses to them.
// An access must lie inside one register and be naturally aligned to its own size (so a 64-bit
// register can also be read as two 32-bit halves). Little-endian, as RISC-V and PCI are.
class register_bank {
public:
    explicit register_bank(std::string owner) : owner_(std::move(owner)) {}

    // Throws std::logic_error on a bad width or an overlap: that is a model bug.
    reg& add(const std::string& name, std::uint64_t offset, unsigned width,
             std::uint64_t reset_value = 0);
    reg* find(std::uint64_t offset);
    void reset();

    // Serves a b_transport access at a bank-relative address and sets the response status:
    // ADDRESS_ERROR for a hole or a misaligned or straddling access, COMMAND_ERROR for a
    // write to a read-only register or a read of a write-only one.
    void transport(tlm::tlm_generic_payload& gp);
    // Debug access: reads what a read would return (peek()), without side effects; never writes.
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);

private:
    std::string owner_;
    std::map<std::uint64_t, std::unique_ptr<reg>> regs_; // by offset
};

} // namespace pmemvp
