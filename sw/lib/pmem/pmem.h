/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence primitives for pmemvp guests (RISC-V Zicbom), in libpmem2's terms:
   flush = write lines back (cbo.clean), drain = wait for them (fence), persist = both.
   A pmem_region picks what its platform needs from the NFIT's platform capabilities:
   eADR (caches are durable): a fence; ADR: clean + fence; neither: clean + fence, then a write
   to a flush hint of every DIMM in the range and a fence. */
#ifndef PMEMVP_PMEM_H
#define PMEMVP_PMEM_H
#include "nfit.h"
#include <stddef.h>
#include <stdint.h>

static inline void pmem_clean_line(const volatile void *p) {
    __asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" ::"r"(p) : "memory"); /* cbo.clean */
}
static inline void pmem_flush_line(const volatile void *p) {
    __asm__ volatile(".insn i 0x0f, 2, x0, %0, 2" ::"r"(p) : "memory"); /* cbo.flush */
}
static inline void pmem_drain(void) { __asm__ volatile("fence" ::: "memory"); }

/* cbo.clean on every 64-byte line of [addr, addr + len). */
void pmem_flush(const volatile void *addr, size_t len);
/* pmem_flush, then pmem_drain: durable under ADR. */
void pmem_persist(const volatile void *addr, size_t len);

enum pmem_domain { PMEM_DOMAIN_EADR, PMEM_DOMAIN_ADR, PMEM_DOMAIN_MEDIA };

struct pmem_region {
    uintptr_t base;
    uint64_t size;
    unsigned dimms; /* in its interleave set */
    enum pmem_domain domain;
    unsigned nhints; /* one flush hint per DIMM that has any */
    volatile uint64_t *hints[NFIT_MAX_DIMMS];
};

/* The persistent SPA range `spa` (an index into nfit->spa) with what persisting there takes.
   Returns 0, or -1 if that range is not persistent memory. */
int pmem_region_from_nfit(const struct nfit_info *nfit, unsigned spa, struct pmem_region *region);
/* Makes [addr, addr + len) durable in the region, as cheaply as its domain allows. */
void pmem_region_persist(const struct pmem_region *region, const volatile void *addr, size_t len);
const char *pmem_domain_name(enum pmem_domain domain); /* "cpu_cache", "memory_controller", "media" */

#endif
