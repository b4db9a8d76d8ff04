// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pci/pci_device.h"
#include "pmemvp/pci/pci_upstream.h"
#include "pmemvp/pci/pcie_root_port.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"

#include <cstdint>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <array>
#include <functional>
#include <utility>
#include <vector>

namespace pmemvp::pci {

// PCIe host bridge, bus 0, QEMU virt style: ECAM (bus << 20 | device << 15 | function << 12 |
// register), a memory window in which programmed BARs decode, legacy INTx A-D on four outputs
// (device d's pin p raises line (p - 1 + d) mod 4), and DMA for bus masters that reaches only
// the DMA windows (guest RAM), whatever address a device is given.
//
// Root ports (pcie_root_port) attached on bus 0 open one bus each: ECAM bus B > 0 reaches the
// function plugged into the port whose secondary bus number is B (device 0, function 0; other
// devices read all ones) while its link is up. Such a function's BARs decode only while the
// port's memory space is enabled and the BAR lies inside the port's memory or prefetchable
// window; its DMA needs the port's bus master enable too; its pin p is pin (p - 1) mod 4 + 1
// at the port (device 0 on the secondary bus), then swizzled by the port's device number.
class pci_host : public sc_core::sc_module, public pci_upstream {
public:
    static constexpr unsigned max_devices = 32;

    tlm_utils::simple_target_socket<pci_host> ecam;
    // The BAR windows: the 32-bit one (tag 0) and an optional 64-bit one above RAM (tag 1), where
    // Linux puts 64-bit prefetchable BARs (a RISC-V kernel maps device pages only above RAM).
    tlm_utils::simple_target_socket_tagged<pci_host> mmio;
    tlm_utils::simple_target_socket_tagged_optional<pci_host> mmio64; // unbound: no 64-bit window
    tlm_utils::simple_initiator_socket<pci_host> dma;
    irq_line intx[4];

    pci_host(const sc_core::sc_module_name& name, std::uint64_t mmio_base, std::uint64_t mmio_size,
             std::vector<dma_window> dma_windows, std::uint64_t mmio64_base = 0,
             std::uint64_t mmio64_size = 0);

    // Puts `device` at bus 0, device number `slot` (function 0). A pcie_root_port is
    // recognised and routed through (it gets this host as its upstream).
    void attach(pci_device& device, unsigned slot);

    // Every function a configuration scan finds, in bus order: bus 0 by device number, then the
    // functions behind root ports (link up, secondary bus assigned) by secondary bus number.
    void for_each_function(const std::function<void(unsigned bus, unsigned device, unsigned function,
                                                    const pci_device&)>& visit) const;
    // Every root port on bus 0 by device number, whatever its slot holds (for `info pci`).
    void for_each_root_port(const std::function<void(unsigned device, const pcie_root_port&)>& visit) const;
    // The root port at bus 0 device `slot`, if that is one.
    pcie_root_port* root_port(unsigned slot) const { return slot < max_devices ? ports_[slot] : nullptr; }

    // Bus-master access to guest memory on behalf of `device`: false (nothing accessed) when
    // bus mastering is off or any byte lies outside the DMA windows.
    bool dma_read(const pci_device& device, std::uint64_t addr, void* data, std::uint64_t length,
                  sc_core::sc_time& delay) override;
    bool dma_write(const pci_device& device, std::uint64_t addr, const void* data,
                   std::uint64_t length, sc_core::sc_time& delay) override;
    void update_intx() override;
    void decode_changed() override;
    // Whether [addr, addr + length) lies in a DMA window.
    bool dma_allowed(std::uint64_t addr, std::uint64_t length) const override { return in_dma_window(addr, length); }
    std::uint64_t rejected_dma() const { return rejected_dma_; }

private:
    void ecam_access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned ecam_dbg(tlm::tlm_generic_payload& gp);
    void mmio_access(int window, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool mmio_dmi(int window, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    // The function at ECAM bus/device/function, if a config access reaches one.
    pci_device* function_at(unsigned bus, unsigned dev, unsigned fn) const;
    // The function and BAR decoding address `addr`, if any.
    pci_device* decode(std::uint64_t addr, unsigned& bar, std::uint64_t& bar_base, std::uint64_t& bar_size);
    // The root port `device` sits behind, if any.
    const pcie_root_port* port_above(const pci_device& device) const;
    void invalidate_bar_dmi();
    bool in_dma_window(std::uint64_t addr, std::uint64_t length) const;
    bool dma_access(const pci_device& device, tlm::tlm_command cmd, std::uint64_t addr, void* data,
                    std::uint64_t length, sc_core::sc_time& delay);

    logger log_;
    std::array<std::uint64_t, 2> window_base_, window_size_;
    std::vector<dma_window> windows_;
    pci_device* slots_[max_devices] = {};
    pcie_root_port* ports_[max_devices] = {}; // the slots that hold root ports
    std::uint64_t rejected_dma_ = 0;
    tlm::tlm_generic_payload dma_gp_; // reused: a payload costs an allocation to build
};

} // namespace pmemvp::pci
