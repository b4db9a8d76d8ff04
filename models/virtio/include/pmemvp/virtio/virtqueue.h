// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "virtio_regs.h" // the descriptor flags, shared with guest drivers

namespace pmemvp::virtio {

// The guest memory a virtio device may touch (its transport decides what that is).
class guest_memory {
public:
    virtual bool read(std::uint64_t addr, void* data, std::uint64_t length) = 0;
    virtual bool write(std::uint64_t addr, const void* data, std::uint64_t length) = 0;
    virtual bool accessible(std::uint64_t addr, std::uint64_t length) const = 0;

protected:
    ~guest_memory() = default;
};

struct buffer {
    std::uint64_t addr;
    std::uint32_t length;
};

// One request: the device-readable buffers, then the device-writable ones.
struct element {
    std::uint16_t head = 0;
    std::vector<buffer> readable, writable;
};

// A split virtqueue (virtio 1.x §2.7), validating everything the guest provides: ring
// addresses and alignment, the available index, descriptor indices, loops and chain length,
// zero-length buffers, readable-after-writable order, INDIRECT (only when negotiated, never
// with NEXT, never nested, a whole number of descriptors), and that every buffer lies in
// guest memory. Any violation is an error with a message saying what was wrong; the caller
// then puts the device in DEVICE_NEEDS_RESET.
class split_virtqueue {
public:
    static constexpr std::uint16_t flag_next = VIRTQ_DESC_F_NEXT, flag_write = VIRTQ_DESC_F_WRITE,
                                   flag_indirect = VIRTQ_DESC_F_INDIRECT;

    // False with `error` set when the rings are misaligned or outside guest memory.
    bool configure(guest_memory& mem, std::uint16_t size, std::uint64_t desc, std::uint64_t avail,
                   std::uint64_t used, bool indirect_allowed, std::string& error);
    void reset() { *this = split_virtqueue(); }
    bool ready() const { return size_ != 0; }
    std::uint16_t size() const { return size_; }

    enum class status { element, empty, error };
    status pop(guest_memory& mem, element& out, std::string& error);
    bool push(guest_memory& mem, std::uint16_t head, std::uint32_t written, std::string& error);
    // The driver asked for no interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT).
    bool interrupt_suppressed(guest_memory& mem);

private:
    bool walk(guest_memory& mem, std::uint64_t table, std::uint16_t table_size, std::uint16_t first,
              bool indirect, element& out, std::string& error);

    std::uint16_t size_ = 0;
    std::uint64_t desc_ = 0, avail_ = 0, used_ = 0;
    bool indirect_allowed_ = false;
    std::uint16_t last_avail_ = 0, used_idx_ = 0;
};

} // namespace pmemvp::virtio
