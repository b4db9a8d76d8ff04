// SPDX-License-Identifier: Apache-2.0
// The virt platform's run-time changes: objects and devices added and removed from the monitor,
// between quanta (docs/monitor.md, "Hot-plug").
#include "pmemvp/platform/virt.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cstdio>
#include <sys/stat.h>

namespace pmemvp::platform {

using namespace virt_map;

void add_device(virt_config& config, device_options device) {
    if (auto* o = std::get_if<nvdimm::nvdimm_options>(&device)) config.nvdimms.push_back(std::move(*o));
    else if (auto* v = std::get_if<virtio::virtio_pmem_options>(&device)) config.virtio_pmems.push_back(std::move(*v));
    else config.root_ports.push_back(std::get<root_port_options>(std::move(device)));
}

void add_object(virt_config& config, object_options object) {
    if (auto* set = std::get_if<nvdimm::interleave_options>(&object)) {
        config.interleave_sets.push_back(std::move(*set));
        return;
    }
    auto& backend = std::get<backend::file_backend_options>(object);
    for (const auto& other : config.memory_backends)
        if (other.id == backend.id)
            throw config_error("-object memory-backend-file: id '" + backend.id +
                               "' is used twice; give each backend its own id");
    config.memory_backends.push_back(std::move(backend));
}

namespace {
// The parsers and models name the command-line option in their messages ("-device nvdimm 'nv0':
// ..."); a monitor command answers with the rest, as QEMU does.
std::string without_prefix(const std::string& what, const std::string& prefix) {
    return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
}
} // namespace

void virt_platform::log_change(const std::string& what) const {
    std::fprintf(stderr, "pmemvp: %s: %s\n", cpu.now().to_string().c_str(), what.c_str());
}

std::string virt_platform::object_add(const object_options& object) {
    if (run_over()) return "The run is over (the guest finished or the power failed); nothing can be added";
    const auto* options = std::get_if<backend::file_backend_options>(&object);
    if (!options) return "nvdimm-interleave can only be given at start (-object), with its DIMMs";
    for (const auto& b : backends_)
        if (b->id() == options->id)
            return "attempt to add duplicate property '" + options->id + "' to object (type 'container')";
    try {
        auto backend = std::make_unique<backend::file_backend>(
            *options, started_ ? backend::file_backend::start::committed : backend::file_backend::start::pending);
        struct stat st {};
        if (stat(backend->path().c_str(), &st) == 0)
            for (const auto& other : backends_)
                if (other->same_file(st) && (other->options().share || options->share))
                    return "memory-backend-file '" + other->id() + "' maps '" + backend->path() +
                           "' already; give each backend its own file";
        backends_.push_back(std::move(backend));
    } catch (const config_error& e) {
        return e.what();
    }
    log_change("object_add memory-backend-file '" + options->id + "' (" + backends_.back()->path() + ")");
    return "";
}

std::string virt_platform::object_del(const std::string& id) {
    const auto backend = std::find_if(backends_.begin(), backends_.end(), [&](const auto& b) { return b->id() == id; });
    if (backend == backends_.end()) return "object '" + id + "' not found";
    if (std::find(busy_memdevs_.begin(), busy_memdevs_.end(), id) != busy_memdevs_.end())
        return "object '" + id + "' is in use, can not be deleted";
    backends_.erase(backend); // syncs and closes the file
    log_change("object_del '" + id + "'");
    return "";
}

std::uint64_t virt_platform::hotplug_address(std::uint64_t size) const {
    // QEMU's memory-device checks: the area is maxmem - RAM, shared by every memory device.
    if (config_.max_memory <= config_.ram_size)
        throw config_error("memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option");
    std::uint64_t used = 0;
    for (const auto& t : tracked_)
        if (t.way == 0) used += t.size;
    const std::uint64_t total = config_.max_memory - config_.ram_size;
    if (used + size < used || used + size > total)
        throw config_error("not enough space, currently " + util::hex(used) +
                           " in use of total space for memory devices " + util::hex(total));
    if (next_device_memory_ + size > pcie_mmio64_base)
        throw config_error("no room left below the PCIe 64-bit window (" + util::hex(pcie_mmio64_base) +
                           ") for a memory of " + util::hex(size) + " bytes");
    return next_device_memory_;
}

std::string virt_platform::device_add(const device_options& device) {
    if (run_over()) return "The run is over (the guest finished or the power failed); nothing can be added";
    if (std::holds_alternative<root_port_options>(device)) return "Bus 'pcie.0' does not support hotplugging";
    if (const auto* dimm = std::get_if<nvdimm::nvdimm_options>(&device)) return add_nvdimm(*dimm);
    const auto& o = std::get<virtio::virtio_pmem_options>(device);
    root_port* port = nullptr;
    if (!o.bus.empty()) {
        const auto p = std::find_if(root_ports_.begin(), root_ports_.end(), [&](const root_port& r) { return r.id == o.bus; });
        if (p == root_ports_.end()) return "Bus '" + o.bus + "' not found";
        if (p->plugged)
            return "PCI: slot 0 function 0 not available for virtio-pmem-pci, in use by virtio-pmem-pci,id=" +
                   p->plugged->id();
        port = &*p;
    } else {
        const auto p = std::find_if(root_ports_.begin(), root_ports_.end(), [](const root_port& r) { return !r.plugged; });
        if (p == root_ports_.end())
            return root_ports_.empty() ? "Bus 'pcie.0' does not support hotplugging; start pmemvp with "
                                         "-device pcie-root-port,id=rp1,slot=1 and plug into it"
                                       : "every pcie-root-port holds a device; start pmemvp with one more "
                                         "-device pcie-root-port,id=rpN,slot=N";
        port = &*p;
    }
    try {
        add_virtio_pmem(o, port, 0, true);
    } catch (const config_error& e) {
        return without_prefix(e.what(), "-device virtio-pmem-pci '" + o.id + "': ");
    }
    const auto& added = *pmem_devices_.back();
    log_change("device_add virtio-pmem-pci '" + added.id() + "' into pcie-root-port '" + port->id + "' (00:" +
               std::to_string(port->device) + ".0), memory " + util::hex(added.address()) + "+" + util::hex(added.size()));
    return "";
}

std::string virt_platform::add_nvdimm(const nvdimm::nvdimm_options& o) {
    if (!nvdimm_root_) return "nvdimm is not enabled: add 'nvdimm=on' to '-machine', e.g. -machine virt,nvdimm=on";
    const std::string who = "device_add nvdimm '" + o.id + "'";
    backend::file_backend* file = nullptr;
    try {
        const auto backend = std::find_if(backends_.begin(), backends_.end(), [&](const auto& b) { return b->id() == o.memdev; });
        if (backend != backends_.end() && (*backend)->size() > o.label_size)
            hotplug_address((*backend)->size() - o.label_size); // QEMU's maxmem checks (the memory, not the labels)
        file = &claim_memdev(o.memdev, who);
    } catch (const config_error& e) {
        return without_prefix(e.what(), who + ": ");
    }
    nvdimm::nvdimm_device_options d;
    d.dimm = o;
    d.persistence = config_.persistence;
    d.timing = config_.pmem_timing;
    d.dsm_windows = {{ram_base, config_.ram_size}};
    if (config_.pmem_timing && !pmem_cache_) pmem_cache_ = std::make_unique<pmem::cpu_cache>(*config_.pmem_timing);
    nvdimm_root_->reserve_until(next_device_memory_); // after the virtio-pmem ranges
    const nvdimm::hotplug_result r = nvdimm_root_->hotplug(d, *file, pmem_cache_.get());
    if (!r) {
        busy_memdevs_.erase(std::find(busy_memdevs_.begin(), busy_memdevs_.end(), o.memdev));
        return without_prefix(r.error, "-device nvdimm '" + o.id + "': ");
    }
    // The root placed the range above everything mapped: these mappings cannot collide.
    const unsigned slot = r.dimm->dimm().slot();
    const std::string name = "pmem" + std::to_string(r.range.index);
    bus.map_at_run_time(r.range.base, r.dimm->pmem_target(), name);
    bus.map_at_run_time(nvdimm_control_base + slot * nvdimm::control_page::page_size, nvdimm::control_page::page_size,
                        r.dimm->control_registers(), "nvdimm" + std::to_string(slot) + "-control");
    next_device_memory_ = nvdimm_root_->end();
    ranges_.push_back(r.range);
    tracked_pmem t{name, file, &r.dimm->pmem_target(), &r.dimm->domain(), &r.dimm->dimm(), r.dimm->timing()};
    t.base = r.range.base;
    t.size = r.range.size;
    t.device = r.dimm;
    tracked_.push_back(t);
    hotplugged_dimms_.push_back(&r.dimm->dimm());
    if (on_memory_added) on_memory_added(tracked_.back());
    log_change("device_add nvdimm '" + r.dimm->id() + "' in slot " + std::to_string(slot) + ", SPA range " +
               util::hex(r.range.base) + "+" + util::hex(r.range.size) + "; the NFIT is updated (FIT_CHANGED)");
    return "";
}

std::string virt_platform::device_del(const std::string& id) {
    if (run_over()) return "The run is over (the guest finished or the power failed); nothing can be removed";
    for (auto& p : root_ports_) {
        if (p.id == id) return "Bus 'pcie.0' does not support hotplugging";
        if (!p.plugged || p.plugged->id() != id) continue;
        if (p.unplug_requested) return "Device " + id + " is already in the process of unplug";
        p.unplug_requested = true;
        p.port->request_unplug(); // the attention button: the guest powers the slot off when it is done
        log_change("device_del '" + id + "': attention button of pcie-root-port '" + p.id + "' pressed");
        return "";
    }
    for (const auto& d : pmem_devices_)
        if (d->id() == id) return "Bus 'pcie.0' does not support hotplugging";
    if (nvdimm_root_)
        for (const auto* d : nvdimm_root_->cores())
            if (d->id() == id) return "nvdimm device hot unplug is not supported yet.";
    return "Device '" + id + "' not found";
}

void virt_platform::finish_unplug(root_port& port) {
    virtio::virtio_pmem_function& f = *port.plugged;
    f.retire();
    // What the guest wrote and never flushed is only in the host's page cache: the device syncs
    // it on its way out, as a clean removal would.
    f.host_sync(f.dirty().collect());
    f.domain().persist_all();
    bus.unmap(f.address()); // every DMI pointer into it is withdrawn first
    port.port->unplug();
    tracked_.remove_if([&f](const tracked_pmem& t) { return t.virtio == &f; });
    busy_memdevs_.erase(std::find(busy_memdevs_.begin(), busy_memdevs_.end(), f.memdev().id()));
    const std::string id = f.id();
    removed_.push_back({id, f.name().substr(f.name().rfind('.') + 1), f.memdev().id(), f.address(), f.size(), f.flushes(),
                        f.flushed_pages(), f.last_flush_latency(), cpu.now()});
    auto owned = std::find_if(pmem_devices_.begin(), pmem_devices_.end(), [&f](const auto& d) { return d.get() == &f; });
    retired_devices_.push_back(std::move(*owned));
    pmem_devices_.erase(owned);
    port.plugged = nullptr;
    port.unplug_requested = false;
    log_change("virtio-pmem-pci '" + id + "' unplugged from pcie-root-port '" + port.id + "' (the guest powered the slot off)");
    if (on_device_deleted) on_device_deleted(id);
}

} // namespace pmemvp::platform
