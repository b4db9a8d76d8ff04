// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/nvdimm_device.h"

namespace pmemvp::nvdimm {

nvdimm_device::nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                             const backend::file_backend_options& file)
    : sc_module(name),
      nvdimm_core(this->name(), options,
                  std::make_unique<backend::file_backend>(file, backend::file_backend::start::pending), nullptr,
                  nullptr),
      memory("memory"), control("control"), dma("dma") {
    wire_sockets();
}

nvdimm_device::nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                             backend::file_backend& file, pmem::cpu_cache* cache)
    : sc_module(name), nvdimm_core(this->name(), options, nullptr, &file, cache), memory("memory"),
      control("control"), dma("dma") {
    wire_sockets();
}

// The sockets are members, made after the core (a base): they are wired here.
void nvdimm_device::wire_sockets() {
    memory.register_b_transport(this, &nvdimm_device::memory_b_transport);
    memory.register_get_direct_mem_ptr(this, &nvdimm_device::memory_dmi);
    memory.register_transport_dbg(this, &nvdimm_device::memory_dbg);
    control.register_b_transport(this, &nvdimm_device::control_b_transport);
    control.register_transport_dbg(this, &nvdimm_device::control_dbg);
    // DMI withdrawn from the pmem goes to whoever is bound to `memory` (if anyone).
    pmem_target().set_dmi_invalidator([this](std::uint64_t start, std::uint64_t end) {
        if (memory.get_base_port().size()) memory->invalidate_direct_mem_ptr(start, end);
    });
}

nvdimm_device::~nvdimm_device() = default;

// Only a bound dma socket can move DSM pages; without one, doorbells fail saying so.
void nvdimm_device::end_of_elaboration() {
    if (!dma.get_base_port().size()) return;
    set_dsm_dma([this](tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay) {
        return dsm_dma(cmd, address, page, delay);
    });
}

void nvdimm_device::start_of_simulation() {
    if (owned_file()) owned_file()->mark_started(); // from now on the file keeps what is done to it
}

bool nvdimm_device::dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page,
                            sc_core::sc_time& delay) {
    return dsm_page_dma(*dma.operator->(), cmd, address, page, delay);
}

} // namespace pmemvp::nvdimm
