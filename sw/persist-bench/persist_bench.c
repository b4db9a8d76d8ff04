// SPDX-License-Identifier: Apache-2.0
// A store-heavy loop as a correct pmem program runs it: 8-byte stores filling each 64-byte
// line, cbo.clean per line, a fence every 64 lines; 4 MiB, 8 times over. Built twice: into
// NVDIMM memory (persistence tracked) and, with TARGET_RAM, into RAM (not tracked), so that
// tests/bench/platform_bench.sh can put the two wall times side by side. With PAGED, either
// build runs the loop in S mode under Sv39 (identity 1 GiB pages), through the TLB.
#include "pmemvp.h"
#ifndef TARGET_RAM
#include "libnvdimm.h"
#endif
#ifdef PAGED
#include "priv.h"
#endif

#include <stdio.h>

#define BYTES (4u << 20)
static inline void cbo_clean(const volatile void *p) { __asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" ::"r"(p) : "memory"); }


// One function for both builds: the same instructions whatever the buffer.
static void __attribute__((noinline)) fill(volatile uint64_t *buffer) {
    for (uint64_t round = 0; round < 8; ++round) {
        for (uint64_t line = 0; line < BYTES / 64; ++line) {
            volatile uint64_t *p = buffer + line * 8;
            for (int i = 0; i < 8; ++i) p[i] = round + line + (uint64_t)i;
            cbo_clean(p);
            if (line % 64 == 63) __asm__ volatile("fence" ::: "memory");
        }
    }
}

static int run(void) {
#ifdef TARGET_RAM
    // RAM beyond the program's image: nothing clears it at start (crt0 would, for .bss).
    volatile uint64_t *buffer = (volatile uint64_t *)(PMEMVP_RAM + (8u << 20));
#else
    static struct nfit_info nfit;
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) {
        printf("persist-bench: %s\n", error);
        return 1;
    }
    volatile uint64_t *buffer = (volatile uint64_t *)(uintptr_t)nfit.spa[0].base;
#endif
    fill(buffer);
    printf("stores %u\n", 8 * (BYTES / 8));
    return 0;
}

#ifdef PAGED
static long paged(long unused) {
    (void)unused;
    return run();
}

int main(void) {
    priv_init();
    return (int)priv_call_identity_sv39(paged);
}
#else
int main(void) { return run(); }
#endif
