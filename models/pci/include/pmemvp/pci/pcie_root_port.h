// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pci/pci_device.h"
#include "pmemvp/pci/pci_upstream.h"

#include <cstdint>
#include <functional>
#include <string>

namespace pmemvp::pci {

// Registers of the PCI Express capability (offsets from the capability) and their bits.
namespace pcie {
constexpr std::uint8_t capability_id = 0x10;
constexpr unsigned flags = 0x02, device_capabilities = 0x04, device_control = 0x08, link_capabilities = 0x0c,
                   link_control = 0x10, link_status = 0x12, slot_capabilities = 0x14, slot_control = 0x18,
                   slot_status = 0x1a, root_control = 0x1c, root_capabilities = 0x1e, root_status = 0x20,
                   capability_size = 0x3c; // version 2
constexpr std::uint16_t flags_version2 = 0x2, flags_type_root_port = 0x4 << 4, flags_slot = 1u << 8;
// Link Capabilities / Link Status
constexpr std::uint32_t lnkcap_dll_active_reporting = 1u << 20;
constexpr std::uint16_t lnksta_dll_active = 1u << 13;
// Slot Capabilities
constexpr std::uint32_t sltcap_attention_button = 1u << 0, sltcap_power_controller = 1u << 1,
                        sltcap_mrl_sensor = 1u << 2, sltcap_attention_indicator = 1u << 3,
                        sltcap_power_indicator = 1u << 4, sltcap_hotplug_surprise = 1u << 5,
                        sltcap_hotplug_capable = 1u << 6, sltcap_interlock = 1u << 17,
                        sltcap_no_command_completed = 1u << 18;
constexpr unsigned sltcap_slot_number_shift = 19; // 13 bits
// Slot Control
constexpr std::uint16_t sltctl_button_enable = 1u << 0, sltctl_presence_enable = 1u << 3,
                        sltctl_command_enable = 1u << 4, sltctl_interrupt_enable = 1u << 5,
                        sltctl_attention_indicator = 3u << 6, sltctl_power_indicator = 3u << 8,
                        sltctl_power_off = 1u << 10, sltctl_link_enable = 1u << 12;
constexpr std::uint16_t sltctl_attention_off = 3u << 6, sltctl_power_indicator_on = 1u << 8,
                        sltctl_power_indicator_off = 3u << 8;
// Slot Status
constexpr std::uint16_t sltsta_button = 1u << 0, sltsta_presence_changed = 1u << 3,
                        sltsta_command_completed = 1u << 4, sltsta_presence = 1u << 6,
                        sltsta_link_changed = 1u << 8;
} // namespace pcie

// A PCI-to-PCI bridge window: addresses [base, limit]; closed when base > limit.
struct bridge_window {
    std::uint64_t base = 1, limit = 0;
    bool open() const { return base <= limit; }
    bool contains(std::uint64_t addr, std::uint64_t size) const {
        return open() && size && addr >= base && addr <= limit && size - 1 <= limit - addr;
    }
};

// A PCI Express root port with a native hot-plug slot, QEMU's `pcie-root-port` (1b36:000c,
// class 0604, type-1 header; INTB where QEMU's has INTA and MSI, see pcie_root_port.cpp): one
// slot behind it, whose function sits at device 0, function 0 of the port's secondary bus. Its PCI Express capability (version 2, Root Port,
// Slot Implemented) advertises an attention button, a power controller, attention and power
// indicators, hot-plug capable, no hot-plug surprise, no MRL sensor, no interlock, Command
// Completed support, Data Link Layer Link Active reporting, a 2.5 GT/s x1 link, and the
// physical slot number given to the constructor.
//
// Slot events (Slot Status, RW1C): attention button pressed, presence detect changed, command
// completed (every Slot Control write), data link layer state changed. The port raises its
// INTx (pin B) while Hot-Plug Interrupt Enable is set and an enabled event is pending, and
// lowers it when the guest clears the bits: level-triggered, no MSI.
//
// The link is up while a function is present and slot power is on; the host reaches the
// function (config, BARs, DMA, INTx) only then.
//
// Hot-plug as the platform drives it (docs/models/pci.md):
//   plug(fn)            the function is inserted: presence detect, PDC. Slot power on: the link
//                       comes up (DLLSC). Slot power off (how Linux leaves an empty slot): the
//                       attention button is pressed as well, asking the guest to power the
//                       slot; the link comes up when it does. Before the simulation starts
//                       (cold plug): power on, power indicator on, link up, no events.
//   request_unplug()    presses the attention button (ABP), as QEMU does for device_del. The
//                       guest (Linux pciehp after its 5 s abort window) turns slot power off.
//   on_power_off(cb)    cb(fn) runs inside the guest's Slot Control write that turns power off
//                       with a function present; the link is down already, the function is
//                       still plugged. Do the teardown (flush, sync the file, drop DMI) and call
//                       unplug(), from cb or later.
//   unplug()            the function is gone: presence clear, PDC (and DLLSC if the link was
//                       up: a surprise removal). The caller owns the function and may delete it.
//
// Create it during elaboration or at run time (it is not an sc_module) and attach it to a
// pci_host, which routes bus numbers, windows and interrupts through it.
class pcie_root_port : public pci_device {
public:
    static constexpr std::uint16_t vendor = 0x1b36, device = 0x000c; // Red Hat, QEMU PCIe root port
    static constexpr std::uint8_t revision = 0;
    static constexpr std::uint32_t class_code = 0x060400; // PCI-to-PCI bridge
    static constexpr unsigned capability_offset = 0x40;      // the PCI Express capability
    static constexpr unsigned max_slot_number = 0x1fff;

    // `slot`: the physical slot number (Slot Capabilities; Linux names /sys/bus/pci/slots/<slot>).
    // `port_number`: Link Capabilities' port number.
    pcie_root_port(std::string name, unsigned slot, std::uint8_t port_number = 0);

    // Where hot-plug interrupts and decode changes go (pci_host::attach sets it).
    void set_upstream(pci_upstream& upstream) { upstream_ = &upstream; }

    void plug(pci_device& function);
    void request_unplug();
    void unplug();
    void on_power_off(std::function<void(pci_device&)> callback) { on_power_off_ = std::move(callback); }

    unsigned slot() const { return slot_; }
    pci_device* plugged() const { return function_; }
    bool powered() const { return !(slot_control() & pcie::sltctl_power_off); }
    bool link_active() const { return link_status() & pcie::lnksta_dll_active; }
    // The function the host reaches on the secondary bus: plugged and the link up.
    pci_device* reachable() const { return link_active() ? function_ : nullptr; }

    // Bridge state as the guest programmed it (for routing and for `info pci`).
    unsigned primary_bus() const { return config_read(cfg::primary_bus, 1); }
    unsigned secondary_bus() const { return config_read(cfg::secondary_bus, 1); }
    unsigned subordinate_bus() const { return config_read(cfg::subordinate_bus, 1); }
    bridge_window memory_window() const;
    bridge_window prefetch_window() const;
    // Whether the port forwards a memory access to [addr, addr + size) downstream: memory space
    // enabled and the range inside the memory or the prefetchable window.
    bool forwards(std::uint64_t addr, std::uint64_t size) const;

    std::uint16_t slot_control() const { return static_cast<std::uint16_t>(config_read(capability_offset + pcie::slot_control, 2)); }
    std::uint16_t slot_status() const { return static_cast<std::uint16_t>(config_read(capability_offset + pcie::slot_status, 2)); }
    std::uint16_t link_status() const { return static_cast<std::uint16_t>(config_read(capability_offset + pcie::link_status, 2)); }

    // A bridge has no BARs of its own.
    void bar_access(unsigned bar, std::uint64_t offset, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;

protected:
    void config_written(unsigned offset, unsigned length) override;

private:
    void put16(unsigned reg, std::uint16_t value);
    void set_status_bits(std::uint16_t events);
    void set_link(bool up);
    void update_interrupt();
    void notify_decode_changed();

    unsigned slot_;
    pci_device* function_ = nullptr;
    pci_upstream* upstream_ = nullptr;
    std::function<void(pci_device&)> on_power_off_;
};

} // namespace pmemvp::pci
