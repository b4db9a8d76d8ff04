// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pci/pcie_root_port.h"

#include <array>
#include <stdexcept>
#include <systemc>

namespace pmemvp::pci {

namespace {
constexpr std::uint16_t link_speed_2_5gt = 1, link_width_x1 = 1 << 4;
constexpr std::uint16_t device_control_writable = 0x081f; // error reporting enables, relaxed ordering, no snoop
constexpr std::uint16_t link_control_writable = 0x00c0;   // common clock, extended synch
constexpr std::uint16_t slot_control_writable =
    pcie::sltctl_button_enable | pcie::sltctl_presence_enable | pcie::sltctl_command_enable |
    pcie::sltctl_interrupt_enable | pcie::sltctl_attention_indicator | pcie::sltctl_power_indicator |
    pcie::sltctl_power_off | pcie::sltctl_link_enable;
constexpr std::uint16_t slot_events = pcie::sltsta_button | pcie::sltsta_presence_changed |
                                      pcie::sltsta_command_completed | pcie::sltsta_link_changed;
constexpr std::uint16_t root_control_writable = 0x000f; // system error and PME interrupt enables

void put(std::uint8_t* at, std::uint32_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i) at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

bool overlaps(unsigned offset, unsigned length, unsigned reg, unsigned reg_length) {
    return offset < reg + reg_length && reg < offset + length;
}
} // namespace

pcie_root_port::pcie_root_port(std::string name, unsigned slot, std::uint8_t port_number)
    : pci_device(std::move(name), vendor, device, revision, class_code, 0, 0), slot_(slot) {
    if (slot > max_slot_number)
        throw std::invalid_argument(this->name() + ": physical slot number " + std::to_string(slot) + " exceeds 8191");
    declare_type1_header();
    // INTB, not QEMU's INTA: the device in the slot (device 0 behind the port) raises INTA, and
    // the swizzle puts both on one line if the port uses INTA too. Linux's pciehp removes a
    // device from its interrupt thread, and the device's driver then waits for its interrupt's
    // handlers to finish (virtio's synchronize_irq): on a shared line it waits for itself.
    // QEMU's port avoids that with MSI, which a PLIC platform has not.
    config_bytes()[cfg::interrupt_pin] = 2;

    std::array<std::uint8_t, pcie::capability_size> cap{};
    cap[0] = pcie::capability_id;
    put(&cap[pcie::flags], pcie::flags_version2 | pcie::flags_type_root_port | pcie::flags_slot, 2);
    put(&cap[pcie::device_capabilities], 1u << 15, 4); // role-based error reporting, 128-byte payloads
    put(&cap[pcie::link_capabilities],
        link_speed_2_5gt | link_width_x1 | pcie::lnkcap_dll_active_reporting | std::uint32_t{port_number} << 24, 4);
    put(&cap[pcie::link_status], link_speed_2_5gt | link_width_x1, 2);
    put(&cap[pcie::slot_capabilities],
        pcie::sltcap_attention_button | pcie::sltcap_power_controller | pcie::sltcap_attention_indicator |
            pcie::sltcap_power_indicator | pcie::sltcap_hotplug_capable | slot << pcie::sltcap_slot_number_shift,
        4);
    // An empty slot: power off, indicators off.
    put(&cap[pcie::slot_control], pcie::sltctl_attention_off | pcie::sltctl_power_indicator_off | pcie::sltctl_power_off, 2);
    const unsigned at = add_capability(cap.data(), static_cast<unsigned>(cap.size()));
    if (at != capability_offset) throw std::logic_error(this->name() + ": PCI Express capability misplaced");

    make_writable_bits(at + pcie::device_control, 2, device_control_writable);
    make_writable_bits(at + pcie::link_control, 2, link_control_writable);
    make_writable_bits(at + pcie::slot_control, 2, slot_control_writable);
    make_write1_clear(at + pcie::slot_status, 2, slot_events);
    make_writable_bits(at + pcie::root_control, 2, root_control_writable);
}

void pcie_root_port::put16(unsigned reg, std::uint16_t value) {
    put(config_bytes() + capability_offset + reg, value, 2);
}

bridge_window pcie_root_port::memory_window() const {
    const std::uint64_t base = config_read(cfg::memory_base, 2) & 0xfff0, limit = config_read(cfg::memory_limit, 2) & 0xfff0;
    return {base << 16, limit << 16 | 0xfffff};
}

bridge_window pcie_root_port::prefetch_window() const {
    const std::uint64_t base = config_read(cfg::prefetch_base, 2) & 0xfff0, limit = config_read(cfg::prefetch_limit, 2) & 0xfff0;
    const std::uint64_t base_hi = config_read(cfg::prefetch_base_upper, 4), limit_hi = config_read(cfg::prefetch_limit_upper, 4);
    return {base_hi << 32 | base << 16, limit_hi << 32 | limit << 16 | 0xfffff};
}

bool pcie_root_port::forwards(std::uint64_t addr, std::uint64_t size) const {
    return memory_enabled() && (memory_window().contains(addr, size) || prefetch_window().contains(addr, size));
}

void pcie_root_port::bar_access(unsigned, std::uint64_t, tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

void pcie_root_port::plug(pci_device& function) {
    if (function_) throw std::logic_error(name() + ": slot " + std::to_string(slot_) + " is occupied by " + function_->name());
    if (&function == this || function.is_bridge())
        throw std::logic_error(name() + ": only an endpoint function can be plugged into a root port");
    function_ = &function;
    const std::uint16_t status = slot_status() | pcie::sltsta_presence;
    if (!sc_core::sc_start_of_simulation_invoked()) {
        // Cold plug: present at power-on, nothing for the guest to be told.
        put16(pcie::slot_control, static_cast<std::uint16_t>((slot_control() & ~(pcie::sltctl_power_off | pcie::sltctl_power_indicator)) |
                                                             pcie::sltctl_power_indicator_on));
        put16(pcie::slot_status, status);
        put16(pcie::link_status, link_status() | pcie::lnksta_dll_active);
        notify_decode_changed();
        return;
    }
    put16(pcie::slot_status, status);
    if (powered()) {
        set_link(true);
        set_status_bits(pcie::sltsta_presence_changed);
    } else {
        // The guest powers an empty slot off; the button asks it to power this one on.
        set_status_bits(pcie::sltsta_presence_changed | pcie::sltsta_button);
    }
}

void pcie_root_port::request_unplug() { set_status_bits(pcie::sltsta_button); }

void pcie_root_port::unplug() {
    if (!function_) return;
    set_link(false);
    function_ = nullptr;
    put16(pcie::slot_status, slot_status() & ~pcie::sltsta_presence);
    set_status_bits(pcie::sltsta_presence_changed);
}

void pcie_root_port::config_written(unsigned offset, unsigned length) {
    if (overlaps(offset, length, capability_offset + pcie::slot_control, 2)) {
        // A Slot Control write is a command: carry it out, then say it completed.
        if (function_ && powered() != link_active()) {
            set_link(powered());
            if (!powered() && on_power_off_) on_power_off_(*function_);
        }
        set_status_bits(pcie::sltsta_command_completed);
    }
    update_interrupt(); // enables or RW1C status may have changed
}

void pcie_root_port::set_status_bits(std::uint16_t events) {
    put16(pcie::slot_status, slot_status() | events);
    update_interrupt();
}

void pcie_root_port::set_link(bool up) {
    if (up == link_active()) return;
    const std::uint16_t link = link_status();
    put16(pcie::link_status, up ? link | pcie::lnksta_dll_active : link & ~pcie::lnksta_dll_active);
    notify_decode_changed();
    set_status_bits(pcie::sltsta_link_changed);
}

void pcie_root_port::update_interrupt() {
    const std::uint16_t control = slot_control(), status = slot_status();
    const bool pending = (status & control & (pcie::sltsta_button | pcie::sltsta_presence_changed |
                                              pcie::sltsta_command_completed)) ||
                         ((status & pcie::sltsta_link_changed) && (control & pcie::sltctl_link_enable));
    const bool level = (control & pcie::sltctl_interrupt_enable) && pending;
    if (level != intx_asserted()) set_intx(level);
    if (upstream_) upstream_->update_intx(); // also the function's INTx, which the link carries
}

void pcie_root_port::notify_decode_changed() {
    if (upstream_) upstream_->decode_changed();
}

} // namespace pmemvp::pci
