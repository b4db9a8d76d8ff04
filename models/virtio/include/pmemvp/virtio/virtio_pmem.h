// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/pmem/persistence_domain.h"
#include "pmemvp/tlm/dirty_log.h"
#include "pmemvp/tlm/host_worker.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/virtio/virtio_device.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

namespace pmemvp::virtio {

struct virtio_pmem_options {
    std::string id;
    std::string memdev;
    std::optional<std::uint64_t> memaddr; // default: the next free 1 GiB slot of device memory
    std::string bus;                      // the pcie-root-port it plugs into; empty: bus 0 (or, for
                                          // device_add, the first free root port)
    sc_core::sc_time flush_latency = sc_core::sc_time(20, sc_core::SC_US);  // fixed cost
    sc_core::sc_time flush_page_cost = sc_core::sc_time(1, sc_core::SC_US); // per dirty 4 KiB page
    // flush-io=inline (default): host I/O on the simulation thread; thread: on a worker thread,
    // overlapping the simulation. The simulated timeline is the same; on 2-vCPU VMs the
    // worker's hand-off and cross-CPU msync cost more wall time than the overlap saves.
    bool io_thread = false;
    bool shmem = false;    // offer VIRTIO_PMEM_F_SHMEM_REGION: the range also as shared memory region 0
    static virtio_pmem_options parse(const std::string& keyvals); // after "virtio-pmem-pci,"
};

// virtio-pmem (device type 27): the backing file as a memory range with DMI, and one request
// queue (size 128) of flush requests. Until a flush completes, data written through the range
// is only in the host's page cache: the dirty log records those pages (DMI writers mark it).
// A flush takes flush_latency + flush_page_cost x dirty pages of simulated time, whatever the
// host's own I/O (msync of the dirty ranges) takes: that runs off the simulated time line, on
// the simulation thread (flush-io=inline, default) or on a worker thread while the simulation
// goes on (flush-io=thread); the response waits for both. Response 0, or -1 (the specification's
// failure value; QEMU answers 1) for a failed sync or an unknown request type.
//
// A plain object, not a module (its request server is a spawned process), so a platform can
// make one while the simulation runs: a hot-plugged device. virtio_pmem_pci puts sockets
// around it.
class virtio_pmem : public virtio_device {
public:
    static constexpr std::uint16_t type = VIRTIO_ID_PMEM, queue_size = VIRTIO_PMEM_QUEUE_SIZE;

    // `name`: hierarchical, for log lines and the request server's process.
    virtio_pmem(const std::string& name, const virtio_pmem_options& options, backend::file_backend& memdev,
                std::uint64_t address);
    virtio_pmem(const virtio_pmem&) = delete;
    virtio_pmem& operator=(const virtio_pmem&) = delete;
    virtual ~virtio_pmem() = default;

    // The device is being unplugged: it serves no more requests (the one in progress, if any,
    // completes). Its process ends at its next wake-up, so keep the object until the
    // simulation ends.
    void retire();
    bool retired() const { return retired_; }

    const std::string& id() const { return options_.id; }
    backend::file_backend& memdev() const { return memdev_; }
    // The persistent range (map it at address()); virtio_pmem_pci puts a socket in front.
    memory_core& pmem_target() { return *memory_; }
    std::uint64_t address() const { return address_; }
    std::uint64_t size() const { return memdev_.size(); }
    dirty_log& dirty() { return dirty_; }
    // Lines written and not yet covered by a completed flush: what a power failure reverts.
    pmem::persistence_domain& domain() { return domain_; }
    // The power fails: the range and the file get back what the last completed flush made
    // durable (the rest as `policy` says), DMI pointers are withdrawn. Returns the lost stores.
    std::vector<pmem::finding> power_fail(const pmem::failure_policy& policy, const sc_core::sc_time& now);

    // Makes the ranges durable on the host (default: the backend's persist); replaceable, so
    // tests can make the host slow or failing.
    std::function<bool(const std::vector<std::pair<std::uint64_t, std::uint64_t>>&)> host_sync;

    std::uint64_t flushes() const { return flushes_; }
    std::uint64_t flushed_pages() const { return flushed_pages_; }
    const sc_core::sc_time& last_flush_latency() const { return last_latency_; }

    // virtio_device
    std::uint16_t device_id() const override { return type; }
    static constexpr std::uint64_t feature_shmem_region = VIRTIO_PMEM_F_SHMEM_REGION;
    std::uint64_t device_features() const override { return options_.shmem ? feature_shmem_region : 0; }
    unsigned num_queues() const override { return 1; }
    std::uint16_t queue_max_size(unsigned) const override { return queue_size; }
    unsigned config_size() const override { return sizeof(virtio_pmem_config); }
    void read_config(unsigned offset, void* data, unsigned length) override;
    void notify(unsigned index, const sc_core::sc_time& delay) override;
    void reset() override {}
    std::uint64_t shm_size() const override { return options_.shmem ? memdev_.size() : 0; }
    void shm_access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override { memory_->b_transport(gp, delay); }
    bool shm_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) override { return memory_->get_direct_mem_ptr(gp, dmi); }

private:
    void serve(); // a spawned thread
    void answer(const element& e, std::uint32_t ret);

    virtio_pmem_options options_;
    backend::file_backend& memdev_;
    std::uint64_t address_;
    logger log_;
    dirty_log dirty_;
    pmem::persistence_domain domain_; // kind none: only a completed flush makes data durable
    store_observer_fanout observers_;
    std::unique_ptr<memory_core> memory_;
    sc_core::sc_event kick_;
    std::unique_ptr<host_worker> io_; // flush-io=thread only: a second thread makes msync dearer
    std::uint64_t flushes_ = 0, flushed_pages_ = 0;
    sc_core::sc_time last_latency_;
    bool retired_ = false;
};

} // namespace pmemvp::virtio
