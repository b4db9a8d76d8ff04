// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/virtio/virtqueue.h"

#include "pmemvp/util/keyval.h"

#include <cstring>

namespace pmemvp::virtio {

using util::hex;

namespace {
struct desc {
    std::uint64_t addr;
    std::uint32_t len;
    std::uint16_t flags, next;
};
static_assert(sizeof(desc) == 16, "virtq_desc is 16 bytes");
} // namespace

bool split_virtqueue::configure(guest_memory& mem, std::uint16_t size, std::uint64_t desc_addr,
                                std::uint64_t avail, std::uint64_t used, bool indirect_allowed,
                                std::string& error) {
    reset();
    if (size == 0 || (size & (size - 1))) {
        error = "queue size " + std::to_string(size) + " is not a power of two";
        return false;
    }
    const struct { const char* name; std::uint64_t addr, length, align; } parts[] = {
        {"descriptor table", desc_addr, 16ull * size, 16},
        {"available ring", avail, 6 + 2ull * size, 2},
        {"used ring", used, 6 + 8ull * size, 4},
    };
    for (const auto& p : parts) {
        if (p.addr % p.align) {
            error = std::string(p.name) + " at " + hex(p.addr) + " is not " + std::to_string(p.align) + "-byte aligned";
            return false;
        }
        if (!mem.accessible(p.addr, p.length)) {
            error = std::string(p.name) + " at " + hex(p.addr) + " (" + std::to_string(p.length) + " bytes) is outside guest RAM";
            return false;
        }
    }
    size_ = size;
    desc_ = desc_addr;
    avail_ = avail;
    used_ = used;
    indirect_allowed_ = indirect_allowed;
    return true;
}

bool split_virtqueue::walk(guest_memory& mem, std::uint64_t table, std::uint16_t table_size,
                           std::uint16_t first, bool indirect, element& out, std::string& error) {
    std::uint16_t i = first;
    for (unsigned count = 0;; ++count) {
        if (count >= table_size) {
            error = "descriptor chain from " + std::to_string(first) + " is longer than " +
                    std::to_string(table_size) + " entries (a loop?)";
            return false;
        }
        if (i >= table_size) {
            error = "descriptor index " + std::to_string(i) + " is past the " + (indirect ? "indirect table" : "queue") +
                    " size " + std::to_string(table_size);
            return false;
        }
        desc d;
        if (!mem.read(table + 16ull * i, &d, sizeof d)) {
            error = "descriptor " + std::to_string(i) + " cannot be read";
            return false;
        }
        if (d.flags & flag_indirect) {
            if (indirect) { error = "nested INDIRECT descriptor " + std::to_string(i); return false; }
            if (!indirect_allowed_) {
                error = "INDIRECT descriptor " + std::to_string(i) + " but VIRTIO_F_INDIRECT_DESC was not negotiated";
                return false;
            }
            if (d.flags & flag_next) { error = "descriptor " + std::to_string(i) + " has both INDIRECT and NEXT"; return false; }
            if (d.len == 0 || d.len % 16 || d.len / 16 > size_) {
                error = "indirect table of " + std::to_string(d.len) + " bytes is not 1.." + std::to_string(size_) + " descriptors";
                return false;
            }
            if (!mem.accessible(d.addr, d.len)) { error = "indirect table at " + hex(d.addr) + " is outside guest RAM"; return false; }
            return walk(mem, d.addr, static_cast<std::uint16_t>(d.len / 16), 0, true, out, error);
        }
        if (d.len == 0) { error = "descriptor " + std::to_string(i) + ": zero-sized buffers are not allowed"; return false; }
        if (!mem.accessible(d.addr, d.len)) {
            error = "descriptor " + std::to_string(i) + ": buffer " + hex(d.addr) + "+" + std::to_string(d.len) + " is outside guest RAM";
            return false;
        }
        if (d.flags & flag_write) {
            out.writable.push_back({d.addr, d.len});
        } else {
            if (!out.writable.empty()) {
                error = "descriptor " + std::to_string(i) + ": a device-readable buffer after a device-writable one";
                return false;
            }
            out.readable.push_back({d.addr, d.len});
        }
        if (!(d.flags & flag_next)) return true;
        i = d.next;
    }
}

split_virtqueue::status split_virtqueue::pop(guest_memory& mem, element& out, std::string& error) {
    out = element();
    if (!ready()) return status::empty;
    std::uint16_t avail_idx;
    if (!mem.read(avail_ + 2, &avail_idx, 2)) { error = "available ring cannot be read"; return status::error; }
    const std::uint16_t pending = static_cast<std::uint16_t>(avail_idx - last_avail_);
    if (pending == 0) return status::empty;
    if (pending > size_) {
        error = "available index moved by " + std::to_string(pending) + ", more than the queue size " + std::to_string(size_);
        return status::error;
    }
    std::uint16_t head;
    if (!mem.read(avail_ + 4 + 2ull * (last_avail_ % size_), &head, 2)) { error = "available ring cannot be read"; return status::error; }
    if (head >= size_) {
        error = "head descriptor index " + std::to_string(head) + " is past the queue size " + std::to_string(size_);
        return status::error;
    }
    out.head = head;
    if (!walk(mem, desc_, size_, head, false, out, error)) return status::error;
    ++last_avail_;
    return status::element;
}

bool split_virtqueue::push(guest_memory& mem, std::uint16_t head, std::uint32_t written, std::string& error) {
    const std::uint32_t elem[2] = {head, written};
    if (!mem.write(used_ + 4 + 8ull * (used_idx_ % size_), elem, sizeof elem)) { error = "used ring cannot be written"; return false; }
    ++used_idx_;
    // The element is in place before the index that publishes it (one thread: program order).
    if (!mem.write(used_ + 2, &used_idx_, 2)) { error = "used ring cannot be written"; return false; }
    return true;
}

bool split_virtqueue::interrupt_suppressed(guest_memory& mem) {
    std::uint16_t flags = 0;
    return ready() && mem.read(avail_, &flags, 2) && (flags & 1);
}

} // namespace pmemvp::virtio
