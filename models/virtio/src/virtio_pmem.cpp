// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/virtio/virtio_pmem.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <cstring>

namespace pmemvp::virtio {

namespace {
sc_core::sc_time parse_time(const std::string& key, const std::string& text) {
    const auto seconds = util::parse_seconds(text);
    if (!seconds)
        throw config_error("-device virtio-pmem-pci: option '" + key + "' value '" + text +
                           "' is not a time; write e.g. " + key + "=20us");
    return sc_core::sc_time(*seconds, sc_core::SC_SEC);
}
} // namespace

virtio_pmem_options virtio_pmem_options::parse(const std::string& keyvals) {
    util::keyval_list list("-device virtio-pmem-pci", keyvals);
    virtio_pmem_options o;
    o.id = list.take_string("id").value_or("");
    o.memdev = list.take_string("memdev").value_or("");
    o.memaddr = list.take_size("memaddr");
    if (auto t = list.take_string("flush-latency")) o.flush_latency = parse_time("flush-latency", *t);
    if (auto t = list.take_string("flush-page-cost")) o.flush_page_cost = parse_time("flush-page-cost", *t);
    if (auto io = list.take_string("flush-io")) {
        if (*io != "thread" && *io != "inline")
            throw config_error("-device virtio-pmem-pci: option 'flush-io' value '" + *io +
                               "' is unknown; accepted: thread, inline");
        o.io_thread = *io == "thread";
    }
    o.shmem = list.take_bool("shmem").value_or(false);
    o.bus = list.take_string("bus").value_or("");
    if (o.bus == "pcie.0") o.bus.clear();
    list.finish({"id", "memdev", "memaddr", "flush-latency", "flush-page-cost", "flush-io", "shmem", "bus"});
    if (o.memdev.empty())
        throw config_error("-device virtio-pmem-pci: virtio-pmem memdev not set; give "
                           "memdev=ID of a -object memory-backend-file");
    if (o.memaddr && *o.memaddr % 4096)
        throw config_error("-device virtio-pmem-pci: option 'memaddr' value '" + util::hex(*o.memaddr) +
                           "' must be page aligned");
    return o;
}

virtio_pmem::virtio_pmem(const std::string& name, const virtio_pmem_options& options,
                         backend::file_backend& memdev, std::uint64_t address)
    : options_(options), memdev_(memdev), address_(address), log_(name),
      dirty_(memdev.size()), domain_(memdev.data(), memdev.size(), pmem::domain_kind::none) {
    memory_ = std::make_unique<memory_core>(name + ".pmem", memdev.data(), memdev.size(), memdev.writable());
    memory_->set_description("virtio-pmem-pci '" + options_.id + "' (memory-backend-file '" + memdev.id() +
                             "', readonly=on)");
    domain_.prepare_stores_with([&memdev](std::uint64_t offset) { memdev.prepare_store(offset); });
    observers_.add(dirty_);
    observers_.add(domain_);
    memory_->set_store_observer(&observers_);
    if (options_.io_thread) io_ = std::make_unique<host_worker>();
    host_sync = [this](const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges) {
        bool ok = true;
        for (const auto& [offset, length] : ranges) ok = memdev_.persist(offset, length) && ok;
        return ok;
    };
    sc_core::sc_spawn_options thread;
    thread.dont_initialize();
    thread.set_sensitivity(&kick_);
    // A basename: the process lands in the hierarchy of whoever creates the device.
    const std::string process = name.substr(name.rfind('.') + 1) + "_serve";
    sc_core::sc_spawn([this] { serve(); }, process.c_str(), &thread);
}

void virtio_pmem::retire() {
    retired_ = true;
    kick_.notify(sc_core::SC_ZERO_TIME); // the server wakes up and ends
}

void virtio_pmem::read_config(unsigned offset, void* data, unsigned length) {
    // With SHMEM_REGION negotiated the driver must use the region: start and size read 0.
    const bool shm = transport_ && (transport_->negotiated_features() & feature_shmem_region);
    const virtio_pmem_config config{shm ? 0 : address_, shm ? 0 : memdev_.size()}; // little-endian host
    std::memcpy(data, reinterpret_cast<const unsigned char*>(&config) + offset, length);
}

std::vector<pmem::finding> virtio_pmem::power_fail(const pmem::failure_policy& policy, const sc_core::sc_time& now) {
    auto findings = domain_.power_fail(policy, now);
    // The file gets exactly the durable content back.
    for (const auto& f : findings) memdev_.persist(f.address, pmem::persistence_domain::line);
    memory_->invalidate_dmi(); // what initiators had mapped has changed under them
    return findings;
}

void virtio_pmem::notify(unsigned, const sc_core::sc_time& delay) {
    if (!retired_) kick_.notify(delay); // served at the driver's own simulated time
}

void virtio_pmem::answer(const element& e, std::uint32_t ret) {
    guest_memory& mem = transport_->memory();
    std::string error;
    if (!mem.write(e.writable.front().addr, &ret, 4) || !transport_->queue(0).push(mem, e.head, 4, error)) {
        transport_->device_error("virtio-pmem: cannot answer: " + error);
        return;
    }
    transport_->used(0);
}

void virtio_pmem::serve() {
    for (;;) {
        if (retired_) return;
        while (transport_ && !transport_->needs_reset() && !retired_) {
            guest_memory& mem = transport_->memory();
            element e;
            std::string error;
            const auto got = transport_->queue(0).pop(mem, e, error);
            if (got == split_virtqueue::status::empty) break;
            if (got == split_virtqueue::status::error) {
                transport_->device_error("virtio-pmem: " + error);
                break;
            }
            if (e.readable.empty() || e.writable.empty() || e.readable.front().length < 4 ||
                e.writable.front().length < 4) {
                transport_->device_error("virtio-pmem request not proper: it needs a 4-byte "
                                         "device-readable request and a 4-byte device-writable response");
                break;
            }
            std::uint32_t request = ~0u;
            mem.read(e.readable.front().addr, &request, 4);
            if (request != 0) { // only VIRTIO_PMEM_REQ_TYPE_FLUSH exists
                log_.info("request type ", request, " is unknown: answered -1");
                answer(e, 0xffffffffu);
                continue;
            }
            // Everything written before this flush: the dirty pages now.
            auto ranges = dirty_.collect();
            std::uint64_t pages = 0;
            for (const auto& r : ranges) pages += r.second >> dirty_log::page_shift;
            const sc_core::sc_time cost = options_.flush_latency + options_.flush_page_cost * static_cast<double>(pages);
            bool ok;
            if (options_.io_thread) {
                io_->start([this, r = std::move(ranges)] { return host_sync(r); });
                sc_core::wait(cost);  // the simulated cost ...
                ok = io_->finish();   // ... while the host's I/O takes the wall time it takes
            } else {
                ok = host_sync(ranges); // wall time only
                sc_core::wait(cost);
            }
            ++flushes_;
            flushed_pages_ += pages;
            last_latency_ = cost;
            // Durable from now on: what was written before the request (and, since the
            // driver waits, nothing after it).
            if (ok) domain_.persist_all();
            answer(e, ok ? 0 : 0xffffffffu);
        }
        sc_core::wait(); // the next kick
    }
}

} // namespace pmemvp::virtio
