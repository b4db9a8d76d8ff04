// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pci/pci_device.h"
#include "pmemvp/pci/pci_upstream.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/register_bank.h"
#include "pmemvp/virtio/virtio_device.h"

#include <memory>
#include <vector>

#include "virtio_regs.h" // the register layout, shared with guest drivers

namespace pmemvp::virtio {

// The virtio PCI modern transport (virtio 1.x §4.1), QEMU's layout: vendor 0x1AF4, device
// 0x1040 + type, revision 1, subsystem 1AF4:1100; BAR 4 (64-bit prefetchable, 16 KiB) holds
// COMMON at 0x0000, ISR at 0x1000, DEVICE at 0x2000 and NOTIFY at 0x3000 (multiplier 4), each
// described by a vendor capability. VERSION_1 is required: a driver that does not accept it
// never sees FEATURES_OK. Legacy INTx follows the ISR (reading it clears it).
class virtio_pci : public pci::pci_device, public transport, public guest_memory {
public:
    static constexpr unsigned bar = PMEMVP_VIRTIO_BAR;
    static constexpr unsigned shm_bar = PMEMVP_VIRTIO_SHM_BAR; // shared memory region 0, when the device has one
    static constexpr std::uint64_t bar_size = PMEMVP_VIRTIO_BAR_SIZE, common_offset = PMEMVP_VIRTIO_COMMON,
                                   isr_offset = PMEMVP_VIRTIO_ISR, device_offset = PMEMVP_VIRTIO_DEVICE,
                                   notify_offset = PMEMVP_VIRTIO_NOTIFY;
    static constexpr std::uint32_t notify_multiplier = PMEMVP_VIRTIO_NOTIFY_MULTIPLIER;

    // `upstream`: our pci_host (attach the transport to it too) or a pci_endpoint.
    virtio_pci(const std::string& name, virtio_device& device, pci::pci_upstream& upstream);
    // Moves the function to another bus (during elaboration: a pci_host it is attached to).
    void set_upstream(pci::pci_upstream& upstream) { host_ = &upstream; }

    void bar_access(unsigned bar, std::uint64_t offset, tlm::tlm_generic_payload& gp,
                    sc_core::sc_time& delay) override;
    bool bar_dmi(unsigned bar, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) override;

    // transport
    split_virtqueue& queue(unsigned index) override { return queues_.at(index).vq; }
    guest_memory& memory() override { return *this; }
    std::uint64_t negotiated_features() const override { return driver_features_; }
    bool driver_ok() const override { return status_ & status_bits::driver_ok; }
    bool needs_reset() const override { return status_ & status_bits::needs_reset; }
    void used(unsigned index) override;
    void device_error(const std::string& what) override;

    // guest_memory: bus-master DMA through the host, guest RAM only
    bool read(std::uint64_t addr, void* data, std::uint64_t length) override;
    bool write(std::uint64_t addr, const void* data, std::uint64_t length) override;
    bool accessible(std::uint64_t addr, std::uint64_t length) const override;

    std::uint8_t device_status() const { return status_; }
    std::uint64_t offered_features() const { return device_.device_features() | feature_version_1 | feature_indirect_desc; }

private:
    struct queue_state {
        std::uint16_t size = 0;
        std::uint64_t desc = 0, avail = 0, used = 0;
        bool enabled = false;
        split_virtqueue vq;
    };

    void declare_common_registers();
    void write_status(std::uint8_t value);
    void reset();
    void reset_queues();
    void enable_queue(unsigned index);
    void raise(std::uint8_t isr_bits);
    queue_state* selected();

    virtio_device& device_;
    pci::pci_upstream* host_;
    logger log_;
    register_bank common_;
    std::vector<queue_state> queues_;
    std::uint32_t device_feature_select_ = 0, driver_feature_select_ = 0;
    std::uint64_t driver_features_ = 0;
    std::uint8_t status_ = 0, isr_ = 0;
    std::uint16_t queue_select_ = 0;
    sc_core::sc_time dma_delay_;
};

} // namespace pmemvp::virtio
