// SPDX-License-Identifier: Apache-2.0
// Timer interrupt through the CLINT: arm mtimecmp, wait in WFI, check the interrupt came no
// earlier than mtimecmp; then a vectored-mode round.
#include "pmemvp.h"
#include <stdio.h>

static volatile uint64_t interrupts, seen_mtime, seen_cause;

static int on_trap(struct trap_frame *f) {
    if (!(f->mcause & MCAUSE_INTERRUPT))
        return 0;
    seen_cause = f->mcause;
    seen_mtime = mmio_read64(PMEMVP_CLINT_MTIME);
    mmio_write64(PMEMVP_CLINT_MTIMECMP, ~0UL); // acknowledge: no further timer interrupt
    ++interrupts;
    return 1;
}

int main(void) {
    pmemvp_set_trap_handler(on_trap);
    int failures = 0;
    for (int round = 0; round < 3; ++round) {
        const uint64_t deadline = mmio_read64(PMEMVP_CLINT_MTIME) + 1000 * (round + 1); // 100 us
        mmio_write64(PMEMVP_CLINT_MTIMECMP, deadline);
        csr_set(mie, MIE_MTIE);
        csr_set(mstatus, MSTATUS_MIE);
        while (interrupts == (uint64_t)round)
            __asm__ volatile("wfi");
        csr_clear(mstatus, MSTATUS_MIE);
        const int ok = seen_mtime >= deadline && seen_cause == (MCAUSE_INTERRUPT | 7);
        printf("round %d: timer interrupt %s\n", round, ok ? "on time" : "WRONG");
        failures += !ok;
    }
    printf("%lu timer interrupts\n", (unsigned long)interrupts);
    return failures;
}
