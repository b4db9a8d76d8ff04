// SPDX-License-Identifier: Apache-2.0
// A crash-consistent append-only log in the first NVDIMM range, for power-failure tests.
//   header (line 0):  u64 magic, u64 committed   -- the commit record
//   record i (line 64 + i): u64 seq, u64 checksum, char payload[48]
// Appending record i: write it, persist it (pmem_region_persist: what the NFIT's platform
// capabilities say this machine needs); only then store committed = i + 1 in the header and
// persist that. At boot it recovers: every committed
// record must be intact; then it appends up to 200 records and exits 0. Built with BUGGY, it
// commits before the record is durable (no clean, no fence): a power failure can then leave a
// committed record torn, and recovery says so.
#include "libnvdimm.h"
#include "pmem.h"
#include "pmemvp.h"

#include <stdio.h>
#include <string.h>

#define MAGIC 0x504d454d564c4f47ULL /* "PMEMVLOG" */
#define TOTAL 200

struct header { uint64_t magic, committed; uint8_t pad[48]; };
struct record { uint64_t seq, checksum; char payload[48]; };

static struct pmem_region region;

static void persist(const volatile void *p) {
#ifndef BUGGY
    pmem_region_persist(&region, p, 64);
#else
    (void)p;
#endif
}

static uint64_t checksum(const struct record *r) {
    uint64_t h = 1469598103934665603ULL ^ r->seq;
    for (int i = 0; i < 48; ++i) h = (h ^ (uint8_t)r->payload[i]) * 1099511628211ULL;
    return h;
}

int main(void) {
    static struct nfit_info nfit;
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) {
        printf("crash-log: %s\n", error);
        return 1;
    }
    if (pmem_region_from_nfit(&nfit, 0, &region) != 0) {
        printf("crash-log: the first SPA range is not persistent memory\n");
        return 1;
    }
    volatile struct header *h = (volatile struct header *)(uintptr_t)nfit.spa[0].base;
    volatile struct record *log = (volatile struct record *)(uintptr_t)(nfit.spa[0].base + 64 * 64);

    uint64_t committed = 0;
    if (h->magic != MAGIC) {
        h->committed = 0;
        h->magic = MAGIC;
        pmem_region_persist(&region, h, 64);
        printf("new log\n");
    } else {
        committed = h->committed;
        for (uint64_t i = 0; i < committed; ++i) {
            struct record r;
            memcpy(&r, (const void *)&log[i], sizeof r);
            if (r.seq != i || r.checksum != checksum(&r)) {
                printf("recovery FAILED: committed record %lu of %lu is torn\n", (unsigned long)i, (unsigned long)committed);
                return 1;
            }
        }
        printf("recovered %lu records, all intact\n", (unsigned long)committed);
    }
    for (uint64_t i = committed; i < TOTAL; ++i) {
        struct record r;
        memset(&r, 0, sizeof r);
        r.seq = i;
        snprintf(r.payload, sizeof r.payload, "record %lu of the crash-consistent log", (unsigned long)i);
        r.checksum = checksum(&r);
        memcpy((void *)&log[i], &r, sizeof r);
        persist(&log[i]);  // the record is durable ...
        h->committed = i + 1;
        persist(h);        // ... before the commit record says so
    }
    printf("log holds %d records\n", TOTAL);
    return 0;
}
