/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-pmem driver: the persistent range from the config space and flush requests. */
#ifndef PMEMVP_VIRTIO_PMEM_H
#define PMEMVP_VIRTIO_PMEM_H
#include "virtio.h"

struct virtio_pmem {
    struct virtio_dev dev;
    struct virtq queue;
    uint64_t start, size;
    int use_interrupt;
    int shmem; /* the range is shared memory region 0 */
};

/* Finds the first virtio-pmem device (1AF4:105B), negotiates VERSION_1 (and SHMEM_REGION when
   `want_shmem` and offered), sets its queue up, and finds the range: shared memory region 0
   (through its PCI capability) when negotiated, else start/size from the config space.
   0 on success. */
int virtio_pmem_probe(struct virtio_pmem *p, struct pci_dev *devices, int count, int want_shmem);
/* Makes every write to the range so far durable on the host. 0, or the device's response
   (-1 failure), or -2 if the device needs a reset. */
int virtio_pmem_flush(struct virtio_pmem *p);

#endif
