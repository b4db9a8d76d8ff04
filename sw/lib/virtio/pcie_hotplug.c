/* SPDX-License-Identifier: Apache-2.0 */
#include "pcie_hotplug.h"

#include "pmemvp.h"

/* PCI Express capability registers (offsets from the capability) and Slot Control bits. */
#define PCIE_CAP_ID 0x10
#define PCIE_FLAGS 0x02
#define PCIE_SLOT_CAPABILITIES 0x14
#define PCIE_SLOT_CONTROL 0x18
#define PCIE_SLOT_STATUS 0x1a
#define PCIE_LINK_STATUS 0x12
#define SLOTCAP_HOTPLUG_CAPABLE (1u << 6)
#define SLOTCTL_BUTTON_ENABLE (1u << 0)
#define SLOTCTL_PRESENCE_ENABLE (1u << 3)
#define SLOTCTL_INTERRUPT_ENABLE (1u << 5)
#define SLOTCTL_POWER_INDICATOR_ON (1u << 8)
#define SLOTCTL_POWER_INDICATOR_OFF (3u << 8)
#define SLOTCTL_POWER_INDICATOR_MASK (3u << 8)
#define SLOTCTL_POWER_OFF (1u << 10)
#define SLOTCTL_LINK_ENABLE (1u << 12)
#define LINK_ACTIVE (1u << 13)

/* Windows for the buses behind root ports: above what pci_enumerate gives bus 0. */
#define SLOT_WINDOWS (PCI_MMIO_BASE + 0x20000000UL)
#define SLOT_WINDOW_SIZE 0x100000UL

int pcie_find_slots(struct pcie_slot *slots, int max) {
    int n = 0;
    for (unsigned dev = 1; dev < 32 && n < max; ++dev) {
        if ((pci_read(dev, 0, 4) & 0xffff) == 0xffff || (pci_read(dev, 0x0e, 1) & 0x7f) != 1) continue;
        const unsigned cap = pci_find_capability(dev, PCIE_CAP_ID, 0);
        if (!cap || !(pci_read(dev, cap + PCIE_FLAGS, 2) & (1u << 8))) continue; /* no slot */
        const uint32_t slotcap = pci_read(dev, cap + PCIE_SLOT_CAPABILITIES, 4);
        if (!(slotcap & SLOTCAP_HOTPLUG_CAPABLE)) continue;
        struct pcie_slot *s = &slots[n++];
        s->port = dev;
        s->cap = cap;
        s->number = slotcap >> 19;
        s->bus = (unsigned)n;
        s->window = SLOT_WINDOWS + (uint64_t)(n - 1) * SLOT_WINDOW_SIZE;
        s->window_size = SLOT_WINDOW_SIZE;
        pci_write(dev, 0x18, 1, 0);      /* primary bus */
        pci_write(dev, 0x19, 1, s->bus); /* secondary */
        pci_write(dev, 0x1a, 1, s->bus); /* subordinate */
        /* The memory window closed, the prefetchable one (64-bit BARs) open, in 1 MiB units. */
        pci_write(dev, 0x20, 4, 0x0000fff0u);
        const uint32_t base = (uint32_t)(s->window >> 16) & 0xfff0u;
        const uint32_t limit = (uint32_t)((s->window + s->window_size - 1) >> 16) & 0xfff0u;
        pci_write(dev, 0x24, 4, base | 1u | (limit | 1u) << 16); /* 64-bit capable */
        pci_write(dev, 0x28, 4, (uint32_t)(s->window >> 32));
        pci_write(dev, 0x2c, 4, (uint32_t)((s->window + s->window_size - 1) >> 32));
        pci_write(dev, 0x04, 2, 0x6); /* memory + bus master: the slot's traffic passes */
        pcie_slot_events(s);          /* whatever happened before we looked */
        const uint16_t control = (uint16_t)pci_read(dev, cap + PCIE_SLOT_CONTROL, 2);
        pci_write(dev, cap + PCIE_SLOT_CONTROL, 2,
                  control | SLOTCTL_BUTTON_ENABLE | SLOTCTL_PRESENCE_ENABLE | SLOTCTL_INTERRUPT_ENABLE |
                      SLOTCTL_LINK_ENABLE);
        pcie_slot_events(s); /* the command-completed event of that write */
    }
    return n;
}

unsigned pcie_slot_irq(const struct pcie_slot *s) {
    struct pci_dev port = {.slot = s->port, .root_slot = s->port, .irq_pin = (uint8_t)pci_read(s->port, 0x3d, 1)};
    return pci_irq(&port);
}

uint16_t pcie_slot_events(struct pcie_slot *s) {
    const uint16_t status = (uint16_t)pci_read(s->port, s->cap + PCIE_SLOT_STATUS, 2);
    const uint16_t events = status & (PCIE_SLOT_BUTTON | PCIE_SLOT_PRESENCE_CHANGED | PCIE_SLOT_COMMAND_DONE |
                                      PCIE_SLOT_LINK_CHANGED);
    if (events) pci_write(s->port, s->cap + PCIE_SLOT_STATUS, 2, events);
    return events | (status & PCIE_SLOT_PRESENT);
}

int pcie_slot_link_up(const struct pcie_slot *s) {
    return (pci_read(s->port, s->cap + PCIE_LINK_STATUS, 2) & LINK_ACTIVE) != 0;
}

int pcie_slot_enable_function(struct pcie_slot *s) {
    const unsigned slot = s->bus << 5; /* device 0 of the secondary bus */
    if ((pci_read(slot, 0, 4) & 0xffff) == 0xffff) return -1;
    uint64_t next = s->window;
    pci_probe_function(&s->function, slot, &next);
    s->function.root_slot = s->port;
    if (next > s->window + s->window_size) return -1; /* its BARs do not fit the window */
    pci_write(slot, 0x04, 2, 0x6);
    return 0;
}

void pcie_slot_power_on(struct pcie_slot *s) {
    const uint16_t control = (uint16_t)pci_read(s->port, s->cap + PCIE_SLOT_CONTROL, 2);
    pci_write(s->port, s->cap + PCIE_SLOT_CONTROL, 2,
              (control & ~(SLOTCTL_POWER_INDICATOR_MASK | SLOTCTL_POWER_OFF)) | SLOTCTL_POWER_INDICATOR_ON);
}

void pcie_slot_power_off(struct pcie_slot *s) {
    const uint16_t control = (uint16_t)pci_read(s->port, s->cap + PCIE_SLOT_CONTROL, 2);
    pci_write(s->port, s->cap + PCIE_SLOT_CONTROL, 2,
              (control & ~SLOTCTL_POWER_INDICATOR_MASK) | SLOTCTL_POWER_OFF | SLOTCTL_POWER_INDICATOR_OFF);
}
