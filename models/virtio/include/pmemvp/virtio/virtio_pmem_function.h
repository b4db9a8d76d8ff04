// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/virtio/virtio_pci.h"
#include "pmemvp/virtio/virtio_pmem.h"

#include <string>

namespace pmemvp::virtio {

// virtio-pmem with its virtio PCI function, as plain objects and without sockets: what a
// platform makes at run time (device_add) or at start, and reaches by calls: the function
// through pci_host::attach or a root port's plug, the memory (pmem_target(), at
// options.memaddr) through router::map_at_run_time. virtio_pmem_pci is the drop-in module
// with sockets.
class virtio_pmem_function : public virtio_pmem {
public:
    // `name`: hierarchical, e.g. "top.virtio-pmem0"; `upstream`: the bus its DMA and INTx go
    // to. Needs options.memaddr.
    virtio_pmem_function(const std::string& name, const virtio_pmem_options& options, backend::file_backend& file,
                         pci::pci_upstream& upstream)
        : virtio_pmem(name, options, file, options.memaddr.value_or(0)), name_(name),
          transport_(name + ".pci", *this, upstream) {}

    const std::string& name() const { return name_; }
    virtio_pci& transport() { return transport_; }

private:
    std::string name_;
    virtio_pci transport_;
};

} // namespace pmemvp::virtio
