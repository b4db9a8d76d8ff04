/* SPDX-License-Identifier: Apache-2.0 */
/* PCI enumeration over ECAM for pmemvp (and QEMU virt) guests: function 0 of bus 0, and of
   the buses behind PCIe root ports (pcie_hotplug.h). */
#ifndef PMEMVP_PCI_H
#define PMEMVP_PCI_H
#include <stdint.h>

#define PCI_ECAM_BASE 0x30000000UL
#define PCI_MMIO_BASE 0x40000000UL
#define PCI_MMIO_SIZE 0x40000000UL
#define PCI_PLIC_IRQ_BASE 32 /* INTA..INTD */

struct pci_dev {
    unsigned slot;      /* bus << 5 | device: ECAM addresses the function at slot << 15 */
    unsigned root_slot; /* the bus-0 device it is (or sits behind): its INTx swizzle */
    uint16_t vendor, device;
    uint8_t irq_pin;
    uint64_t bar[6], bar_size[6];
};

uint32_t pci_read(unsigned slot, unsigned offset, unsigned size);
void pci_write(unsigned slot, unsigned offset, unsigned size, uint32_t value);
/* Finds the devices on bus 0, sizes their 64-bit memory BARs, assigns them addresses in the
   memory window and enables memory decode and bus mastering. Returns the number found. */
int pci_enumerate(struct pci_dev *devices, int max);
/* The config-space offset of the next capability with `id` after `from` (0: the first); 0 if none. */
unsigned pci_find_capability(unsigned slot, uint8_t id, unsigned from);
/* The PLIC source this device's INTx pin raises. */
unsigned pci_irq(const struct pci_dev *d);
/* Sizes function `slot`'s 64-bit memory BARs and places them from *next (advanced past them);
   leaves memory decode and bus mastering off. Fills d. */
void pci_probe_function(struct pci_dev *d, unsigned slot, uint64_t *next);
/* Enables PLIC source `irq` for hart 0's M-mode context, and machine external interrupts. */
void plic_enable_source(unsigned irq);
/* Claims the highest pending PLIC source (0: none); plic_complete(source) when served. */
unsigned plic_claim(void);
void plic_complete(unsigned source);

#endif
