// SPDX-License-Identifier: Apache-2.0
// The priv-tests runtime: see priv.h.
#include "priv.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

extern void priv_mtrap_entry(void);
extern void priv_strap_entry(void);
extern void priv_exit_stub(void);
extern void priv_resume_stub(void);
extern void priv_mret_to(uintptr_t pc, long a0, long a1, uintptr_t sp) __attribute__((noreturn));
extern void priv_sret_to(uintptr_t pc, long a0, long a1, uintptr_t sp) __attribute__((noreturn));

// ---- Trap stacks, records and the handler ----------------------------------------------------
static uint8_t mstack[8192] __attribute__((aligned(16)));
static uint8_t sstack[8192] __attribute__((aligned(16)));
#define MSTACK_TOP ((uintptr_t)mstack + sizeof mstack)
#define SSTACK_TOP ((uintptr_t)sstack + sizeof sstack)

volatile unsigned priv_trap_count;
volatile struct priv_trap priv_traps[PRIV_TRAP_LOG];
volatile struct priv_trap priv_last;
static priv_hook hook;

void priv_traps_reset(void) {
    priv_trap_count = 0;
    memset((void *)&priv_last, 0, sizeof priv_last);
}

void priv_set_hook(priv_hook h) {
    hook = h;
}

// A run started by priv_call/priv_jump: where to come back, in which mode.
struct priv_run {
    jmp_buf back;
    int mode; // the mode of the caller
    long result;
    struct priv_run *outer;
};
static struct priv_run *volatile innermost;
static volatile int mode_now = PRV_M;

int priv_mode(void) {
    return mode_now;
}

// The exit ecall of the innermost run reached the handler at `level`.
static void run_exit(struct priv_frame *f, int level) {
    struct priv_run *run = innermost;
    if (!run) {
        printf("FAIL exit ecall with no run (epc 0x%lx)\n", (unsigned long)f->epc);
        pmemvp_exit(0x7e);
    }
    if (run->mode == level) {
        run->result = (long)f->x[10];
        innermost = run->outer;
        mode_now = run->mode;
        if (level == PRV_M)
            csr_write(mscratch, MSTACK_TOP);
        else
            csr_write(sscratch, SSTACK_TOP);
        longjmp(run->back, 1);
    }
    if (level == PRV_M) {
        // A run started in S whose exit ecall was not delegated: resume it in S.
        run->result = (long)f->x[10];
        innermost = run->outer;
        mode_now = run->mode;
        f->epc = (uintptr_t)priv_resume_stub;
        f->x[10] = (uintptr_t)run->back;
        f->status = (f->status & ~MSTATUS_MPP) | (uint64_t)PRV_S << 11;
        return;
    }
    // A run started in M whose exit ecall was delegated to S: pass it on to M from S.
    f->epc = (uintptr_t)priv_exit_stub;
    f->status |= MSTATUS_SPP;
}

void priv_trap(struct priv_frame *f, int level) {
    const uint64_t cause = f->cause;
    if ((cause == CAUSE_ECALL_U || cause == CAUSE_ECALL_S || cause == CAUSE_ECALL_M) &&
        f->x[17] == PRIV_EXIT) {
        run_exit(f, level);
        return;
    }
    struct priv_trap t;
    t.cause = cause;
    t.epc = f->epc;
    t.tval = f->tval;
    t.level = level;
    t.from = level == PRV_M ? (int)((f->status >> 11) & 3) : (int)((f->status >> 8) & 1);
    t.vector = (int)f->vector;
    t.status = f->status;
    if (priv_trap_count < PRIV_TRAP_LOG) priv_traps[priv_trap_count] = t;
    priv_last = t;
    ++priv_trap_count;
    if (priv_trap_count > 1000) {
        printf("FAIL trap loop: cause 0x%lx epc 0x%lx tval 0x%lx\n", (unsigned long)cause,
               (unsigned long)f->epc, (unsigned long)f->tval);
        pmemvp_exit(0x7d);
    }
    if (hook && hook(f, level)) return;
    if (cause >> 63) {
        const uint64_t bit = 1UL << (cause & 63);
        if (level == PRV_M)
            csr_clear(mie, bit);
        else
            csr_clear(sie, bit);
    } else if (cause == CAUSE_FETCH_PAGE || cause == CAUSE_FETCH_ACCESS) {
        f->epc = f->x[1];
    } else {
        f->epc += 4;
    }
}

// ---- Set-up --------------------------------------------------------------------------------
void priv_init(void) {
    csr_write(mtvec, (uintptr_t)priv_mtrap_entry);
    csr_write(mscratch, MSTACK_TOP);
    csr_write(stvec, (uintptr_t)priv_strap_entry);
    csr_write(sscratch, SSTACK_TOP);
    // PMP entry 0: NAPOT over the whole address space, RWX. Without it S and U may access
    // nothing (QEMU denies them).
    csr_write(pmpaddr0, ~0UL >> 10);
    csr_write(pmpcfg0, 0x1f);
    csr_write(medeleg, 0);
    csr_write(mideleg, 0);
    csr_write(mie, 0);
    csr_write(mcounteren, 7);
    csr_write(scounteren, 7);
    csr_write(satp, 0);
    csr_clear(mstatus, MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |
                           MSTATUS_TSR | MSTATUS_SIE | MSTATUS_MIE);
    priv_traps_reset();
}

// ---- Runs in lower modes -------------------------------------------------------------------
static uintptr_t stack_below_caller(void) {
    uintptr_t sp;
    __asm__ volatile("mv %0, sp" : "=r"(sp));
    return (sp - 256) & ~15UL;
}

static long run(int mode, uintptr_t pc, long a0, long a1, uint64_t set_status) {
    struct priv_run r;
    r.mode = mode_now;
    r.outer = innermost;
    r.result = 0;
    if (setjmp(r.back) == 0) {
        const uintptr_t sp = stack_below_caller();
        innermost = &r;
        mode_now = mode;
        if (r.mode == PRV_M) {
            csr_clear(mstatus, MSTATUS_MPP | MSTATUS_MPIE);
            csr_set(mstatus, (uint64_t)mode << 11 | set_status);
            priv_mret_to(pc, a0, a1, sp);
        }
        csr_clear(sstatus, MSTATUS_SPP | MSTATUS_SPIE);
        csr_set(sstatus, (mode == PRV_S ? MSTATUS_SPP : 0) | set_status);
        priv_sret_to(pc, a0, a1, sp);
    }
    return ((volatile struct priv_run *)&r)->result;
}

long priv_call(int mode, long (*fn)(long), long arg) {
    return run(mode, (uintptr_t)priv_trampoline, (long)(uintptr_t)fn, arg, 0);
}

long priv_call_status(int mode, long (*fn)(long), long arg, uint64_t set_status) {
    return run(mode, (uintptr_t)priv_trampoline, (long)(uintptr_t)fn, arg, set_status);
}

long priv_jump(int mode, uintptr_t pc, long a0, long a1) {
    return run(mode, pc, a0, a1, 0);
}

// ---- Page tables ---------------------------------------------------------------------------
#define PT_POOL 48
static uint64_t pt_pool[PT_POOL][512] __attribute__((aligned(4096)));
static unsigned pt_used;

void priv_pt_reset(void) {
    pt_used = 0;
}

uint64_t *priv_pt_alloc(void) {
    if (pt_used == PT_POOL) {
        printf("FAIL page-table pool exhausted\n");
        pmemvp_exit(0x7c);
    }
    uint64_t *t = pt_pool[pt_used++];
    memset(t, 0, PAGE_SIZE);
    return t;
}

uint64_t *priv_pt_slot(uint64_t *root, uint64_t va, int level) {
    uint64_t *table = root;
    for (int l = 2; l > level; --l) {
        uint64_t *pte = &table[(va >> (12 + 9 * l)) & 511];
        if (!(*pte & PTE_V) || (*pte & (PTE_R | PTE_W | PTE_X))) // absent, or a leaf: replace
            *pte = priv_pte((uintptr_t)priv_pt_alloc(), PTE_V);
        table = (uint64_t *)(uintptr_t)((*pte >> 10) << 12);
    }
    return &table[(va >> (12 + 9 * level)) & 511];
}

uint64_t *priv_pt_map(uint64_t *root, uint64_t va, uint64_t pa, int level, uint64_t flags) {
    uint64_t *pte = priv_pt_slot(root, va, level);
    *pte = priv_pte(pa, flags);
    return pte;
}

uint64_t *priv_pt_identity(void) {
    uint64_t *root = priv_pt_alloc();
    priv_pt_map(root, 0, 0, PTE_LEVEL_1G, PTE_RW);
    priv_pt_map(root, PMEMVP_RAM, PMEMVP_RAM, PTE_LEVEL_1G, PTE_RWX);
    return root;
}

// ---- Checks --------------------------------------------------------------------------------
static int passed, failed;

int check(const char *name, uint64_t got, uint64_t want) {
    const int n = passed + failed + 1;
    if (got == want) {
        ++passed;
        printf("ok %d %s\n", n, name);
        return 1;
    }
    ++failed;
    printf("FAIL %d %s: got 0x%lx want 0x%lx\n", n, name, (unsigned long)got, (unsigned long)want);
    return 0;
}

static const char *mode_name(int mode) {
    return mode == PRV_M ? "M" : mode == PRV_S ? "S" : "U";
}

int check_trap(const char *name, int level, int from, uint64_t cause, uint64_t tval) {
    const int n = passed + failed + 1;
    const struct priv_trap t = *(const struct priv_trap *)&priv_last;
    const unsigned count = priv_trap_count;
    if (count == 1 && t.level == level && t.from == from && t.cause == cause &&
        (tval == PRIV_ANY || t.tval == tval)) {
        ++passed;
        printf("ok %d %s\n", n, name);
        return 1;
    }
    ++failed;
    printf("FAIL %d %s: got %u trap(s), last to %s from %s cause 0x%lx tval 0x%lx; want one "
           "to %s from %s cause 0x%lx tval 0x%lx\n",
           n, name, count, count ? mode_name(t.level) : "-", count ? mode_name(t.from) : "-",
           (unsigned long)t.cause, (unsigned long)t.tval, mode_name(level), mode_name(from),
           (unsigned long)cause, tval == PRIV_ANY ? 0UL : (unsigned long)tval);
    return 0;
}

int check_no_trap(const char *name) {
    const int n = passed + failed + 1;
    if (priv_trap_count == 0) {
        ++passed;
        printf("ok %d %s\n", n, name);
        return 1;
    }
    ++failed;
    printf("FAIL %d %s: %u trap(s), last to %s cause 0x%lx epc 0x%lx tval 0x%lx\n", n, name,
           priv_trap_count, mode_name(priv_last.level), (unsigned long)priv_last.cause,
           (unsigned long)priv_last.epc, (unsigned long)priv_last.tval);
    return 0;
}

void priv_finish(void) {
    printf("%d passed, %d failed\n", passed, failed);
    pmemvp_exit(failed ? 1 : 0);
}

static long (*identity_fn)(long);

static long identity_sv39(long unused) {
    (void)unused;
    uint64_t *root = priv_pt_alloc();
    for (uint64_t gb = 0; gb < 8; ++gb)
        priv_pt_map(root, gb << 30, gb << 30, PTE_LEVEL_1G, PTE_RWX);
    csr_write(satp, priv_satp(root, 0));
    sfence_vma_all();
    return identity_fn(0);
}

long priv_call_identity_sv39(long (*fn)(long)) {
    identity_fn = fn;
    csr_write(menvcfg, ENVCFG_CBCFE);
    return priv_call(PRV_S, identity_sv39, 0);
}
