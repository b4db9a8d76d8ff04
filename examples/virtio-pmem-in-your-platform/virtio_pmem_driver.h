// SPDX-License-Identifier: Apache-2.0
// Enough of a virtio-pmem driver, in C++ on the host side of a SystemC platform, to find the
// device on PCI, set up its request queue in RAM and flush: what a guest kernel's driver does,
// through the register layout pmemvp installs (pmemvp/formats/virtio_regs.h). It reaches the
// device only through `bus` (your initiator's accesses), so it works with any PCI host.
#pragma once
#include "virtio_regs.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

class virtio_pmem_driver {
public:
    struct bus_access {
        std::function<bool(std::uint64_t address, void* data, unsigned length)> read, write;
    };
    // `config`: where the platform maps the function's config space; `bar`: the address to
    // program BAR 4 with (where the platform maps pci.bar[4]); `ram`: 16 KiB of guest RAM for
    // the queue and the request.
    virtio_pmem_driver(bus_access bus, std::uint64_t config, std::uint64_t bar, std::uint64_t ram)
        : bus_(std::move(bus)), config_(config), bar_(bar), ram_(ram) {}

    // Finds the device, negotiates VERSION_1, sets queue 0 up, reads the range. "" or why not.
    std::string probe() {
        if (cfg_read(0, 4) != (VIRTIO_PCI_DEVICE(VIRTIO_ID_PMEM) << 16 | VIRTIO_PCI_VENDOR))
            return "no virtio-pmem device at the config space";
        cfg_write(0x10 + 4 * PMEMVP_VIRTIO_BAR, static_cast<std::uint32_t>(bar_), 4); // BAR 4 (64-bit)
        cfg_write(0x14 + 4 * PMEMVP_VIRTIO_BAR, static_cast<std::uint32_t>(bar_ >> 32), 4);
        cfg_write(0x04, 0x6, 2); // memory decode, bus master
        const std::uint64_t common = bar_ + PMEMVP_VIRTIO_COMMON;
        write(common + VIRTIO_PCI_COMMON_STATUS, 0, 1); // reset
        write(common + VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
        write(common + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
        write(common + VIRTIO_PCI_COMMON_GF, VIRTIO_F_VERSION_1 >> 32, 4);
        write(common + VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK, 1);
        if (!(read(common + VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK)) return "features refused";
        write(common + VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
        write(common + VIRTIO_PCI_COMMON_Q_SIZE, queue_size, 2);
        write(common + VIRTIO_PCI_COMMON_Q_DESC, ram_ + desc_at, 8);
        write(common + VIRTIO_PCI_COMMON_Q_DRIVER, ram_ + avail_at, 8);
        write(common + VIRTIO_PCI_COMMON_Q_DEVICE, ram_ + used_at, 8);
        write(common + VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
        notify_ = bar_ + PMEMVP_VIRTIO_NOTIFY + read(common + VIRTIO_PCI_COMMON_Q_NOFF, 2) * PMEMVP_VIRTIO_NOTIFY_MULTIPLIER;
        write(common + VIRTIO_PCI_COMMON_STATUS, read(common + VIRTIO_PCI_COMMON_STATUS, 1) | VIRTIO_STATUS_DRIVER_OK, 1);
        start = read(bar_ + PMEMVP_VIRTIO_DEVICE + offsetof(virtio_pmem_config, start), 8);
        size = read(bar_ + PMEMVP_VIRTIO_DEVICE + offsetof(virtio_pmem_config, size), 8);
        return size ? "" : "the device reports an empty range";
    }

    // One flush request; `wait` returns once the device may have answered (an interrupt, or a
    // while). Returns the device's response: VIRTIO_PMEM_RESP_OK when everything written
    // before it is durable in the host file.
    std::uint32_t flush(const std::function<void()>& wait) {
        write(ram_ + request_at, VIRTIO_PMEM_REQ_TYPE_FLUSH, 4);
        write(ram_ + response_at, 0xdeadbeef, 4);
        descriptor(0, ram_ + request_at, 4, VIRTQ_DESC_F_NEXT, 1);
        descriptor(1, ram_ + response_at, 4, VIRTQ_DESC_F_WRITE, 0);
        const std::uint64_t avail_idx = read(ram_ + avail_at + 2, 2);
        write(ram_ + avail_at + 4 + 2 * (avail_idx % queue_size), 0, 2); // ring[idx] = head 0
        write(ram_ + avail_at + 2, (avail_idx + 1) & 0xffff, 2);
        write(notify_, 0, 2); // queue 0
        while (read(ram_ + used_at + 2, 2) == last_used_) wait();
        last_used_ = (last_used_ + 1) & 0xffff;
        read(bar_ + PMEMVP_VIRTIO_ISR, 1); // acknowledges the interrupt (reading clears the ISR)
        return static_cast<std::uint32_t>(read(ram_ + response_at, 4));
    }

    std::uint64_t start = 0, size = 0; // the persistent range, from the config space

private:
    static constexpr unsigned queue_size = 16;
    static constexpr std::uint64_t desc_at = 0x0, avail_at = 0x1000, used_at = 0x2000, request_at = 0x3000,
                                   response_at = 0x3010;

    std::uint64_t read(std::uint64_t address, unsigned length) {
        std::uint64_t v = 0;
        bus_.read(address, &v, length);
        return v;
    }
    void write(std::uint64_t address, std::uint64_t v, unsigned length) { bus_.write(address, &v, length); }
    std::uint64_t cfg_read(unsigned reg, unsigned length) { return read(config_ + reg, length); }
    void cfg_write(unsigned reg, std::uint64_t v, unsigned length) { write(config_ + reg, v, length); }
    void descriptor(unsigned i, std::uint64_t address, std::uint32_t length, std::uint16_t flags, std::uint16_t next) {
        const std::uint64_t d = ram_ + desc_at + 16 * i;
        write(d, address, 8);
        write(d + 8, length, 4);
        write(d + 12, flags, 2);
        write(d + 14, next, 2);
    }

    bus_access bus_;
    std::uint64_t config_, bar_, ram_, notify_ = 0;
    std::uint64_t last_used_ = 0;
};
