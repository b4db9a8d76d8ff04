// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/nvdimm_device.h"

namespace pmemvp::nvdimm {

nvdimm_options nvdimm_device::with_slot(nvdimm_options o) {
    if (o.slot < 0) o.slot = 0;
    return o;
}

nvdimm_device::nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                             const backend::file_backend_options& file)
    : nvdimm_device(name, options,
                    std::make_unique<backend::file_backend>(file, backend::file_backend::start::pending),
                    nullptr, nullptr) {}

nvdimm_device::nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                             backend::file_backend& file, pmem::cpu_cache* cache)
    : nvdimm_device(name, options, nullptr, &file, cache) {}

nvdimm_device::nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                             std::unique_ptr<backend::file_backend> owned, backend::file_backend* file,
                             pmem::cpu_cache* cache)
    : sc_module(name), memory("memory"), control("control"), dma("dma"), options_(options),
      owned_file_(std::move(owned)), file_(owned_file_ ? *owned_file_ : *file),
      dimm_(with_slot(options.dimm), file_, static_cast<unsigned>(with_slot(options.dimm).slot)),
      domain_(dimm_.pmem(), dimm_.pmem_size(), options.persistence),
      memory_target_("pmem", dimm_.pmem(), dimm_.pmem_size(), !dimm_.readonly()), to_memory_("to_memory"),
      own_dsm_({&dimm_}, {spa_range{dimm_.spa_index(), options.base, dimm_.pmem_size(), 0, {&dimm_}}}),
      control_(std::string(this->name()) + ".control", dimm_.options().flush_hints) {
    // Persistence: the domain sees every store (DMI writers included) and makes the page
    // writable in the file mapping before the store, so neither takes a host page fault.
    backend::file_backend& f = file_;
    domain_.prepare_stores_with([&f](std::uint64_t offset) { f.prepare_store(offset); });
    memory_target_.set_store_observer(&domain_);
    memory_target_.set_description("NVDIMM '" + dimm_.id() + "' (memory-backend-file '" + file_.id() +
                                   "', readonly=on)");
    if (options.timing) {
        if (!cache) {
            own_cache_ = std::make_unique<pmem::cpu_cache>(*options.timing);
            cache = own_cache_.get();
        }
        media_ = std::make_unique<pmem::media_timing>(*options.timing);
        timing_ = std::make_unique<pmem::pmem_timing>(*cache, *media_, dimm_.slot());
        memory_target_.set_access_timing(timing_.get());
    }

    memory.register_b_transport(this, &nvdimm_device::memory_b_transport);
    memory.register_get_direct_mem_ptr(this, &nvdimm_device::memory_dmi);
    memory.register_transport_dbg(this, &nvdimm_device::memory_dbg);
    to_memory_.register_invalidate_direct_mem_ptr(this, &nvdimm_device::memory_invalidated);
    to_memory_.bind(memory_target_.socket);

    control.register_b_transport(this, &nvdimm_device::control_b_transport);
    control.register_transport_dbg(this, &nvdimm_device::control_dbg);
    control_.use_dsm(own_dsm_);
    control_.set_dma_windows(options.dsm_windows);
    control_.on_flush_hint = [this](const sc_core::sc_time& now) { return drain(now); };
    control_.on_irq = [this](bool level) { irq.set(level); };
}

nvdimm_device::~nvdimm_device() = default;

// Only a bound dma socket can move DSM pages; without one, doorbells fail saying so.
void nvdimm_device::end_of_elaboration() {
    if (!dma.get_base_port().size()) return;
    control_.dma = [this](tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay) {
        return dsm_dma(cmd, address, page, delay);
    };
}

void nvdimm_device::start_of_simulation() {
    if (owned_file_) owned_file_->mark_started(); // from now on the file keeps what is done to it
}

void nvdimm_device::memory_invalidated(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (memory.get_base_port().size()) memory->invalidate_direct_mem_ptr(start, end);
}

bool nvdimm_device::dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page,
                            sc_core::sc_time& delay) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(address);
    gp.set_data_ptr(page);
    gp.set_data_length(dsm_page_size);
    gp.set_streaming_width(dsm_page_size);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    dma->b_transport(gp, delay);
    return gp.is_response_ok();
}

void nvdimm_device::set_health(const smart_health& health) {
    dsm().health(dimm_.handle()) = health;
    control_.raise(NVDIMM_IRQ_HEALTH);
}

sc_core::sc_time nvdimm_device::drain(const sc_core::sc_time& now) {
    domain_.drain(sc_core::sc_time_stamp());
    return timing_ ? std::max(now, timing_->media().drain(now)) : now;
}

std::vector<pmem::finding> nvdimm_device::power_fail(const pmem::failure_policy& policy,
                                                     const sc_core::sc_time& now) {
    auto findings = domain_.power_fail(policy, now);
    // The file gets exactly the durable content back.
    for (const auto& f : findings) file_.persist(f.address, pmem::persistence_domain::line);
    memory_target_.invalidate_dmi(); // what initiators had mapped has changed under them
    if (media_) media_->power_cycle();
    if (own_cache_) own_cache_->clear();
    return findings;
}

} // namespace pmemvp::nvdimm
