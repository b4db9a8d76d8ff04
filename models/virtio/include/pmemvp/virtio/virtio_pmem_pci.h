// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/pci/pci_endpoint.h"
#include "pmemvp/pci/pci_host.h"
#include "pmemvp/virtio/virtio_pci.h"
#include "pmemvp/virtio/virtio_pmem.h"

#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp::virtio {

namespace detail {
// The backing file a virtio_pmem_pci opened itself: a base, so that it exists before the
// virtio_pmem base that maps it.
struct owned_file {
    std::unique_ptr<backend::file_backend> file;
};
} // namespace detail

// virtio-pmem-pci as a drop-in SystemC module: the virtio-pmem device (its persistent range on
// a host file, flush requests, the persistence domain) with its virtio PCI transport, on our
// PCI host or on yours. Standard TLM-2.0 sockets:
//
//   memory   target: the persistent range, offsets 0 .. size() - 1, with DMI; map it at
//            options.memaddr, the address its config space reports to the driver (optional
//            with shmem, where the driver reaches the range through BAR 2)
//   pci      a pci_endpoint for a host that is not ours: pci.config (config space),
//            pci.bar[4] (the virtio registers; pci.bar[2]: the shared-memory region),
//            pci.dma (bus-master access to the virtqueues in guest memory), pci.intx
//            (INTA#; an sc_signal<bool> through pmemvp::irq_out). Or attach() to our pci_host.
class virtio_pmem_pci : public sc_core::sc_module, private detail::owned_file, public virtio_pmem {
public:
    tlm_utils::simple_target_socket_optional<virtio_pmem_pci> memory;
    pci::pci_endpoint pci;

    // On a file it opens (and syncs and closes at destruction). Throws config_error naming
    // the problem (file options; memaddr missing without shmem). Until the simulation starts,
    // destruction undoes what opening did (a file it created is removed).
    virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                    const backend::file_backend_options& file);
    // On a file the caller owns.
    virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                    backend::file_backend& file);

    // Puts the function on our pci_host at device number `slot` (DMA and INTx through the
    // host) instead of `pci`'s sockets. During elaboration.
    void attach(pci::pci_host& host, unsigned slot);
    virtio_pci& transport() { return transport_; }

private:
    virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                    std::unique_ptr<backend::file_backend> owned, backend::file_backend* file);
    static const virtio_pmem_options& checked(const virtio_pmem_options& options);
    void memory_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { pmem_target().b_transport(gp, delay); }
    bool memory_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return pmem_target().get_direct_mem_ptr(gp, dmi); }
    unsigned memory_dbg(tlm::tlm_generic_payload& gp) { return pmem_target().transport_dbg(gp); }
    void start_of_simulation() override;
    void end_of_elaboration() override;

    virtio_pci transport_;
    bool attached_ = false;
};

} // namespace pmemvp::virtio
