// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pci/pci_device.h"
#include "pmemvp/pci/pci_upstream.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/log.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

namespace pmemvp::pci {

// One PCI function (bus 0, function 0) on a host that is not ours (VCML's, QBox's, your own
// bus): its configuration space and BARs as TLM targets, its bus-master DMA as a TLM
// initiator, its INTx pin as an interrupt line. The host decodes:
//   config   target: a config-space register at its offset 0..0xfff (ECAM's low 12 bits);
//            1-, 2- or 4-byte accesses, naturally aligned
//   bar[n]   target: BAR n at offsets in the BAR; map it where the driver programmed the BAR
//            (read it back through `config`). Accesses while memory decode is off, or to an
//            unprogrammed BAR, get TLM_ADDRESS_ERROR_RESPONSE (a master abort)
//   dma      initiator: bus-master reads and writes at guest physical addresses
//   intx     the function's INTx level (INTA#) after the command register's INTx disable
// Every socket is optional; bind the ones your host uses (a virtio-pmem-pci: config, bar[4],
// dma, intx; bar[2] with its shared-memory region).
class pci_endpoint : public sc_core::sc_module, public pci_upstream {
public:
    tlm_utils::simple_target_socket_optional<pci_endpoint> config;
    sc_core::sc_vector<tlm_utils::simple_target_socket_tagged_optional<pci_endpoint>> bar;
    tlm_utils::simple_initiator_socket_optional<pci_endpoint> dma;
    irq_line intx;

    // `dma_windows`: where DMA may go (guest RAM); empty: anywhere the dma socket reaches.
    explicit pci_endpoint(const sc_core::sc_module_name& name, std::vector<dma_window> dma_windows = {});

    // The function behind the sockets (once, during elaboration).
    void plug(pci_device& device);

    // pci_upstream
    bool dma_read(const pci_device& device, std::uint64_t addr, void* data, std::uint64_t length,
                  sc_core::sc_time& delay) override;
    bool dma_write(const pci_device& device, std::uint64_t addr, const void* data, std::uint64_t length,
                   sc_core::sc_time& delay) override;
    bool dma_allowed(std::uint64_t addr, std::uint64_t length) const override;
    void update_intx() override;

private:
    void config_access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned config_dbg(tlm::tlm_generic_payload& gp);
    void bar_access(int bar, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool bar_dmi(int bar, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    unsigned bar_dbg(int bar, tlm::tlm_generic_payload& gp);
    bool dma_access(const pci_device& device, tlm::tlm_command cmd, std::uint64_t addr, void* data,
                    std::uint64_t length, sc_core::sc_time& delay);
    void end_of_elaboration() override;

    logger log_;
    pci_device* device_ = nullptr;
    std::vector<dma_window> windows_;
};

} // namespace pmemvp::pci
