// SPDX-License-Identifier: Apache-2.0
// Costs of address translation, measured from outside (tests/bench/platform_bench.sh): S mode
// under Sv39 runs one loop of the same instructions in two variants, and the difference of the
// runs' wall times over the iterations is the cost asked for.
//   TLB_HITS:   2^20 loads cycling over 64 pages (they stay in the TLB);
//   TLB_MISSES: 2^20 loads cycling over 4096 pages (every load misses and walks the tables);
//   SATP:       2^17 pairs of satp writes between two address spaces, a load after each;
//   NO_SATP:    the same with sscratch written instead of satp.
#include "priv.h"

#include <stdio.h>

#define WINDOW_VA 0x40000000UL
#define WINDOW_PAGES 4096UL // 16 MiB of RAM, as 4 KiB pages
#define WINDOW_PA (PMEMVP_RAM + 0x2000000UL)

static uint64_t *make_root(void) {
    uint64_t *root = priv_pt_alloc();
    for (uint64_t gb = 0; gb < 4; ++gb)
        if (gb != 1) priv_pt_map(root, gb << 30, gb << 30, PTE_LEVEL_1G, PTE_RWX); // devices, RAM
    for (uint64_t i = 0; i < WINDOW_PAGES; ++i)
        priv_pt_map(root, WINDOW_VA + i * PAGE_SIZE, WINDOW_PA + i * PAGE_SIZE, PTE_LEVEL_4K, PTE_RW);
    return root;
}

static long bench(long unused) {
    (void)unused;
    uint64_t *a = make_root(), *b = make_root();
    const uint64_t satp_a = priv_satp(a, 0), satp_b = priv_satp(b, 0);
    (void)satp_b; // the TLB variants use one address space
    csr_write(satp, satp_a);
    sfence_vma_all();
    volatile uint64_t *window = (volatile uint64_t *)WINDOW_VA;
    uint64_t sum = 0;
#if defined(TLB_HITS) || defined(TLB_MISSES)
#ifdef TLB_HITS
    const uint64_t pages = 64;
#else
    const uint64_t pages = WINDOW_PAGES;
#endif
    for (uint64_t i = 0; i < (1UL << 20); ++i)
        sum += window[(i % pages) * (PAGE_SIZE / 8)];
#else
    for (uint64_t i = 0; i < (1UL << 17); ++i) {
#ifdef SATP
        csr_write(satp, satp_b);
        sum += window[0];
        csr_write(satp, satp_a);
        sum += window[0];
#else
        csr_write(sscratch, satp_b);
        sum += window[0];
        csr_write(sscratch, satp_a);
        sum += window[0];
#endif
    }
#endif
    return (long)(sum & 1);
}

int main(void) {
    priv_init();
    const long r = priv_call(PRV_S, bench, 0);
    printf("paging-bench done (%ld)\n", r);
    return 0;
}
