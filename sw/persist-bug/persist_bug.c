// SPDX-License-Identifier: Apache-2.0
// Three records in the first NVDIMM range: A is cleaned (cbo.clean) and fenced, B is never
// cleaned, C is cleaned but never fenced. Then it waits for --power-fail-at. Under ADR only A
// survives, and --persist-check names the stores of B and C and the flush of C.
// Built with PAGED, the same stores run in S mode under Sv39 (identity 1 GiB pages): the
// persistence domain must find the same lines lost.
#include "libnvdimm.h"
#include "pmemvp.h"
#ifdef PAGED
#include "priv.h"
#endif

#include <stdio.h>
#include <string.h>

static inline void cbo_clean(const void *p) { __asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" ::"r"(p) : "memory"); }
static inline void fence(void) { __asm__ volatile("fence" ::: "memory"); }

static int records(void) {
    static struct nfit_info nfit;
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) {
        printf("persist-bug: %s\n", error);
        return 1;
    }
    char *pmem = (char *)(uintptr_t)nfit.spa[0].base;
    strcpy(pmem, "record A: cleaned and fenced");
    cbo_clean(pmem);
    fence();
    strcpy(pmem + 4096, "record B: never cleaned");
    strcpy(pmem + 8192, "record C: cleaned, never fenced");
    cbo_clean(pmem + 8192);
    printf("records written\n");
#ifdef SELF_FAIL
    mmio_write32(PMEMVP_FINISHER, 0x9999); // pmemvp's finisher command: the power fails now
#endif
    for (;;)
        __asm__ volatile("wfi"); // until the power fails
}

#ifdef PAGED
static long paged(long unused) {
    (void)unused;
    return records();
}

int main(void) {
    priv_init();
    return (int)priv_call_identity_sv39(paged);
}
#else
int main(void) { return records(); }
#endif
