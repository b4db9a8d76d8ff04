// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/register_bank.h"

#include <cstring>
#include <stdexcept>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "register access assumes a little-endian host");

namespace pmemvp {

reg::reg(std::string name, std::uint64_t offset, unsigned width, std::uint64_t reset_value)
    : name_(std::move(name)), offset_(offset), width_(width), reset_value_(reset_value),
      value_(reset_value) {}

void reg::write(std::uint64_t value) {
    value &= mask();
    if (on_write_)
        on_write_(value);
    else
        value_ = value;
}

reg& register_bank::add(const std::string& name, std::uint64_t offset, unsigned width,
                        std::uint64_t reset_value) {
    if (width != 1 && width != 2 && width != 4 && width != 8)
        throw std::logic_error(owner_ + ": register '" + name + "' has width " +
                               std::to_string(width) + "; use 1, 2, 4 or 8 bytes");
    auto next = regs_.lower_bound(offset);
    if (next != regs_.end() && next->first < offset + width)
        throw std::logic_error(owner_ + ": register '" + name + "' overlaps '" +
                               next->second->name() + "'");
    if (next != regs_.begin()) {
        const reg& prev = *std::prev(next)->second;
        if (prev.offset() + prev.width() > offset)
            throw std::logic_error(owner_ + ": register '" + name + "' overlaps '" + prev.name() +
                                   "'");
    }
    auto r = std::make_unique<reg>(name, offset, width, reset_value);
    reg& ref = *r;
    regs_.emplace(offset, std::move(r));
    return ref;
}

reg* register_bank::find(std::uint64_t offset) {
    auto it = regs_.upper_bound(offset);
    if (it == regs_.begin())
        return nullptr;
    reg* r = std::prev(it)->second.get();
    return offset < r->offset() + r->width() ? r : nullptr;
}

void register_bank::reset() {
    for (auto& [offset, r] : regs_)
        r->reset();
}

void register_bank::transport(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    reg* r = find(addr);
    if (!r || (len != 1 && len != 2 && len != 4 && len != 8) || addr % len ||
        addr + len > r->offset() + r->width() || gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const unsigned shift = 8 * static_cast<unsigned>(addr - r->offset());
    const std::uint64_t field = len == 8 ? ~0ull : ((1ull << (8 * len)) - 1) << shift;
    if (gp.is_read()) {
        if (!r->readable()) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        std::uint64_t v = (r->read() & field) >> shift;
        std::memcpy(gp.get_data_ptr(), &v, len);
    } else if (gp.is_write()) {
        if (!r->writable()) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        std::uint64_t v = 0;
        std::memcpy(&v, gp.get_data_ptr(), len);
        // A partial write keeps the other bytes: the register's current value, as a read sees it.
        const std::uint64_t current = len == r->width() ? 0 : r->read();
        r->write((current & ~field) | ((v << shift) & field));
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned register_bank::transport_dbg(tlm::tlm_generic_payload& gp) {
    if (!gp.is_read())
        return 0;
    unsigned char* out = gp.get_data_ptr();
    const unsigned len = gp.get_data_length();
    for (unsigned i = 0; i < len; ++i) {
        const std::uint64_t addr = gp.get_address() + i;
        const reg* r = find(addr);
        out[i] = r && r->readable() ? static_cast<unsigned char>(r->peek() >> (8 * (addr - r->offset()))) : 0;
    }
    return len;
}

} // namespace pmemvp
