// SPDX-License-Identifier: Apache-2.0
// Drives the virtio-pmem device with deliberately malformed requests, one class at a time,
// and checks that each puts it in DEVICE_NEEDS_RESET with a configuration-change interrupt
// status, and that the device works again after a reset. Exits with the number of failures.
#include "pmemvp.h"
#include "virtio_pmem.h"

#include <stdio.h>
#include <string.h>

static struct virtio_pmem pmem;
static struct pci_dev devices[8];
static int ndevices, failures;
static uint8_t queue_memory[16384] __attribute__((aligned(4096)));
static volatile uint32_t request, response;
static struct virtq_desc indirect_table[4] __attribute__((aligned(16)));

static void setup(uint64_t features, uint16_t size) {
    virtio_init(&pmem.dev, &devices[0]);
    if (virtio_negotiate(&pmem.dev, features) != 0) printf("negotiation failed\n");
    virtq_setup(&pmem.dev, &pmem.queue, 0, size, queue_memory);
    virtio_set_status(&pmem.dev, VIRTIO_STATUS_DRIVER_OK);
}

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    pmem.queue.desc[i].addr = addr;
    pmem.queue.desc[i].len = len;
    pmem.queue.desc[i].flags = flags;
    pmem.queue.desc[i].next = next;
}

static void expect_needs_reset(const char *what) {
    // The device answers at the notifying store's time: give it a moment of simulated time.
    for (int spin = 0; spin < 1000 && !(virtio_status(&pmem.dev) & VIRTIO_STATUS_NEEDS_RESET); ++spin)
        ;
    const int needs_reset = virtio_status(&pmem.dev) & VIRTIO_STATUS_NEEDS_RESET;
    const uint8_t isr = *pmem.dev.isr;
    if (needs_reset && (isr & 2)) {
        printf("ok %s: DEVICE_NEEDS_RESET and a configuration interrupt\n", what);
    } else {
        printf("FAIL %s: status 0x%x isr 0x%x\n", what, virtio_status(&pmem.dev), isr);
        ++failures;
    }
}

static const uint64_t nowhere = 0x20000000UL; // not guest RAM

int main(void) {
    ndevices = pci_enumerate(devices, 8);
    if (virtio_pmem_probe(&pmem, devices, ndevices, 0) != 0) { printf("no virtio-pmem device\n"); return 1; }
    const uint64_t req = (uintptr_t)&request, resp = (uintptr_t)&response;


    // 1. A buffer outside guest RAM.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, nowhere, 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, resp, 4, VIRTQ_DESC_F_WRITE, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("buffer outside guest RAM");

    // 2. A loop (the chain never ends: longer than the queue).
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, req, 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, req, 4, VIRTQ_DESC_F_NEXT, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("looped descriptor chain");

    // 3. A chain longer than a small queue.
    setup(VIRTIO_F_VERSION_1, 4);
    for (int i = 0; i < 4; ++i) desc(i, req, 4, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % 4));
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("chain longer than the queue");

    // 4. A device-readable buffer after a device-writable one.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, resp, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    desc(1, req, 4, 0, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("readable after writable");

    // 5. A zero-length buffer.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, req, 0, VIRTQ_DESC_F_NEXT, 1);
    desc(1, resp, 4, VIRTQ_DESC_F_WRITE, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("zero-length buffer");

    // 6. INDIRECT without VIRTIO_F_INDIRECT_DESC.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, (uintptr_t)indirect_table, sizeof indirect_table, VIRTQ_DESC_F_INDIRECT, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("INDIRECT not negotiated");

    // 7. A next index past the queue.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, req, 4, VIRTQ_DESC_F_NEXT, 200);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("next index past the queue");

    // 8. A head index past the queue.
    setup(VIRTIO_F_VERSION_1, 128);
    virtq_kick(&pmem.dev, &pmem.queue, 300);
    expect_needs_reset("head index past the queue");

    // 9. The available index jumping further than the queue size.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, req, 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, resp, 4, VIRTQ_DESC_F_WRITE, 0);
    pmem.queue.next_avail = 499;
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("available index jump");

    // 10. A request without a response buffer.
    setup(VIRTIO_F_VERSION_1, 128);
    desc(0, req, 4, 0, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("request without a response buffer");

    // 11. Nested INDIRECT, with INDIRECT negotiated.
    setup(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 128);
    memset(indirect_table, 0, sizeof indirect_table);
    indirect_table[0].addr = (uintptr_t)indirect_table;
    indirect_table[0].len = sizeof indirect_table;
    indirect_table[0].flags = VIRTQ_DESC_F_INDIRECT;
    desc(0, (uintptr_t)indirect_table, sizeof indirect_table, VIRTQ_DESC_F_INDIRECT, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    expect_needs_reset("nested INDIRECT");

    // 12. Rings outside guest RAM: refused when the queue is enabled.
    virtio_init(&pmem.dev, &devices[0]);
    virtio_negotiate(&pmem.dev, VIRTIO_F_VERSION_1);
    virtio_set_status(&pmem.dev, VIRTIO_STATUS_DRIVER_OK);
    *(volatile uint16_t *)(pmem.dev.common + 22) = 0;
    *(volatile uint64_t *)(pmem.dev.common + 32) = nowhere;
    *(volatile uint16_t *)(pmem.dev.common + 28) = 1;
    expect_needs_reset("descriptor table outside guest RAM");

    // The transport refuses a driver that does not accept VERSION_1.
    if (virtio_negotiate(&pmem.dev, 0) == 0) {
        printf("FAIL a driver without VERSION_1 got FEATURES_OK\n");
        ++failures;
    } else {
        printf("ok a driver without VERSION_1 does not get FEATURES_OK\n");
    }

    // A valid INDIRECT flush works when negotiated, and the device works after all this.
    setup(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 128);
    memset(indirect_table, 0, sizeof indirect_table);
    request = 0;
    response = 0x55;
    indirect_table[0] = (struct virtq_desc){req, 4, VIRTQ_DESC_F_NEXT, 1};
    indirect_table[1] = (struct virtq_desc){resp, 4, VIRTQ_DESC_F_WRITE, 0};
    desc(0, (uintptr_t)indirect_table, 2 * sizeof(struct virtq_desc), VIRTQ_DESC_F_INDIRECT, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    uint32_t length = 0;
    const int id = virtq_wait(&pmem.dev, &pmem.queue, 0, &length);
    if (id == 0 && length == 4 && response == 0) {
        printf("ok INDIRECT flush after a reset: response 0\n");
    } else {
        printf("FAIL INDIRECT flush: id %d length %u response %u\n", id, (unsigned)length, (unsigned)response);
        ++failures;
    }
    // An unknown request type gets -1.
    request = 7;
    desc(0, req, 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, resp, 4, VIRTQ_DESC_F_WRITE, 0);
    virtq_kick(&pmem.dev, &pmem.queue, 0);
    virtq_wait(&pmem.dev, &pmem.queue, 0, &length);
    if ((int32_t)response == -1) printf("ok unknown request type: response -1\n");
    else { printf("FAIL unknown request type: response %d\n", (int)response); ++failures; }

    printf("%d failures\n", failures);
    return failures;
}
