/* SPDX-License-Identifier: Apache-2.0 */
#include "virtio.h"

#include "pmemvp.h"

#include <string.h>

/* common configuration offsets (virtio_regs.h), short */
enum { DFSEL = VIRTIO_PCI_COMMON_DFSELECT, DF = VIRTIO_PCI_COMMON_DF, GFSEL = VIRTIO_PCI_COMMON_GFSELECT,
       GF = VIRTIO_PCI_COMMON_GF, NUMQ = VIRTIO_PCI_COMMON_NUMQ, STATUS = VIRTIO_PCI_COMMON_STATUS,
       QSEL = VIRTIO_PCI_COMMON_Q_SELECT, QSIZE = VIRTIO_PCI_COMMON_Q_SIZE,
       QENABLE = VIRTIO_PCI_COMMON_Q_ENABLE, QNOFF = VIRTIO_PCI_COMMON_Q_NOFF,
       QDESC = VIRTIO_PCI_COMMON_Q_DESC, QDRIVER = VIRTIO_PCI_COMMON_Q_DRIVER,
       QDEVICE = VIRTIO_PCI_COMMON_Q_DEVICE };

static void w8(volatile uint8_t *b, unsigned off, uint8_t v) { *(volatile uint8_t *)(b + off) = v; }
static void w16(volatile uint8_t *b, unsigned off, uint16_t v) { *(volatile uint16_t *)(b + off) = v; }
static void w32(volatile uint8_t *b, unsigned off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }
static uint8_t r8(volatile uint8_t *b, unsigned off) { return *(volatile uint8_t *)(b + off); }
static uint16_t r16(volatile uint8_t *b, unsigned off) { return *(volatile uint16_t *)(b + off); }
static uint32_t r32(volatile uint8_t *b, unsigned off) { return *(volatile uint32_t *)(b + off); }
static void w64(volatile uint8_t *b, unsigned off, uint64_t v) { w32(b, off, (uint32_t)v); w32(b, off + 4, (uint32_t)(v >> 32)); }

int virtio_init(struct virtio_dev *v, struct pci_dev *pci) {
    memset(v, 0, sizeof *v);
    v->pci = pci;
    for (unsigned cap = pci_find_capability(pci->slot, VIRTIO_PCI_CAP_VENDOR, 0); cap;
         cap = pci_find_capability(pci->slot, VIRTIO_PCI_CAP_VENDOR, cap)) {
        const uint8_t type = (uint8_t)pci_read(pci->slot, cap + 3, 1), bar = (uint8_t)pci_read(pci->slot, cap + 4, 1);
        if (bar > 5 || !pci->bar[bar]) continue;
        volatile uint8_t *at = (volatile uint8_t *)(uintptr_t)(pci->bar[bar] + pci_read(pci->slot, cap + 8, 4));
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON_CFG: v->common = at; break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG: v->notify = at; v->notify_multiplier = pci_read(pci->slot, cap + 16, 4); break;
        case VIRTIO_PCI_CAP_ISR_CFG: v->isr = at; break;
        case VIRTIO_PCI_CAP_DEVICE_CFG: v->config = at; break;
        }
    }
    return v->common && v->notify && v->isr && v->config ? 0 : -1;
}

void virtio_reset(struct virtio_dev *v) {
    w8(v->common, STATUS, 0);
    while (r8(v->common, STATUS) != 0)
        ;
}

uint8_t virtio_status(const struct virtio_dev *v) { return r8(v->common, STATUS); }
void virtio_set_status(struct virtio_dev *v, uint8_t bits) { w8(v->common, STATUS, (uint8_t)(r8(v->common, STATUS) | bits)); }

uint64_t virtio_device_features(const struct virtio_dev *v) {
    w32(v->common, DFSEL, 0);
    uint64_t f = r32(v->common, DF);
    w32(v->common, DFSEL, 1);
    return f | (uint64_t)r32(v->common, DF) << 32;
}

int virtio_negotiate(struct virtio_dev *v, uint64_t features) {
    virtio_reset(v);
    virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_set_status(v, VIRTIO_STATUS_DRIVER);
    features &= virtio_device_features(v);
    w32(v->common, GFSEL, 0);
    w32(v->common, GF, (uint32_t)features);
    w32(v->common, GFSEL, 1);
    w32(v->common, GF, (uint32_t)(features >> 32));
    virtio_set_status(v, VIRTIO_STATUS_FEATURES_OK);
    return virtio_status(v) & VIRTIO_STATUS_FEATURES_OK ? 0 : -1;
}

int virtq_setup(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t size, void *memory) {
    uint8_t *m = (uint8_t *)memory;
    memset(m, 0, 16384);
    q->size = size;
    q->index = index;
    q->last_used = q->next_avail = 0;
    q->desc = (volatile struct virtq_desc *)m;
    q->avail = (volatile struct virtq_avail *)(m + 16 * size);
    q->used = (volatile struct virtq_used *)(m + 8192);
    w16(v->common, QSEL, index);
    if (size > r16(v->common, QSIZE)) return -1;
    w16(v->common, QSIZE, size);
    w64(v->common, QDESC, (uintptr_t)q->desc);
    w64(v->common, QDRIVER, (uintptr_t)q->avail);
    w64(v->common, QDEVICE, (uintptr_t)q->used);
    w16(v->common, QENABLE, 1);
    return r16(v->common, QENABLE) == 1 ? 0 : -1;
}

void virtq_kick(struct virtio_dev *v, struct virtq *q, uint16_t head) {
    q->avail->ring[q->next_avail % q->size] = head;
    __asm__ volatile("fence" ::: "memory"); /* descriptors before the index */
    q->avail->idx = ++q->next_avail;
    __asm__ volatile("fence" ::: "memory");
    w16(v->common, QSEL, q->index);
    const uint16_t off = r16(v->common, QNOFF);
    *(volatile uint16_t *)(v->notify + off * v->notify_multiplier) = q->index;
}

static volatile uint8_t last_isr;

int virtq_wait(struct virtio_dev *v, struct virtq *q, int use_interrupt, uint32_t *length) {
    while (q->used->idx == q->last_used) {
        if (virtio_status(v) & VIRTIO_STATUS_NEEDS_RESET) return -1;
        if (use_interrupt) __asm__ volatile("wfi");
    }
    __asm__ volatile("fence" ::: "memory");
    const volatile struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
    ++q->last_used;
    if (length) *length = e->len;
    return (int)e->id;
}

void virtio_enable_interrupt(const struct virtio_dev *v) { plic_enable_source(pci_irq(v->pci)); }

uint8_t virtio_interrupt(struct virtio_dev *v) {
    const unsigned source = plic_claim();
    const uint8_t isr = *v->isr; /* reading clears it and lowers INTx */
    if (source) plic_complete(source);
    last_isr = isr;
    return isr;
}
