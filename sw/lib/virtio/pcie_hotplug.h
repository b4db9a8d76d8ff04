/* SPDX-License-Identifier: Apache-2.0 */
/* PCIe native hot-plug for bare-metal guests: the slots of PCIe root ports (QEMU's and
   pmemvp's pcie-root-port), driven as Linux's pciehp drives them. */
#ifndef PMEMVP_PCIE_HOTPLUG_H
#define PMEMVP_PCIE_HOTPLUG_H
#include "pci.h"

#include <stdint.h>

/* Slot Status events (RW1C) and state. */
#define PCIE_SLOT_BUTTON 0x0001u        /* attention button pressed: the host asks for removal */
#define PCIE_SLOT_PRESENCE_CHANGED 0x0008u
#define PCIE_SLOT_COMMAND_DONE 0x0010u
#define PCIE_SLOT_PRESENT 0x0040u       /* state, not an event */
#define PCIE_SLOT_LINK_CHANGED 0x0100u

struct pcie_slot {
    unsigned port;      /* the root port's bus-0 device number */
    unsigned cap;       /* its PCI Express capability */
    unsigned number;    /* the physical slot number */
    unsigned bus;       /* the secondary bus given to it */
    uint64_t window;    /* its memory window: BARs behind it go here */
    uint64_t window_size;
    struct pci_dev function; /* valid after pcie_slot_enable_function */
};

/* Finds the root ports on bus 0 with a hot-plug capable slot, gives each a secondary bus (1, 2,
   ...) and a 1 MiB prefetchable memory window, enables its memory decode and bus mastering, and
   enables its slot interrupts (presence, attention button, link state) through INTx. Returns
   the number found. */
int pcie_find_slots(struct pcie_slot *slots, int max);
/* The PLIC source of a slot's hot-plug interrupt. */
unsigned pcie_slot_irq(const struct pcie_slot *s);
/* Reads and clears the slot's pending events; returns them with PCIE_SLOT_PRESENT's state. */
uint16_t pcie_slot_events(struct pcie_slot *s);
int pcie_slot_link_up(const struct pcie_slot *s);
/* The function in the slot (device 0 of its bus): its BARs placed in the window, memory decode
   and bus mastering on. 0 on success, -1 if the slot holds nothing reachable. */
int pcie_slot_enable_function(struct pcie_slot *s);
/* Turns slot power on (and the power indicator): a present device's link comes up. A device
   plugged into an unpowered slot arrives with the attention button pressed: power it on. */
void pcie_slot_power_on(struct pcie_slot *s);
/* Turns slot power off (and the power indicator): the host removes the device. */
void pcie_slot_power_off(struct pcie_slot *s);

#endif
