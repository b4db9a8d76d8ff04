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
    writable_[cfg::command] = writable_[cfg::command + 1] = true;
    writable_[cfg::interrupt_line] = true;
}

void pci_device::declare_bar64(unsigned bar, std::uint64_t size, bool prefetchable) {
    if (bar + 1 >= num_bars || size < 16 || (size & (size - 1)))
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
    for (unsigned i = 0; i < length; ++i) writable_[offset + i] = true;
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
        if (at >= cfg::bar0 && at < cfg::bar0 + 4 * num_bars) {
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
        } else if (writable_[at]) {
            if (config_[at] != byte) changed = changed || at < 0x40;
            config_[at] = byte;
        }
    }
    if (changed) {
        update_status();
        config_changed();
    }
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
