/* SPDX-License-Identifier: Apache-2.0 */
#include "virtio_pmem.h"

#include <string.h>

static uint8_t queue_memory[16384] __attribute__((aligned(4096)));
static volatile uint32_t request, response;

/* Shared memory region `id` from a VIRTIO_PCI_CAP_SHARED_MEMORY_CFG (type 8) capability. */
static int find_shm(const struct pci_dev *d, uint8_t id, uint64_t *address, uint64_t *length) {
    for (unsigned cap = pci_find_capability(d->slot, VIRTIO_PCI_CAP_VENDOR, 0); cap;
         cap = pci_find_capability(d->slot, VIRTIO_PCI_CAP_VENDOR, cap)) {
        if (pci_read(d->slot, cap + 3, 1) != VIRTIO_PCI_CAP_SHARED_MEMORY_CFG || pci_read(d->slot, cap + 5, 1) != id) continue;
        const unsigned bar = pci_read(d->slot, cap + 4, 1);
        if (bar > 5 || !d->bar[bar]) return -1;
        const uint64_t offset = pci_read(d->slot, cap + 8, 4) | (uint64_t)pci_read(d->slot, cap + 16, 4) << 32;
        *length = pci_read(d->slot, cap + 12, 4) | (uint64_t)pci_read(d->slot, cap + 20, 4) << 32;
        *address = d->bar[bar] + offset;
        return 0;
    }
    return -1;
}

int virtio_pmem_probe(struct virtio_pmem *p, struct pci_dev *devices, int count, int want_shmem) {
    memset(p, 0, sizeof *p);
    for (int i = 0; i < count; ++i) {
        if (devices[i].vendor != VIRTIO_PCI_VENDOR || devices[i].device != VIRTIO_PCI_DEVICE(VIRTIO_ID_PMEM))
            continue;
        if (virtio_init(&p->dev, &devices[i]) != 0) return -1;
        const uint64_t wanted = VIRTIO_F_VERSION_1 | (want_shmem ? VIRTIO_PMEM_F_SHMEM_REGION : 0);
        p->shmem = want_shmem && (virtio_device_features(&p->dev) & VIRTIO_PMEM_F_SHMEM_REGION);
        if (virtio_negotiate(&p->dev, wanted) != 0) return -1;
        if (virtq_setup(&p->dev, &p->queue, 0, VIRTIO_PMEM_QUEUE_SIZE, queue_memory) != 0) return -1;
        // 64-bit fields as two 32-bit halves, as the specification asks of drivers.
        volatile uint32_t *config = (volatile uint32_t *)p->dev.config;
        p->start = config[0] | (uint64_t)config[1] << 32;
        p->size = config[2] | (uint64_t)config[3] << 32;
        if (p->shmem && find_shm(&devices[i], 0, &p->start, &p->size) != 0) return -1;
        virtio_set_status(&p->dev, VIRTIO_STATUS_DRIVER_OK);
        return 0;
    }
    return -1;
}

int virtio_pmem_flush(struct virtio_pmem *p) {
    if (virtio_status(&p->dev) & VIRTIO_STATUS_NEEDS_RESET) return -2;
    request = VIRTIO_PMEM_REQ_TYPE_FLUSH;
    response = 0xdeadbeef;
    volatile struct virtq_desc *d = p->queue.desc;
    d[0].addr = (uintptr_t)&request;
    d[0].len = 4;
    d[0].flags = VIRTQ_DESC_F_NEXT;
    d[0].next = 1;
    d[1].addr = (uintptr_t)&response;
    d[1].len = 4;
    d[1].flags = VIRTQ_DESC_F_WRITE;
    d[1].next = 0;
    virtq_kick(&p->dev, &p->queue, 0);
    uint32_t length = 0;
    if (virtq_wait(&p->dev, &p->queue, p->use_interrupt, &length) < 0) return -2;
    return (int)(int32_t)response;
}
