/* SPDX-License-Identifier: Apache-2.0 */
#include "pmem.h"

void pmem_flush(const volatile void *addr, size_t len) {
    uintptr_t line = (uintptr_t)addr & ~(uintptr_t)63;
    const uintptr_t end = (uintptr_t)addr + len;
    for (; line < end; line += 64) pmem_clean_line((const volatile void *)line);
}

void pmem_persist(const volatile void *addr, size_t len) {
    pmem_flush(addr, len);
    pmem_drain();
}

int pmem_region_from_nfit(const struct nfit_info *nfit, unsigned spa, struct pmem_region *region) {
    if (spa >= nfit->nspa || !nfit->spa[spa].persistent) return -1;
    region->base = (uintptr_t)nfit->spa[spa].base;
    region->size = nfit->spa[spa].length;
    /* Linux's rule (drivers/acpi/nfit): CPU cache flush capability means eADR, memory flush
       capability ADR; without either, only flush hints reach media. */
    const uint32_t caps = nfit->has_capabilities ? nfit->capabilities : 0;
    region->domain = (caps & NFIT_CAP_CPU_CACHE_FLUSH) ? PMEM_DOMAIN_EADR
                     : (caps & NFIT_CAP_MEM_FLUSH)     ? PMEM_DOMAIN_ADR
                                                       : PMEM_DOMAIN_MEDIA;
    region->dimms = 0;
    region->nhints = 0;
    for (unsigned i = 0; i < nfit->ndimm; ++i) {
        const struct nfit_dimm_info *d = &nfit->dimm[i];
        if (d->spa_index != nfit->spa[spa].index) continue;
        ++region->dimms;
        if (d->hint_count) region->hints[region->nhints++] = (volatile uint64_t *)(uintptr_t)d->hints[0];
    }
    return 0;
}

void pmem_region_persist(const struct pmem_region *region, const volatile void *addr, size_t len) {
    if (region->domain != PMEM_DOMAIN_EADR) pmem_flush(addr, len);
    pmem_drain();
    if (region->domain != PMEM_DOMAIN_MEDIA) return;
    for (unsigned i = 0; i < region->nhints; ++i) *region->hints[i] = 1;
    pmem_drain();
}

const char *pmem_domain_name(enum pmem_domain domain) {
    switch (domain) {
    case PMEM_DOMAIN_EADR: return "cpu_cache";
    case PMEM_DOMAIN_ADR: return "memory_controller";
    default: return "media";
    }
}
