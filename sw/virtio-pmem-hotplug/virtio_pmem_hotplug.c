// SPDX-License-Identifier: Apache-2.0
// PCIe native hot-plug of virtio-pmem, as a driver sees it. Waits for a device to be plugged
// into a pcie-root-port (device_add), brings it up, writes a record and flushes it; then waits
// for the host's removal request (device_del presses the attention button), lets go of the
// device and powers the slot off, after which the host removes it; then waits for the next
// device. It never exits by itself: the host ends the run (quit).
#include "pcie_hotplug.h"
#include "pmemvp.h"
#include "virtio_pmem.h"

#include <stdio.h>
#include <string.h>

#define MAX_SLOTS 8

static struct pcie_slot slots[MAX_SLOTS];
static int nslots;
static volatile uint16_t pending[MAX_SLOTS]; // slot events the interrupt handler collected
static struct virtio_pmem pmem;
static volatile int pmem_ready;

static int on_trap(struct trap_frame *f) {
    if (f->mcause != (MCAUSE_INTERRUPT | 11)) return 0;
    const unsigned source = plic_claim();
    for (int i = 0; i < nslots; ++i)
        if (pcie_slot_irq(&slots[i]) == source) pending[i] |= pcie_slot_events(&slots[i]);
    // The device behind a port shares the port's INTx line (device 0 on its bus): reading its
    // ISR lowers its level, or the interrupt would come back at once.
    if (pmem_ready && pci_irq(pmem.dev.pci) == source) (void)*pmem.dev.isr;
    if (source) plic_complete(source);
    return 1;
}

// Sleeps until a slot has one of the `want` events; returns the slot and its events.
static int wait_for(uint16_t want, uint16_t *events) {
    for (;;) {
        csr_clear(mstatus, MSTATUS_MIE); // look and sleep without losing a wake-up in between
        for (int i = 0; i < nslots; ++i)
            if (pending[i] & want) {
                *events = pending[i];
                pending[i] = 0;
                csr_set(mstatus, MSTATUS_MIE);
                return i;
            }
        __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE); // the interrupt is taken here
    }
}

// One device's life in a slot: plugged, brought up, written and flushed, released on the host's
// request. 0 when all went well.
static int serve_one_device(int first) {
    // A device added before the start (device_add while paused with -S, or -device ...,bus=)
    // is there already; else wait for one.
    uint16_t events = 0;
    int i = -1;
    printf("virtio-pmem-hotplug: waiting for a device\n");
    for (int k = 0; first && k < nslots && i < 0; ++k)
        if (pcie_slot_events(&slots[k]) & PCIE_SLOT_PRESENT) i = k;
    while (i < 0) {
        const int k = wait_for(PCIE_SLOT_PRESENCE_CHANGED, &events);
        if (events & PCIE_SLOT_PRESENT) i = k;
    }
    struct pcie_slot *s = &slots[i];
    // An empty slot is unpowered: the device arrives with the attention button pressed. Power
    // the slot, wait for the link, and forget the plug's own events.
    pcie_slot_power_on(s);
    while (!pcie_slot_link_up(s)) wait_for(PCIE_SLOT_LINK_CHANGED, &events);
    csr_clear(mstatus, MSTATUS_MIE);
    pending[i] = 0;
    csr_set(mstatus, MSTATUS_MIE);
    if (pcie_slot_enable_function(s) != 0) {
        printf("virtio-pmem-hotplug: slot %u: nothing reachable behind the port\n", s->number);
        return 1;
    }
    printf("virtio-pmem-hotplug: slot %u: device %04x:%04x on bus %u\n", s->number, s->function.vendor,
           s->function.device, s->bus);
    if (virtio_pmem_probe(&pmem, &s->function, 1, 0) != 0) {
        printf("virtio-pmem-hotplug: slot %u: not a virtio-pmem device\n", s->number);
        return 1;
    }
    pmem_ready = 1;
    printf("virtio-pmem-hotplug: range 0x%llx, %llu bytes\n", (unsigned long long)pmem.start,
           (unsigned long long)pmem.size);
    const char record[] = "pmemvp hot-plug record: written and flushed after device_add";
    memcpy((char *)(uintptr_t)pmem.start, record, sizeof record);
    const int flushed = virtio_pmem_flush(&pmem);
    printf("virtio-pmem-hotplug: flush: %d\n", flushed);

    printf("virtio-pmem-hotplug: waiting for the removal request\n");
    wait_for(PCIE_SLOT_BUTTON, &events);
    printf("virtio-pmem-hotplug: attention button: releasing the device, powering slot %u off\n", s->number);
    virtio_reset(&pmem.dev);
    pmem_ready = 0;
    pcie_slot_power_off(s);
    do {
        wait_for(PCIE_SLOT_PRESENCE_CHANGED, &events);
    } while (events & PCIE_SLOT_PRESENT);
    printf("virtio-pmem-hotplug: slot %u is empty\n", s->number);
    return flushed != 0;
}

int main(void) {
    nslots = pcie_find_slots(slots, MAX_SLOTS);
    if (nslots == 0) {
        printf("virtio-pmem-hotplug: no hot-plug slot; start with -device pcie-root-port,id=rp1,slot=1\n");
        return 1;
    }
    pmemvp_set_trap_handler(on_trap);
    for (int i = 0; i < nslots; ++i) plic_enable_source(pcie_slot_irq(&slots[i]));
    printf("virtio-pmem-hotplug: %d hot-plug slot(s)\n", nslots);

    // Device after device, until the host quits (quit, or --monitor-script's end).
    for (int first = 1;; first = 0)
        if (serve_one_device(first) != 0) return 1;
}
