// SPDX-License-Identifier: Apache-2.0
// pmem-bench: what persistent memory costs, measured from inside the guest, for every
// persistent SPA range (a single DIMM or an interleave set):
//   - idle load latency, lines walked in order and at random (each line flushed first, as
//     LATTester does with clflush);
//   - bandwidth versus access size (64 B to 4 KiB) at random, size-aligned places: reads touch
//     every line without waiting for it (the misses overlap), writes store every byte and
//     cbo.clean each line with a fence per access;
//   - the idle cost of persisting an object of 64 B to 4 KiB (store, clean, fence).
// Times are rdcycle differences, turned into ns with the clock measured against rdtime.
#include "libnvdimm.h"
#include "pmem.h"
#include "pmemvp.h"

#include <stdio.h>

#define WORKSET_MAX (64ull << 20)
#define LATENCY_SAMPLES 2048
#define BANDWIDTH_BYTES (2u << 20)
#define PERSIST_SAMPLES 256

static uint64_t ps_per_cycle;
static uint64_t random_state = 0x9E3779B97F4A7C15ull;

static inline uint64_t next_random(void) {
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static inline uint64_t cycles(void) { return csr_read(cycle); }

// Cycles from before a load to after an instruction that uses its data.
static inline uint64_t timed_load(const volatile uint64_t *p) {
    uint64_t c0, c1, v;
    __asm__ volatile(".option push\n.option arch, +zicsr\n"
                     "csrr %0, cycle\n"
                     "ld %1, 0(%3)\n"
                     "addi %1, %1, 1\n" // needs the data
                     "csrr %2, cycle\n"
                     ".option pop"
                     : "=&r"(c0), "=&r"(v), "=&r"(c1)
                     : "r"(p)
                     : "memory");
    return c1 - c0;
}

// A load whose value nobody waits for: it brings the line in.
static inline void touch(uintptr_t p) { __asm__ volatile("ld x0, 0(%0)" ::"r"(p) : "memory"); }

static void measure_clock(void) {
    const uint64_t t0 = csr_read(time), c0 = cycles();
    while (csr_read(time) - t0 < 10000) {} // 1 ms of the 10 MHz timer
    const uint64_t t1 = csr_read(time), c1 = cycles();
    ps_per_cycle = (t1 - t0) * 100000 / (c1 - c0);
}

// "123.4" from tenths.
static void print_tenths(const char *what, uint64_t tenths, const char *unit) {
    printf("%s: %lu.%lu %s\n", what, (unsigned long)(tenths / 10), (unsigned long)(tenths % 10), unit);
}

static void print_bandwidth(const char *what, uint64_t bytes, uint64_t elapsed_cycles) {
    const uint64_t mb_per_s = bytes * 1000000 / (elapsed_cycles * ps_per_cycle); // bytes/ps * 1e6
    printf("%s: %lu.%02lu GB/s\n", what, (unsigned long)(mb_per_s / 1000), (unsigned long)(mb_per_s % 1000 / 10));
}

static uint64_t idle_latency_tenths(uintptr_t base, uint64_t workset, int sequential) {
    // What the measuring instructions cost on their own: a load that hits the CPU cache.
    const volatile uint64_t *hot = (const volatile uint64_t *)base;
    (void)*hot;
    uint64_t overhead = ~0ull;
    for (int i = 0; i < 16; ++i) {
        const uint64_t c = timed_load(hot);
        if (c < overhead) overhead = c;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < LATENCY_SAMPLES; ++i) {
        const uint64_t line = sequential ? i + 64 : next_random() % (workset / 64);
        const volatile uint64_t *p = (const volatile uint64_t *)(base + line * 64);
        pmem_flush_line(p);
        pmem_drain();
        total += timed_load(p) - overhead;
    }
    return total * ps_per_cycle / LATENCY_SAMPLES / 100;
}

static uint64_t read_chunks(uintptr_t base, uint64_t workset, unsigned size, unsigned count) {
    pmem_drain();
    const uint64_t c0 = cycles();
    for (unsigned i = 0; i < count; ++i) {
        const uintptr_t p = base + next_random() % (workset / size) * size;
        for (unsigned off = 0; off < size; off += 64) touch(p + off);
    }
    pmem_drain(); // every load has its data
    return cycles() - c0;
}

// Stores a whole line and cleans it: nine instructions, the nearest RV64 gets to one 64-byte
// vector store.
static inline void write_line(uintptr_t q, uint64_t value) {
    __asm__ volatile("sd %1, 0(%0)\n sd %1, 8(%0)\n sd %1, 16(%0)\n sd %1, 24(%0)\n"
                     "sd %1, 32(%0)\n sd %1, 40(%0)\n sd %1, 48(%0)\n sd %1, 56(%0)\n"
                     ".insn i 0x0f, 2, x0, %0, 1" // cbo.clean
                     ::"r"(q), "r"(value)
                     : "memory");
}

static void write_object(uintptr_t p, unsigned size, uint64_t value) {
    for (unsigned off = 0; off < size; off += 64) write_line(p + off, value);
    pmem_drain();
}

static uint64_t write_chunks(uintptr_t base, uint64_t workset, unsigned size, unsigned count) {
    pmem_drain();
    const uint64_t c0 = cycles();
    for (unsigned i = 0; i < count; ++i)
        write_object(base + next_random() % (workset / size) * size, size, i);
    return cycles() - c0;
}

static uint64_t idle_persist_tenths(uintptr_t base, uint64_t workset, unsigned size) {
    uint64_t total = 0;
    for (unsigned i = 0; i < PERSIST_SAMPLES; ++i) {
        const uintptr_t p = base + next_random() % (workset / size) * size;
        const uint64_t c0 = cycles();
        write_object(p, size, i);
        total += cycles() - c0;
        const uint64_t rest = cycles() + 4000; // let the write-pending queue empty
        while (cycles() < rest) {}
    }
    return total * ps_per_cycle / PERSIST_SAMPLES / 100;
}

static void bench_range(unsigned index, const struct pmem_region *r) {
    char what[80];
    const uint64_t workset = r->size < WORKSET_MAX ? r->size : WORKSET_MAX;
    printf("range %u: %u DIMM(s), %lu MiB at 0x%lx, persistence domain %s\n", index, r->dimms,
           (unsigned long)(r->size >> 20), (unsigned long)r->base, pmem_domain_name(r->domain));
    snprintf(what, sizeof what, "range %u: read latency sequential", index);
    print_tenths(what, idle_latency_tenths(r->base, workset, 1), "ns");
    snprintf(what, sizeof what, "range %u: read latency random", index);
    print_tenths(what, idle_latency_tenths(r->base, workset, 0), "ns");
    for (unsigned size = 64; size <= 4096; size *= 2) {
        const unsigned count = BANDWIDTH_BYTES / size;
        snprintf(what, sizeof what, "range %u: read bandwidth %u B", index, size);
        print_bandwidth(what, BANDWIDTH_BYTES, read_chunks(r->base, workset, size, count));
    }
    for (unsigned size = 64; size <= 4096; size *= 2) {
        const unsigned count = BANDWIDTH_BYTES / size;
        snprintf(what, sizeof what, "range %u: write bandwidth %u B", index, size);
        print_bandwidth(what, BANDWIDTH_BYTES, write_chunks(r->base, workset, size, count));
    }
    for (unsigned size = 64; size <= 4096; size *= 2) {
        snprintf(what, sizeof what, "range %u: persist %u B", index, size);
        print_tenths(what, idle_persist_tenths(r->base, workset, size), "ns");
    }
}

int main(void) {
    static struct nfit_info nfit;
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) {
        printf("pmem-bench: %s\n", error);
        return 1;
    }
    measure_clock();
    printf("pmem-bench: clock %lu ps per cycle\n", (unsigned long)ps_per_cycle);
    unsigned ranges = 0;
    for (unsigned i = 0; i < nfit.nspa; ++i) {
        struct pmem_region region;
        if (pmem_region_from_nfit(&nfit, i, &region) != 0) continue;
        bench_range(ranges++, &region);
    }
    if (!ranges) {
        printf("pmem-bench: no persistent memory; add -device nvdimm\n");
        return 1;
    }
    return 0;
}
