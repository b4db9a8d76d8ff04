// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/virtio/virtio_pmem_pci.h"

#include "pmemvp/util/config_error.h"

namespace pmemvp::virtio {

const virtio_pmem_options& virtio_pmem_pci::checked(const virtio_pmem_options& options) {
    if (!options.memaddr && !options.shmem)
        throw config_error("virtio-pmem-pci '" + options.id + "': memaddr is not set; give the address where "
                           "the platform maps the memory socket (the config space reports it to the "
                           "driver), or shmem=on");
    return options;
}

virtio_pmem_pci::virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                                 const backend::file_backend_options& file)
    : virtio_pmem_pci(name, options,
                      std::make_unique<backend::file_backend>(file, backend::file_backend::start::pending),
                      nullptr) {}

virtio_pmem_pci::virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                                 backend::file_backend& file)
    : virtio_pmem_pci(name, options, nullptr, &file) {}

virtio_pmem_pci::virtio_pmem_pci(const sc_core::sc_module_name& name, const virtio_pmem_options& options,
                                 std::unique_ptr<backend::file_backend> owned, backend::file_backend* file)
    : sc_module(name), detail::owned_file{std::move(owned)},
      virtio_pmem(this->name(), checked(options), detail::owned_file::file ? *detail::owned_file::file : *file,
                  options.memaddr.value_or(0)),
      memory("memory"), pci("pci"), transport_(std::string(this->name()) + ".pci", *this, pci) {
    memory.register_b_transport(this, &virtio_pmem_pci::memory_b_transport);
    memory.register_get_direct_mem_ptr(this, &virtio_pmem_pci::memory_dmi);
    memory.register_transport_dbg(this, &virtio_pmem_pci::memory_dbg);
    pmem_target().set_dmi_invalidator([this](std::uint64_t start, std::uint64_t end) {
        if (memory.get_base_port().size()) memory->invalidate_direct_mem_ptr(start, end);
    });
    pci.plug(transport_);
}

void virtio_pmem_pci::attach(pci::pci_host& host, unsigned slot) {
    host.attach(transport_, slot);
    transport_.set_upstream(host);
    attached_ = true;
}

// A device no driver can reach is a wiring mistake worth an error, not a silent guest timeout.
void virtio_pmem_pci::end_of_elaboration() {
    if (!attached_ && !pci.config.get_base_port().size())
        SC_REPORT_ERROR(name(), "neither attached to a pci_host (attach) nor is its pci.config socket "
                                "bound: no driver can find this device");
}

void virtio_pmem_pci::start_of_simulation() {
    if (detail::owned_file::file) detail::owned_file::file->mark_started(); // the file keeps what is done to it
}

} // namespace pmemvp::virtio
