// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/virtio/virtio_pci.h"

#include "pmemvp/util/keyval.h"

#include <cstring>

namespace pmemvp::virtio {

namespace {
enum : std::uint8_t { cap_common = VIRTIO_PCI_CAP_COMMON_CFG, cap_notify = VIRTIO_PCI_CAP_NOTIFY_CFG,
                      cap_isr = VIRTIO_PCI_CAP_ISR_CFG, cap_device = VIRTIO_PCI_CAP_DEVICE_CFG,
                      cap_shared_memory = VIRTIO_PCI_CAP_SHARED_MEMORY_CFG };
constexpr std::uint16_t no_vector = 0xffff;

std::vector<std::uint8_t> vendor_cap(std::uint8_t type, std::uint32_t offset, std::uint32_t length,
                                     std::uint8_t extra = 0) {
    std::vector<std::uint8_t> c(16 + extra, 0);
    c[0] = VIRTIO_PCI_CAP_VENDOR;
    c[2] = static_cast<std::uint8_t>(16 + extra);
    c[3] = type;
    c[4] = virtio_pci::bar;
    std::memcpy(&c[8], &offset, 4);
    std::memcpy(&c[12], &length, 4);
    return c;
}
} // namespace

virtio_pci::virtio_pci(const std::string& name, virtio_device& device, pci::pci_upstream& upstream)
    : pci_device(name, VIRTIO_PCI_VENDOR, static_cast<std::uint16_t>(VIRTIO_PCI_DEVICE(device.device_id())), 1,
                 0x00ff00, VIRTIO_PCI_VENDOR, VIRTIO_PCI_SUBSYSTEM),
      device_(device), host_(&upstream), log_(name), common_(name + ".common"), queues_(device.num_queues()) {
    declare_bar64(bar, bar_size, true);
    auto common = vendor_cap(cap_common, common_offset, 0x1000);
    add_capability(common.data(), static_cast<unsigned>(common.size()));
    auto isr = vendor_cap(cap_isr, isr_offset, 0x1000);
    add_capability(isr.data(), static_cast<unsigned>(isr.size()));
    auto dev = vendor_cap(cap_device, device_offset, 0x1000);
    add_capability(dev.data(), static_cast<unsigned>(dev.size()));
    auto notify = vendor_cap(cap_notify, notify_offset, notify_multiplier * device.num_queues(), 4);
    std::memcpy(&notify[16], &notify_multiplier, 4);
    add_capability(notify.data(), static_cast<unsigned>(notify.size()));
    if (const std::uint64_t shm = device.shm_size()) {
        std::uint64_t bar_bytes = 16;
        while (bar_bytes < shm) bar_bytes <<= 1;
        declare_bar64(shm_bar, bar_bytes, true);
        // virtio_pci_cap64: offset 0, length = the region, id 0.
        auto cap = vendor_cap(cap_shared_memory, 0, static_cast<std::uint32_t>(shm), 8);
        cap[4] = shm_bar;
        cap[5] = 0;
        const std::uint32_t length_hi = static_cast<std::uint32_t>(shm >> 32);
        std::memcpy(&cap[20], &length_hi, 4);
        add_capability(cap.data(), static_cast<unsigned>(cap.size()));
    }
    declare_common_registers();
    device_.bind(*this);
    reset_queues();
}

// queue_size reads as the maximum until the driver chooses a smaller one.
void virtio_pci::reset_queues() {
    for (unsigned i = 0; i < queues_.size(); ++i) {
        queues_[i] = queue_state();
        queues_[i].size = device_.queue_max_size(i);
    }
}

virtio_pci::queue_state* virtio_pci::selected() {
    return queue_select_ < queues_.size() ? &queues_[queue_select_] : nullptr;
}

void virtio_pci::declare_common_registers() {
    auto& r = common_;
    r.add("device_feature_select", VIRTIO_PCI_COMMON_DFSELECT, 4).on_read([this] { return device_feature_select_; })
        .on_write([this](std::uint64_t v) { device_feature_select_ = static_cast<std::uint32_t>(v); });
    r.add("device_feature", VIRTIO_PCI_COMMON_DF, 4).read_only().on_read([this]() -> std::uint64_t {
        return device_feature_select_ < 2 ? (offered_features() >> (32 * device_feature_select_)) & 0xffffffffu : 0;
    });
    r.add("driver_feature_select", VIRTIO_PCI_COMMON_GFSELECT, 4).on_read([this] { return driver_feature_select_; })
        .on_write([this](std::uint64_t v) { driver_feature_select_ = static_cast<std::uint32_t>(v); });
    r.add("driver_feature", VIRTIO_PCI_COMMON_GF, 4)
        .on_read([this]() -> std::uint64_t {
            return driver_feature_select_ < 2 ? (driver_features_ >> (32 * driver_feature_select_)) & 0xffffffffu : 0;
        })
        .on_write([this](std::uint64_t v) {
            if (driver_feature_select_ >= 2 || (status_ & status_bits::features_ok)) return;
            const unsigned shift = 32 * driver_feature_select_;
            driver_features_ = (driver_features_ & ~(0xffffffffull << shift)) | (v << shift);
        });
    r.add("config_msix_vector", VIRTIO_PCI_COMMON_MSIX, 2).on_read([] { return no_vector; }).on_write([](std::uint64_t) {});
    r.add("num_queues", VIRTIO_PCI_COMMON_NUMQ, 2).read_only().on_read([this] { return queues_.size(); });
    r.add("device_status", VIRTIO_PCI_COMMON_STATUS, 1).on_read([this] { return status_; })
        .on_write([this](std::uint64_t v) { write_status(static_cast<std::uint8_t>(v)); });
    r.add("config_generation", VIRTIO_PCI_COMMON_CFGGEN, 1).read_only().on_read([] { return 0; });
    r.add("queue_select", VIRTIO_PCI_COMMON_Q_SELECT, 2).on_read([this] { return queue_select_; })
        .on_write([this](std::uint64_t v) { queue_select_ = static_cast<std::uint16_t>(v); });
    r.add("queue_size", VIRTIO_PCI_COMMON_Q_SIZE, 2)
        .on_read([this]() -> std::uint64_t { auto* q = selected(); return q ? q->size : 0; })
        .on_write([this](std::uint64_t v) {
            auto* q = selected();
            if (q && !q->enabled) q->size = static_cast<std::uint16_t>(v);
        });
    r.add("queue_msix_vector", VIRTIO_PCI_COMMON_Q_MSIX, 2).on_read([] { return no_vector; }).on_write([](std::uint64_t) {});
    r.add("queue_enable", VIRTIO_PCI_COMMON_Q_ENABLE, 2)
        .on_read([this]() -> std::uint64_t { auto* q = selected(); return q && q->enabled; })
        .on_write([this](std::uint64_t v) { if (v == 1 && selected()) enable_queue(queue_select_); });
    r.add("queue_notify_off", VIRTIO_PCI_COMMON_Q_NOFF, 2).read_only().on_read([this] { return queue_select_; });
    struct { const char* name; unsigned off; std::uint64_t queue_state::*field; } addrs[] = {
        {"queue_desc", VIRTIO_PCI_COMMON_Q_DESC, &queue_state::desc}, {"queue_driver", VIRTIO_PCI_COMMON_Q_DRIVER, &queue_state::avail},
        {"queue_device", VIRTIO_PCI_COMMON_Q_DEVICE, &queue_state::used}};
    for (const auto& a : addrs) {
        auto field = a.field;
        r.add(a.name, a.off, 8)
            .on_read([this, field]() -> std::uint64_t { auto* q = selected(); return q ? q->*field : 0; })
            .on_write([this, field](std::uint64_t v) {
                auto* q = selected();
                if (q && !q->enabled) q->*field = v;
            });
    }
}

bool virtio_pci::bar_dmi(unsigned which, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    if (which != shm_bar || gp.get_address() >= device_.shm_size()) return false;
    const bool granted = device_.shm_dmi(gp, dmi);
    dmi.set_end_address(std::min<std::uint64_t>(dmi.get_end_address(), device_.shm_size() - 1));
    return granted;
}

void virtio_pci::bar_access(unsigned which, std::uint64_t offset, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const unsigned len = gp.get_data_length();
    if (which == shm_bar) {
        if (offset >= device_.shm_size() || len > device_.shm_size() - offset)
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE); // the BAR's padding
        else
            device_.shm_access(gp, delay);
        return;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (offset < isr_offset) {
        common_.transport(gp);
    } else if (offset < device_offset) {
        if (offset != isr_offset || len != 1) { gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE); return; }
        if (gp.is_read()) {
            *gp.get_data_ptr() = isr_; // reading clears it and drops INTx
            isr_ = 0;
            set_intx(false);
            host_->update_intx();
        }
    } else if (offset < notify_offset) {
        const std::uint64_t at = offset - device_offset;
        if (at + len > device_.config_size() || (len != 1 && len != 2 && len != 4 && len != 8) || at % len) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (gp.is_read()) device_.read_config(static_cast<unsigned>(at), gp.get_data_ptr(), len);
    } else {
        const std::uint64_t at = offset - notify_offset;
        if (!gp.is_write() || at % notify_multiplier || at / notify_multiplier >= queues_.size()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        const unsigned index = static_cast<unsigned>(at / notify_multiplier);
        if (driver_ok() && !needs_reset() && queues_[index].enabled)
            device_.notify(index, delay);
    }
}

void virtio_pci::write_status(std::uint8_t value) {
    if (value == 0) {
        reset();
        return;
    }
    if ((value & status_bits::features_ok) && !(status_ & status_bits::features_ok)) {
        // The driver's features must be a subset of ours and include VERSION_1.
        const bool ok = (driver_features_ & ~offered_features()) == 0 && (driver_features_ & feature_version_1);
        if (!ok) {
            log_.info("driver features ", util::hex(driver_features_), " refused: VERSION_1 is required");
            value &= static_cast<std::uint8_t>(~status_bits::features_ok);
        }
    }
    status_ = static_cast<std::uint8_t>(value | (status_ & status_bits::needs_reset));
}

void virtio_pci::reset() {
    status_ = 0;
    isr_ = 0;
    driver_features_ = 0;
    device_feature_select_ = driver_feature_select_ = 0;
    queue_select_ = 0;
    reset_queues();
    device_.reset();
    set_intx(false);
    host_->update_intx();
}

void virtio_pci::enable_queue(unsigned index) {
    queue_state& q = queues_[index];
    if (q.size == 0) q.size = device_.queue_max_size(index);
    if (q.size > device_.queue_max_size(index)) {
        device_error("queue " + std::to_string(index) + " size " + std::to_string(q.size) +
                     " exceeds the maximum " + std::to_string(device_.queue_max_size(index)));
        return;
    }
    std::string error;
    if (!q.vq.configure(*this, q.size, q.desc, q.avail, q.used,
                        driver_features_ & feature_indirect_desc, error)) {
        device_error("queue " + std::to_string(index) + ": " + error);
        return;
    }
    q.enabled = true;
}

void virtio_pci::raise(std::uint8_t bits) {
    isr_ |= bits;
    set_intx(isr_ != 0);
    host_->update_intx();
}

void virtio_pci::used(unsigned index) {
    if (!queues_.at(index).vq.interrupt_suppressed(*this)) raise(VIRTIO_ISR_QUEUE);
}

void virtio_pci::device_error(const std::string& what) {
    log_.warn(what, "; the device needs a reset (DEVICE_NEEDS_RESET)");
    status_ |= status_bits::needs_reset;
    if (driver_ok()) raise(VIRTIO_ISR_CONFIG);
}

bool virtio_pci::read(std::uint64_t addr, void* data, std::uint64_t length) {
    return host_->dma_read(*this, addr, data, length, dma_delay_);
}

bool virtio_pci::write(std::uint64_t addr, const void* data, std::uint64_t length) {
    return host_->dma_write(*this, addr, data, length, dma_delay_);
}

bool virtio_pci::accessible(std::uint64_t addr, std::uint64_t length) const {
    // Ask the host without touching memory: a zero-cost probe of its DMA windows.
    return bus_master() && length > 0 && host_->dma_allowed(addr, length);
}

} // namespace pmemvp::virtio
