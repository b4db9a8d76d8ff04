// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pci/pci_device.h"
#include "pmemvp/pci/pci_upstream.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"

#include <cstdint>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <array>
#include <utility>
#include <vector>

namespace pmemvp::pci {

// PCIe host bridge, bus 0, QEMU virt style: ECAM (bus << 20 | device << 15 | function << 12 |
// register), a memory window in which programmed BARs decode, legacy INTx A-D on four outputs
// (device d's pin p raises line (p - 1 + d) mod 4), and DMA for bus masters that reaches only
// the DMA windows (guest RAM), whatever address a device is given.
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

    // Puts `device` at bus 0, device number `slot` (function 0).
    void attach(pci_device& device, unsigned slot);

    // Bus-master access to guest memory on behalf of `device`: false (nothing accessed) when
    // bus mastering is off or any byte lies outside the DMA windows.
    bool dma_read(const pci_device& device, std::uint64_t addr, void* data, std::uint64_t length,
                  sc_core::sc_time& delay) override;
    bool dma_write(const pci_device& device, std::uint64_t addr, const void* data,
                   std::uint64_t length, sc_core::sc_time& delay) override;
    void update_intx() override;
    // Whether [addr, addr + length) lies in a DMA window.
    bool dma_allowed(std::uint64_t addr, std::uint64_t length) const override { return in_dma_window(addr, length); }
    std::uint64_t rejected_dma() const { return rejected_dma_; }

private:
    void ecam_access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned ecam_dbg(tlm::tlm_generic_payload& gp);
    void mmio_access(int window, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool mmio_dmi(int window, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    // The function and BAR decoding address `addr`, if any.
    pci_device* decode(std::uint64_t addr, unsigned& bar, std::uint64_t& bar_base, std::uint64_t& bar_size);
    bool in_dma_window(std::uint64_t addr, std::uint64_t length) const;
    bool dma_access(const pci_device& device, tlm::tlm_command cmd, std::uint64_t addr, void* data,
                    std::uint64_t length, sc_core::sc_time& delay);

    logger log_;
    std::array<std::uint64_t, 2> window_base_, window_size_;
    std::vector<dma_window> windows_;
    pci_device* slots_[max_devices] = {};
    std::uint64_t rejected_dma_ = 0;
    tlm::tlm_generic_payload dma_gp_; // reused: a payload costs an allocation to build
};

} // namespace pmemvp::pci
