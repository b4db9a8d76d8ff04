// SPDX-License-Identifier: Apache-2.0
// virtio-pmem benchmarks from inside the guest. FLUSH_BENCH: FLUSH_ROUNDS (200) rounds of
// (dirty one 4 KiB page, flush), simulated cycles per flush; built with 0 rounds too, so the
// host side can take away what is not flushing (boot, PCI enumeration, set-up, exit). Otherwise: 8 MiB of sequential 8-byte stores into
// the window (DMI), simulated cycles. The host side (tests/bench/flush_bench) adds wall time.
#include "pmemvp.h"
#include "virtio_pmem.h"

#include <stdio.h>

static struct virtio_pmem pmem;

#ifdef FLUSH_BENCH
static int on_trap(struct trap_frame *f) {
    if (f->mcause != (MCAUSE_INTERRUPT | 11)) return 0;
    virtio_interrupt(&pmem.dev);
    return 1;
}
#endif

int main(void) {
    struct pci_dev devices[8];
    if (virtio_pmem_probe(&pmem, devices, pci_enumerate(devices, 8), 0) != 0) return 1;
    volatile uint64_t *range = (volatile uint64_t *)(uintptr_t)pmem.start;
#ifdef FLUSH_BENCH
    // Interrupt-driven completion, as Linux's driver waits: the hart sleeps during the flush.
    pmemvp_set_trap_handler(on_trap);
    virtio_enable_interrupt(&pmem.dev);
    pmem.use_interrupt = 1;
#ifndef FLUSH_ROUNDS
#define FLUSH_ROUNDS 200
#endif
    const int rounds = FLUSH_ROUNDS;
    const uint64_t start = csr_read(mcycle);
    for (int i = 0; i < rounds; ++i) {
        range[(uint64_t)i * 512] = (uint64_t)i; // one store per page: one dirty page
        if (virtio_pmem_flush(&pmem) != 0) return 2;
    }
    const uint64_t cycles = csr_read(mcycle) - start;
    printf("flushes %d cycles %lu\n", rounds, (unsigned long)cycles);
#else
    const uint64_t bytes = 8u << 20;
    const uint64_t start = csr_read(mcycle);
    for (uint64_t i = 0; i < bytes / 8; ++i) range[i] = i;
    const uint64_t cycles = csr_read(mcycle) - start;
    printf("bytes %lu cycles %lu\n", (unsigned long)bytes, (unsigned long)cycles);
#endif
    return 0;
}
