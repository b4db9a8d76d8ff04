// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pci/pci_endpoint.h"

#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <stdexcept>

namespace pmemvp::pci {

pci_endpoint::pci_endpoint(const sc_core::sc_module_name& name, std::vector<dma_window> dma_windows)
    : sc_module(name), config("config"), bar("bar", pci_device::num_bars), dma("dma"), log_(this->name()),
      windows_(std::move(dma_windows)) {
    config.register_b_transport(this, &pci_endpoint::config_access);
    config.register_transport_dbg(this, &pci_endpoint::config_dbg);
    for (int i = 0; i < static_cast<int>(pci_device::num_bars); ++i) {
        bar[i].register_b_transport(this, &pci_endpoint::bar_access, i);
        bar[i].register_get_direct_mem_ptr(this, &pci_endpoint::bar_dmi, i);
        bar[i].register_transport_dbg(this, &pci_endpoint::bar_dbg, i);
    }
}

void pci_endpoint::plug(pci_device& device) {
    if (device_) throw std::logic_error(std::string(name()) + ": a PCI function is plugged in already");
    device_ = &device;
}

// Unbound sockets are fine (a host uses what it needs), a missing function is a wiring bug.
void pci_endpoint::end_of_elaboration() {
    if (!device_)
        SC_REPORT_ERROR(name(), "no PCI function was plugged into this endpoint (pci_endpoint::plug)");
}

void pci_endpoint::config_access(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const std::uint64_t reg = gp.get_address();
    if (reg >= 0x1000) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_response_status(device_->config_transport(gp, static_cast<unsigned>(reg)));
    if (!gp.is_write() || !gp.is_response_ok()) return;
    update_intx(); // INTx disable may have changed
    if (reg < 0x40) // BARs may have moved or memory decode changed: no DMI pointer is safe
        for (auto& b : bar)
            if (b.get_base_port().size()) b->invalidate_direct_mem_ptr(0, ~0ull);
}

unsigned pci_endpoint::config_dbg(tlm::tlm_generic_payload& gp) {
    if (!gp.is_read()) return 0;
    sc_core::sc_time t;
    config_access(gp, t);
    return gp.is_response_ok() ? gp.get_data_length() : 0;
}

void pci_endpoint::bar_access(int n, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    std::uint64_t base, size;
    const std::uint64_t offset = gp.get_address();
    if (!device_->bar_decodes(static_cast<unsigned>(n), base, size) || offset >= size ||
        gp.get_data_length() > size - offset) {
        log_.info("BAR ", n, " does not decode offset ", util::hex(offset), " (not programmed, decode off, or past its end)");
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    device_->bar_access(static_cast<unsigned>(n), offset, gp, delay);
}

bool pci_endpoint::bar_dmi(int n, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    std::uint64_t base, size;
    if (!device_->bar_decodes(static_cast<unsigned>(n), base, size) || gp.get_address() >= size) return false;
    const bool granted = device_->bar_dmi(static_cast<unsigned>(n), gp, dmi);
    dmi.set_end_address(std::min<std::uint64_t>(dmi.get_end_address(), size - 1));
    return granted;
}

unsigned pci_endpoint::bar_dbg(int n, tlm::tlm_generic_payload& gp) {
    sc_core::sc_time t;
    bar_access(n, gp, t);
    return gp.is_response_ok() ? gp.get_data_length() : 0;
}

bool pci_endpoint::dma_allowed(std::uint64_t addr, std::uint64_t length) const {
    return windows_.empty() || in_dma_windows(windows_, addr, length);
}

bool pci_endpoint::dma_access(const pci_device& device, tlm::tlm_command cmd, std::uint64_t addr, void* data,
                              std::uint64_t length, sc_core::sc_time& delay) {
    if (!device.bus_master() || length == 0 || length > (1u << 30) || !dma_allowed(addr, length) ||
        !dma.get_base_port().size())
        return false;
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(static_cast<unsigned>(length));
    gp.set_streaming_width(static_cast<unsigned>(length));
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    dma->b_transport(gp, delay);
    return gp.is_response_ok();
}

bool pci_endpoint::dma_read(const pci_device& device, std::uint64_t addr, void* data, std::uint64_t length,
                            sc_core::sc_time& delay) {
    return dma_access(device, tlm::TLM_READ_COMMAND, addr, data, length, delay);
}

bool pci_endpoint::dma_write(const pci_device& device, std::uint64_t addr, const void* data,
                             std::uint64_t length, sc_core::sc_time& delay) {
    return dma_access(device, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), length, delay);
}

void pci_endpoint::update_intx() { intx.set(device_ && device_->intx_output()); }

} // namespace pmemvp::pci
