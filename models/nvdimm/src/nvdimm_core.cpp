// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/nvdimm_core.h"

namespace pmemvp::nvdimm {

bool dsm_page_dma(tlm::tlm_fw_transport_if<>& bus, tlm::tlm_command cmd, std::uint64_t address, unsigned char* page,
                  sc_core::sc_time& delay) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(address);
    gp.set_data_ptr(page);
    gp.set_data_length(dsm_page_size);
    gp.set_streaming_width(dsm_page_size);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    bus.b_transport(gp, delay);
    return gp.is_response_ok();
}

nvdimm_options nvdimm_core::with_slot(nvdimm_options o) {
    if (o.slot < 0) o.slot = 0;
    return o;
}

nvdimm_core::nvdimm_core(const std::string& name, const nvdimm_device_options& options, backend::file_backend& file,
                         pmem::cpu_cache* cache)
    : nvdimm_core(name, options, nullptr, &file, cache) {}

nvdimm_core::nvdimm_core(const std::string& name, const nvdimm_device_options& options,
                         std::unique_ptr<backend::file_backend> owned, backend::file_backend* file,
                         pmem::cpu_cache* cache)
    : options_(options), owned_file_(std::move(owned)), file_(owned_file_ ? *owned_file_ : *file),
      dimm_(with_slot(options.dimm), file_, static_cast<unsigned>(with_slot(options.dimm).slot)),
      domain_(dimm_.pmem(), dimm_.pmem_size(), options.persistence),
      memory_(name + ".pmem", dimm_.pmem(), dimm_.pmem_size(), !dimm_.readonly()),
      own_dsm_({&dimm_}, {spa_range{dimm_.spa_index(), options.base, dimm_.pmem_size(), 0, {&dimm_}}}),
      control_(name + ".control", dimm_.options().flush_hints) {
    // Persistence: the domain sees every store (DMI writers included) and makes the page
    // writable in the file mapping before the store, so neither takes a host page fault.
    backend::file_backend& f = file_;
    domain_.prepare_stores_with([&f](std::uint64_t offset) { f.prepare_store(offset); });
    memory_.set_store_observer(&domain_);
    memory_.set_description("NVDIMM '" + dimm_.id() + "' (memory-backend-file '" + file_.id() + "', readonly=on)");
    if (options.timing) {
        if (!cache) {
            own_cache_ = std::make_unique<pmem::cpu_cache>(*options.timing);
            cache = own_cache_.get();
        }
        media_ = std::make_unique<pmem::media_timing>(*options.timing);
        timing_ = std::make_unique<pmem::pmem_timing>(*cache, *media_, dimm_.slot());
        memory_.set_access_timing(timing_.get());
    }
    control_.use_dsm(own_dsm_);
    control_.set_dma_windows(options.dsm_windows);
    control_.on_flush_hint = [this](const sc_core::sc_time& now) { return drain(now); };
    control_.on_irq = [this](bool level) { irq.set(level); };
}

nvdimm_core::~nvdimm_core() = default;

void nvdimm_core::set_health(const smart_health& health) {
    dsm().health(dimm_.handle()) = health;
    control_.raise(NVDIMM_IRQ_HEALTH);
}

sc_core::sc_time nvdimm_core::drain(const sc_core::sc_time& now) {
    domain_.drain(sc_core::sc_time_stamp());
    return timing_ ? std::max(now, timing_->media().drain(now)) : now;
}

std::vector<pmem::finding> nvdimm_core::power_fail(const pmem::failure_policy& policy, const sc_core::sc_time& now) {
    auto findings = domain_.power_fail(policy, now);
    // The file gets exactly the durable content back.
    for (const auto& f : findings) file_.persist(f.address, pmem::persistence_domain::line);
    memory_.invalidate_dmi(); // what initiators had mapped has changed under them
    if (media_) media_->power_cycle();
    if (own_cache_) own_cache_->clear();
    return findings;
}

} // namespace pmemvp::nvdimm
