// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pci/pci_host.h"

#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cstring>
#include <tlm_utils/simple_target_socket.h>
#include <stdexcept>
#include <vector>

namespace pmemvp::pci {

pci_host::pci_host(const sc_core::sc_module_name& name, std::uint64_t mmio_base,
                   std::uint64_t mmio_size, std::vector<dma_window> dma_windows,
                   std::uint64_t mmio64_base, std::uint64_t mmio64_size)
    : sc_module(name), ecam("ecam"), mmio("mmio"), mmio64("mmio64"), dma("dma"), log_(this->name()),
      window_base_{mmio_base, mmio64_base}, window_size_{mmio_size, mmio64_size},
      windows_(std::move(dma_windows)) {
    ecam.register_b_transport(this, &pci_host::ecam_access);
    ecam.register_transport_dbg(this, &pci_host::ecam_dbg);
    mmio.register_b_transport(this, &pci_host::mmio_access, 0);
    mmio.register_get_direct_mem_ptr(this, &pci_host::mmio_dmi, 0);
    mmio64.register_b_transport(this, &pci_host::mmio_access, 1);
    mmio64.register_get_direct_mem_ptr(this, &pci_host::mmio_dmi, 1);
}

void pci_host::attach(pci_device& device, unsigned slot) {
    if (slot >= max_devices || slots_[slot])
        throw std::logic_error("pci: slot " + std::to_string(slot) + " is not free");
    slots_[slot] = &device;
    if (auto* port = dynamic_cast<pcie_root_port*>(&device)) {
        ports_[slot] = port;
        port->set_upstream(*this);
    }
}

pci_device* pci_host::function_at(unsigned bus, unsigned dev, unsigned fn) const {
    if (fn != 0) return nullptr;
    if (bus == 0) return slots_[dev];
    if (dev != 0) return nullptr; // a root port's link reaches device 0 only
    for (const pcie_root_port* port : ports_)
        if (port && port->secondary_bus() == bus) return port->reachable();
    return nullptr;
}

void pci_host::for_each_function(
    const std::function<void(unsigned, unsigned, unsigned, const pci_device&)>& visit) const {
    std::vector<const pcie_root_port*> ports;
    for (unsigned dev = 0; dev < max_devices; ++dev) {
        if (slots_[dev]) visit(0, dev, 0, *slots_[dev]);
        if (ports_[dev] && ports_[dev]->secondary_bus() != 0) ports.push_back(ports_[dev]);
    }
    std::stable_sort(ports.begin(), ports.end(),
                     [](auto* a, auto* b) { return a->secondary_bus() < b->secondary_bus(); });
    for (const pcie_root_port* port : ports) {
        const unsigned bus = port->secondary_bus();
        const pci_device* f = function_at(bus, 0, 0); // as ECAM routes: the first port with that bus wins
        if (f && f == port->reachable()) visit(bus, 0, 0, *f);
    }
}

void pci_host::for_each_root_port(const std::function<void(unsigned, const pcie_root_port&)>& visit) const {
    for (unsigned dev = 0; dev < max_devices; ++dev)
        if (ports_[dev]) visit(dev, *ports_[dev]);
}

const pcie_root_port* pci_host::port_above(const pci_device& device) const {
    for (const pcie_root_port* port : ports_)
        if (port && port->plugged() == &device) return port;
    return nullptr;
}

void pci_host::invalidate_bar_dmi() {
    mmio->invalidate_direct_mem_ptr(0, window_size_[0] - 1);
    if (window_size_[1]) mmio64->invalidate_direct_mem_ptr(0, window_size_[1] - 1);
}

void pci_host::decode_changed() { invalidate_bar_dmi(); }

void pci_host::ecam_access(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const std::uint64_t a = gp.get_address();
    const unsigned len = gp.get_data_length();
    const unsigned bus = (a >> 20) & 0xff, dev = (a >> 15) & 0x1f, fn = (a >> 12) & 7;
    const unsigned reg = a & 0xfff;
    if ((len != 1 && len != 2 && len != 4) || reg % len) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    pci_device* d = function_at(bus, dev, fn);
    if (!d) {
        if (gp.is_read()) std::memset(gp.get_data_ptr(), 0xff, len); // no device: all ones, as on real PCI
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    gp.set_response_status(d->config_transport(gp, reg));
    if (gp.is_write()) {
        update_intx(); // INTx disable may have changed
        if (reg < 0x40) invalidate_bar_dmi(); // BARs, decode enables or bridge windows may have moved
    }
}

unsigned pci_host::ecam_dbg(tlm::tlm_generic_payload& gp) {
    sc_core::sc_time t;
    if (!gp.is_read()) return 0;
    ecam_access(gp, t);
    return gp.is_response_ok() ? gp.get_data_length() : 0;
}

pci_device* pci_host::decode(std::uint64_t addr, unsigned& bar, std::uint64_t& base, std::uint64_t& size) {
    for (unsigned slot = 0; slot < max_devices; ++slot) {
        pci_device* d = slots_[slot];
        if (!d) continue;
        for (bar = 0; bar < pci_device::num_bars; ++bar)
            if (d->bar_decodes(bar, base, size) && addr >= base && addr - base < size) return d;
        const pcie_root_port* port = ports_[slot];
        pci_device* behind = port ? port->reachable() : nullptr;
        if (!behind) continue;
        for (bar = 0; bar < pci_device::num_bars; ++bar)
            if (behind->bar_decodes(bar, base, size) && addr >= base && addr - base < size &&
                port->forwards(base, size))
                return behind;
    }
    return nullptr;
}

void pci_host::mmio_access(int window, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t local = gp.get_address(), addr = window_base_[window] + local;
    unsigned bar;
    std::uint64_t base, size;
    pci_device* d = decode(addr, bar, base, size);
    if (!d) {
        // Nothing decodes here (or memory decode is off): a master abort.
        log_.info("no BAR decodes ", util::hex(addr));
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.get_data_length() > size - (addr - base)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_address(addr - base);
    d->bar_access(bar, addr - base, gp, delay);
    gp.set_address(local);
}

bool pci_host::mmio_dmi(int window, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const std::uint64_t local = gp.get_address(), addr = window_base_[window] + local;
    unsigned bar;
    std::uint64_t base, size;
    pci_device* d = decode(addr, bar, base, size);
    if (!d || base < window_base_[window]) return false;
    gp.set_address(addr - base);
    const bool granted = d->bar_dmi(bar, gp, dmi);
    gp.set_address(local);
    if (!granted && !dmi.is_read_allowed()) return false;
    // Back to window offsets, clipped to the BAR.
    const std::uint64_t bar_local = base - window_base_[window];
    dmi.set_start_address(bar_local + dmi.get_start_address());
    dmi.set_end_address(bar_local + std::min<std::uint64_t>(dmi.get_end_address(), size - 1));
    return granted;
}

bool in_dma_windows(const std::vector<dma_window>& windows, std::uint64_t addr, std::uint64_t length) {
    for (const auto& w : windows)
        if (addr >= w.base && length <= w.size && addr - w.base <= w.size - length) return true;
    return false;
}

bool pci_host::in_dma_window(std::uint64_t addr, std::uint64_t length) const {
    return in_dma_windows(windows_, addr, length);
}

bool pci_host::dma_access(const pci_device& device, tlm::tlm_command cmd, std::uint64_t addr,
                          void* data, std::uint64_t length, sc_core::sc_time& delay) {
    const pcie_root_port* port = port_above(device);
    const bool path_open = !port || (port->bus_master() && port->link_active());
    if (!device.bus_master() || !path_open || length == 0 || length > (1u << 30) || !in_dma_window(addr, length)) {
        ++rejected_dma_;
        return false;
    }
    tlm::tlm_generic_payload& gp = dma_gp_;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(static_cast<unsigned>(length));
    gp.set_streaming_width(static_cast<unsigned>(length));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    dma->b_transport(gp, delay);
    return gp.is_response_ok();
}

bool pci_host::dma_read(const pci_device& device, std::uint64_t addr, void* data,
                        std::uint64_t length, sc_core::sc_time& delay) {
    return dma_access(device, tlm::TLM_READ_COMMAND, addr, data, length, delay);
}

bool pci_host::dma_write(const pci_device& device, std::uint64_t addr, const void* data,
                         std::uint64_t length, sc_core::sc_time& delay) {
    return dma_access(device, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), length, delay);
}

void pci_host::update_intx() {
    bool level[4] = {};
    for (unsigned slot = 0; slot < max_devices; ++slot) {
        const pci_device* d = slots_[slot];
        if (!d) continue;
        if (d->intx_output()) {
            const unsigned pin = d->config_read(cfg::interrupt_pin, 1);
            if (pin >= 1 && pin <= 4) level[(pin - 1 + slot) % 4] = true;
        }
        // Behind a root port: device 0 on the secondary bus, so the pin is unchanged at the port.
        const pci_device* behind = ports_[slot] ? ports_[slot]->reachable() : nullptr;
        if (behind && behind->intx_output()) {
            const unsigned pin = behind->config_read(cfg::interrupt_pin, 1);
            if (pin >= 1 && pin <= 4) level[(pin - 1 + 0 + slot) % 4] = true;
        }
    }
    for (unsigned i = 0; i < 4; ++i) intx[i].set(level[i]);
}

} // namespace pmemvp::pci
