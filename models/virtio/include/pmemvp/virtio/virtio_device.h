// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/virtio/virtqueue.h"

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>

#include "virtio_regs.h" // status and feature bits, shared with guest drivers

namespace pmemvp::virtio {

constexpr std::uint64_t feature_indirect_desc = VIRTIO_F_INDIRECT_DESC;
constexpr std::uint64_t feature_version_1 = VIRTIO_F_VERSION_1;

namespace status_bits {
constexpr std::uint8_t acknowledge = VIRTIO_STATUS_ACKNOWLEDGE, driver = VIRTIO_STATUS_DRIVER,
                       driver_ok = VIRTIO_STATUS_DRIVER_OK, features_ok = VIRTIO_STATUS_FEATURES_OK,
                       needs_reset = VIRTIO_STATUS_NEEDS_RESET, failed = VIRTIO_STATUS_FAILED;
}

class virtio_device;

// What a device may ask of its transport (VCML's split: transports know the bus, devices
// know their queues).
class transport {
public:
    virtual split_virtqueue& queue(unsigned index) = 0;
    virtual guest_memory& memory() = 0;
    virtual std::uint64_t negotiated_features() const = 0;
    virtual bool driver_ok() const = 0;
    virtual bool needs_reset() const = 0;
    // Used buffers were added to queue `index`: interrupt the driver (unless it asked not).
    virtual void used(unsigned index) = 0;
    // The device hit an error that needs a reset: DEVICE_NEEDS_RESET and a config interrupt.
    virtual void device_error(const std::string& what) = 0;

protected:
    ~transport() = default;
};

// A virtio device, transport-independent.
class virtio_device {
public:
    virtual ~virtio_device() = default;
    virtual std::uint16_t device_id() const = 0;
    virtual std::uint64_t device_features() const = 0; // without the transport's bits
    virtual unsigned num_queues() const = 0;
    virtual std::uint16_t queue_max_size(unsigned index) const = 0;
    virtual unsigned config_size() const = 0;
    virtual void read_config(unsigned offset, void* data, unsigned length) = 0;
    // The driver notified queue `index` at simulated time sc_time_stamp() + `delay`.
    virtual void notify(unsigned index, const sc_core::sc_time& delay) = 0;
    virtual void reset() = 0;
    // Shared memory region 0 (virtio 1.2 §2.10): its size, or 0 for none; accesses and DMI
    // requests at region offsets.
    virtual std::uint64_t shm_size() const { return 0; }
    virtual void shm_access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
    virtual bool shm_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return false; }

    void bind(transport& t) { transport_ = &t; }

protected:
    transport* transport_ = nullptr;
};

} // namespace pmemvp::virtio
