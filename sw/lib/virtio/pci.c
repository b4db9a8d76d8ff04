/* SPDX-License-Identifier: Apache-2.0 */
#include "pci.h"

#include "pmemvp.h"

static uintptr_t cfg_addr(unsigned slot, unsigned offset) { return PCI_ECAM_BASE + ((uintptr_t)slot << 15) + offset; }

uint32_t pci_read(unsigned slot, unsigned offset, unsigned size) {
    const uintptr_t a = cfg_addr(slot, offset);
    return size == 1 ? mmio_read8(a) : size == 2 ? *(volatile uint16_t *)a : mmio_read32(a);
}

void pci_write(unsigned slot, unsigned offset, unsigned size, uint32_t value) {
    const uintptr_t a = cfg_addr(slot, offset);
    if (size == 1) mmio_write8(a, (uint8_t)value);
    else if (size == 2) *(volatile uint16_t *)a = (uint16_t)value;
    else mmio_write32(a, value);
}

void pci_probe_function(struct pci_dev *d, unsigned slot, uint64_t *next) {
    const uint32_t id = pci_read(slot, 0, 4);
    d->slot = slot;
    d->root_slot = slot & 31;
    d->vendor = (uint16_t)id;
    d->device = (uint16_t)(id >> 16);
    d->irq_pin = (uint8_t)pci_read(slot, 0x3d, 1);
    pci_write(slot, 0x04, 2, 0); /* decode off while sizing */
    for (unsigned b = 0; b < 6; ++b) {
        d->bar[b] = d->bar_size[b] = 0;
        const unsigned off = 0x10 + 4 * b;
        const uint32_t flags = pci_read(slot, off, 4);
        if ((flags & 0x7) != 0x4) continue; /* only 64-bit memory BARs */
        pci_write(slot, off, 4, 0xffffffffu);
        pci_write(slot, off + 4, 4, 0xffffffffu);
        const uint64_t mask = ((uint64_t)pci_read(slot, off + 4, 4) << 32 | pci_read(slot, off, 4)) & ~0xfULL;
        const uint64_t size = ~mask + 1;
        *next = (*next + size - 1) & ~(size - 1);
        pci_write(slot, off, 4, (uint32_t)*next);
        pci_write(slot, off + 4, 4, (uint32_t)(*next >> 32));
        d->bar[b] = *next;
        d->bar_size[b] = size;
        *next += size;
        ++b; /* the high half */
    }
}

int pci_enumerate(struct pci_dev *devices, int max) {
    uint64_t next = PCI_MMIO_BASE;
    int n = 0;
    for (unsigned slot = 0; slot < 32 && n < max; ++slot) {
        const uint32_t id = pci_read(slot, 0, 4);
        if ((id & 0xffff) == 0xffff) continue;
        if ((pci_read(slot, 0x0e, 1) & 0x7f) == 1) continue; /* a bridge: pcie_hotplug.h */
        struct pci_dev *d = &devices[n++];
        pci_probe_function(d, slot, &next);
        pci_write(slot, 0x04, 2, 0x6); /* memory decode + bus master */
    }
    return n;
}

#define PLIC_CONTEXT_M 0 /* hart 0, M-mode */

void plic_enable_source(unsigned irq) {
    mmio_write32(PMEMVP_PLIC + 4 * irq, 1); /* priority */
    const uintptr_t enable = PMEMVP_PLIC + 0x2000 + 0x80 * PLIC_CONTEXT_M + 4 * (irq / 32);
    mmio_write32(enable, mmio_read32(enable) | 1u << (irq % 32));
    mmio_write32(PMEMVP_PLIC + 0x200000 + 0x1000 * PLIC_CONTEXT_M, 0); /* threshold */
    csr_set(mie, 1UL << 11);
    csr_set(mstatus, MSTATUS_MIE);
}

unsigned plic_claim(void) { return mmio_read32(PMEMVP_PLIC + 0x200004 + 0x1000 * PLIC_CONTEXT_M); }
void plic_complete(unsigned source) { mmio_write32(PMEMVP_PLIC + 0x200004 + 0x1000 * PLIC_CONTEXT_M, source); }

unsigned pci_find_capability(unsigned slot, uint8_t id, unsigned from) {
    if (!(pci_read(slot, 0x06, 2) & 0x10)) return 0;
    unsigned at = from ? pci_read(slot, from + 1, 1) : pci_read(slot, 0x34, 1);
    for (int guard = 0; at && guard < 48; ++guard) {
        if (pci_read(slot, at, 1) == id) return at;
        at = pci_read(slot, at + 1, 1);
    }
    return 0;
}

/* Behind a root port the function is device 0 of its bus: its pin reaches the port unchanged,
   and the port's device number swizzles it on bus 0. */
unsigned pci_irq(const struct pci_dev *d) { return PCI_PLIC_IRQ_BASE + (d->irq_pin - 1 + d->root_slot) % 4; }
