/* SPDX-License-Identifier: Apache-2.0 */
/* A virtio PCI modern driver library: capabilities, status and feature negotiation, split
   virtqueues with polled or interrupt-driven completion. */
#ifndef PMEMVP_VIRTIO_H
#define PMEMVP_VIRTIO_H
#include "pci.h"
#include "virtio_regs.h" /* registers, status and feature bits */

#include <stdint.h>


struct virtq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct virtq_avail { uint16_t flags, idx, ring[]; };
struct virtq_used_elem { uint32_t id, len; };
struct virtq_used { uint16_t flags, idx; struct virtq_used_elem ring[]; };

struct virtio_dev {
    struct pci_dev *pci;
    volatile uint8_t *common, *isr, *config, *notify;
    uint32_t notify_multiplier;
};

struct virtq {
    uint16_t size, index, last_used, next_avail;
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
};

/* Finds the COMMON, NOTIFY, ISR and DEVICE capabilities; 0 on success. */
int virtio_init(struct virtio_dev *v, struct pci_dev *pci);
void virtio_reset(struct virtio_dev *v);
uint8_t virtio_status(const struct virtio_dev *v);
void virtio_set_status(struct virtio_dev *v, uint8_t bits); /* ORs bits into the status */
uint64_t virtio_device_features(const struct virtio_dev *v);
/* Reset, ACKNOWLEDGE, DRIVER, offer `features`, FEATURES_OK, check it stuck; 0 on success. */
int virtio_negotiate(struct virtio_dev *v, uint64_t features);
/* Sets queue `index` up with `size` entries in `memory` (16 KiB, 4 KiB aligned); 0 on success. */
int virtq_setup(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t size, void *memory);
/* Makes descriptors [head, head + count) available (the caller filled them) and notifies. */
void virtq_kick(struct virtio_dev *v, struct virtq *q, uint16_t head);
/* Waits until the device used a buffer: polling, or sleeping in wfi with the interrupt on
   (the trap handler must call virtio_interrupt). Returns the used id, or -1 if the device
   asked for a reset. */
int virtq_wait(struct virtio_dev *v, struct virtq *q, int use_interrupt, uint32_t *length);
/* Enables the device's INTx at the PLIC for hart 0's M-mode context. */
void virtio_enable_interrupt(const struct virtio_dev *v);
/* Call from the trap handler on a machine external interrupt: claims, reads ISR, completes.
   Returns the ISR bits (1 = used buffer, 2 = configuration change). */
uint8_t virtio_interrupt(struct virtio_dev *v);

#endif
