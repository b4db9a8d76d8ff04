// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pci/pci_device.h"

#include <cstring>
#include <stdexcept>

namespace pmemvp::pci {

pci_device::pci_device(std::string name, std::uint16_t vendor, std::uint16_t device,
                       std::uint8_t revision, std::uint32_t class_code, std::uint16_t subsystem_vendor,
                       std::uint16_t subsystem_id)
    : name_(std::move(name)) {
    auto put = [&](unsigned off, std::uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) config_[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    put(cfg::vendor_id, vendor, 2);
    put(cfg::device_id, device, 2);
    put(cfg::revision, revision, 1);
    put(cfg::class_code, class_code, 3);
    put(cfg::subsystem_vendor, subsystem_vendor, 2);
    put(cfg::subsystem_id, subsystem_id, 2);
    put(cfg::interrupt_pin, 1, 1); // INTA
    // The driver may write: command, interrupt line.
    make_writable(cfg::command, 2);
    make_writable(cfg::interrupt_line, 1);
}

void pci_device::declare_type1_header() {
    config_[cfg::header_type] = cfg::header_type_bridge;
    for (unsigned b = 2; b < num_bars; ++b)
        if (bar_size_[b]) throw std::logic_error(name_ + ": a bridge has BARs 0 and 1 only");
    // 0x2c-0x2f are the prefetchable limit's upper half here, not subsystem IDs.
    for (unsigned at = 0x18; at < 0x30; ++at) config_[at] = 0;
    make_writable(cfg::primary_bus, 3);
    make_writable_bits(cfg::memory_base, 4, 0xfff0fff0);
    make_writable_bits(cfg::prefetch_base, 4, 0xfff0fff0);
    make_writable(cfg::prefetch_base_upper, 8);
    make_writable(cfg::bridge_control, 2);
    // Windows closed (base above limit) until the guest programs them; the prefetchable one
    // says it is 64-bit.
    config_[cfg::memory_base] = 0xf0;
    config_[cfg::memory_base + 1] = 0xff;
    config_[cfg::prefetch_base] = 0xf1;
    config_[cfg::prefetch_base + 1] = 0xff;
    config_[cfg::prefetch_limit] = 0x01;
}

void pci_device::declare_bar64(unsigned bar, std::uint64_t size, bool prefetchable) {
    if (bar + 1 >= header_bars() || size < 16 || (size & (size - 1)))
        throw std::logic_error(name_ + ": BAR " + std::to_string(bar) + " must be a power of two >= 16");
    bar_size_[bar] = size;
    config_[cfg::bar0 + 4 * bar] = static_cast<std::uint8_t>(0x4 | (prefetchable ? 0x8 : 0)); // 64-bit memory
}

unsigned pci_device::add_capability(const std::uint8_t* bytes, unsigned length) {
    const unsigned at = next_capability_;
    if (at + length > 0x100) throw std::logic_error(name_ + ": capabilities do not fit");
    std::memcpy(&config_[at], bytes, length);
    config_[at + 1] = 0; // end of the list so far
    if (last_capability_) config_[last_capability_ + 1] = static_cast<std::uint8_t>(at);
    else config_[cfg::capabilities] = static_cast<std::uint8_t>(at);
    last_capability_ = at;
    next_capability_ = (at + length + 3) & ~3u;
    config_[cfg::status] |= cfg::status_capabilities;
    return at;
}

void pci_device::make_writable(unsigned offset, unsigned length) {
    for (unsigned i = 0; i < length; ++i) write_mask_[offset + i] = 0xff;
}

void pci_device::make_writable_bits(unsigned offset, unsigned length, std::uint32_t mask) {
    for (unsigned i = 0; i < length && i < 4; ++i) write_mask_[offset + i] = static_cast<std::uint8_t>(mask >> (8 * i));
}

void pci_device::make_write1_clear(unsigned offset, unsigned length, std::uint32_t mask) {
    for (unsigned i = 0; i < length && i < 4; ++i) w1c_mask_[offset + i] = static_cast<std::uint8_t>(mask >> (8 * i));
}

std::uint32_t pci_device::config_read(unsigned offset, unsigned length) const {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < length && offset + i < config_.size(); ++i)
        v |= static_cast<std::uint32_t>(config_[offset + i]) << (8 * i);
    return v;
}

void pci_device::config_write(unsigned offset, unsigned length, std::uint32_t value) {
    bool changed = false;
    for (unsigned i = 0; i < length && offset + i < config_.size(); ++i) {
        const unsigned at = offset + i;
        const std::uint8_t byte = static_cast<std::uint8_t>(value >> (8 * i));
        if (at >= cfg::bar0 && at < cfg::bar0 + 4 * header_bars()) {
            // BARs: the address bits above the size are writable; the low 4 flag bits are not.
            const unsigned bar = (at - cfg::bar0) / 4, byte_in_bar = (at - cfg::bar0) % 4;
            std::uint64_t size = bar_size_[bar];
            unsigned shift = 8 * byte_in_bar;
            if (!size && bar > 0 && bar_size_[bar - 1]) { // high half of a 64-bit BAR
                size = bar_size_[bar - 1];
                shift += 32;
            }
            if (!size) continue;
            std::uint8_t mask = static_cast<std::uint8_t>((~(size - 1)) >> shift);
            if (shift == 0) mask &= 0xf0;
            config_[at] = static_cast<std::uint8_t>((config_[at] & ~mask) | (byte & mask));
            changed = true;
        } else if (write_mask_[at] | w1c_mask_[at]) {
            const std::uint8_t mask = write_mask_[at];
            std::uint8_t next = static_cast<std::uint8_t>((config_[at] & ~mask) | (byte & mask));
            next = static_cast<std::uint8_t>(next & ~(byte & w1c_mask_[at]));
            if (config_[at] != next) changed = changed || at < 0x40;
            config_[at] = next;
        }
    }
    if (changed) {
        update_status();
        config_changed();
    }
    config_written(offset, length);
}

tlm::tlm_response_status pci_device::config_transport(tlm::tlm_generic_payload& gp, unsigned reg) {
    const unsigned len = gp.get_data_length();
    if ((len != 1 && len != 2 && len != 4) || reg % len || reg + len > config_.size())
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    std::uint32_t v = 0;
    if (gp.is_read()) {
        v = config_read(reg, len);
        std::memcpy(gp.get_data_ptr(), &v, len);
    } else if (gp.is_write()) {
        std::memcpy(&v, gp.get_data_ptr(), len);
        config_write(reg, len, v);
    }
    return tlm::TLM_OK_RESPONSE;
}

bool pci_device::bar_decodes(unsigned bar, std::uint64_t& base, std::uint64_t& size) const {
    if (bar >= num_bars || !bar_size_[bar] || !memory_enabled()) return false;
    const std::uint64_t lo = config_read(cfg::bar0 + 4 * bar, 4), hi = config_read(cfg::bar0 + 4 * bar + 4, 4);
    base = (hi << 32 | lo) & ~0xfull;
    size = bar_size_[bar];
    return base != 0;
}

void pci_device::set_intx(bool level) {
    intx_ = level;
    update_status();
}

void pci_device::update_status() {
    if (intx_) config_[cfg::status] |= cfg::status_interrupt;
    else config_[cfg::status] &= static_cast<std::uint8_t>(~cfg::status_interrupt);
}

} // namespace pmemvp::pci
