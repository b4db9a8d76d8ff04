// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

namespace pmemvp::pci {

class pci_device;

// A guest-memory window a device may reach by DMA (bus mastering).
struct dma_window {
    std::uint64_t base, size;
};
// Whether [addr, addr + length) lies in one of `windows`.
bool in_dma_windows(const std::vector<dma_window>& windows, std::uint64_t addr, std::uint64_t length);

// What a PCI function needs from the bus it sits on: bus-master DMA to guest memory and its
// INTx pin reaching an interrupt controller. Our pci_host is one; a pci_endpoint is one for a
// host that is not ours.
class pci_upstream {
public:
    // Bus-master access on behalf of `device`: false (nothing accessed) when bus mastering is
    // off or a byte lies outside what the bus lets devices reach.
    virtual bool dma_read(const pci_device& device, std::uint64_t addr, void* data, std::uint64_t length,
                          sc_core::sc_time& delay) = 0;
    virtual bool dma_write(const pci_device& device, std::uint64_t addr, const void* data,
                           std::uint64_t length, sc_core::sc_time& delay) = 0;
    // Whether DMA may reach [addr, addr + length) (bus mastering aside).
    virtual bool dma_allowed(std::uint64_t addr, std::uint64_t length) const = 0;
    // A function's INTx output may have changed.
    virtual void update_intx() = 0;
    // What BARs decode changed without a config write reaching the function (a bridge's link
    // came up or went down): pointers into BARs may be stale.
    virtual void decode_changed() {}

protected:
    ~pci_upstream() = default;
};

} // namespace pmemvp::pci
