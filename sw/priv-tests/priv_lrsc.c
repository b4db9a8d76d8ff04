// SPDX-License-Identifier: Apache-2.0
// LR/SC across a page fault, under Sv39, in S and in U (faults delegated to S):
//  - the SC's page is read-only: the SC takes a store page fault (15, stval = its address),
//    the handler makes the page writable and returns to the SC;
//  - the LR's page is not mapped: the LR takes a load page fault (13), the handler maps it.
// The privileged spec lets an xRET clear the reservation or keep it ("the xRET instruction is
// allowed to clear any outstanding LR address reservation but is not required to"), so the
// SC retried after the handler may succeed or fail; the programs use the usual retry loop and
// check what holds either way: one fault, the right cause and stval, the word incremented
// exactly once, at most one failed SC. A handler that clears the reservation itself (a dummy
// SC, as the spec advises) makes the retried SC fail for certain: that is checked exactly.
// What QEMU 7.2 does (and pmemvp): the reservation does not survive the trap, so the retried
// SC fails once and the loop's second round succeeds.
#include "priv.h"
#include <stdio.h>

#define TV 0x1000000000UL
static uint8_t pages[4][4096] __attribute__((aligned(4096)));
static uint64_t *root;
static volatile unsigned faults;
static volatile int clear_reservation;
static uint64_t dummy;

static uintptr_t tv(unsigned n) {
    return TV + n * PAGE_SIZE;
}

// Store or load page faults on a test page: map it read-write, retry the instruction.
static int fix_page(struct priv_frame *f, int level) {
    if (level != PRV_S || (f->cause != CAUSE_STORE_PAGE && f->cause != CAUSE_LOAD_PAGE) ||
        f->tval < TV || f->tval >= tv(4))
        return 0;
    const unsigned n = (unsigned)((f->tval - TV) / PAGE_SIZE);
    priv_pt_map(root, tv(n), (uintptr_t)pages[n], PTE_LEVEL_4K,
                PTE_RW | (f->status & MSTATUS_SPP ? 0 : PTE_U));
    sfence_vma_va(tv(n));
    if (clear_reservation) {
        uint64_t failed;
        __asm__ volatile("sc.d %0, zero, (%1)" : "=r"(failed) : "r"(&dummy) : "memory");
    }
    ++faults;
    return 1;
}

// lr.d / addi 1 / sc.d until the sc.d succeeds; returns the number of sc.d that failed.
static long lrsc_increment(uintptr_t a) {
    long failed = 0;
    uint64_t v, fail;
    __asm__ volatile("1: lr.d %1, (%3)\n addi %1, %1, 1\n sc.d %2, %1, (%3)\n beqz %2, 2f\n"
                     " addi %0, %0, 1\n j 1b\n 2:"
                     : "+r"(failed), "=&r"(v), "=&r"(fail)
                     : "r"(a)
                     : "memory");
    return failed;
}

static void one_case(const char *what, int user, unsigned n, uint64_t flags, uint64_t cause,
                     int dummy_sc) {
    char name[128];
    ((uint64_t *)pages[n])[3] = 41;
    priv_pt_map(root, tv(n), (uintptr_t)pages[n], PTE_LEVEL_4K, flags | (user ? PTE_U : 0));
    sfence_vma_all();
    clear_reservation = dummy_sc;
    faults = 0;
    priv_traps_reset();
    const uintptr_t a = tv(n) + 24;
    const long failed =
        user ? priv_jump(PRV_U, priv_user_va(TV + 0x100000, user_lrsc_increment), (long)a, 0)
             : lrsc_increment(a);
    const char *mode = user ? "U" : "S";
    snprintf(name, sizeof name, "%s in %s: one page fault, cause %lu, stval = the address", what,
             mode, (unsigned long)cause);
    check_trap(name, PRV_S, user ? PRV_U : PRV_S, cause, a);
    snprintf(name, sizeof name, "%s in %s: the word is incremented once", what, mode);
    check(name, ((volatile uint64_t *)pages[n])[3], 42);
    if (dummy_sc) {
        snprintf(name, sizeof name,
                 "%s in %s, handler clears the reservation: the retried sc.d fails", what, mode);
        check(name, (uint64_t)failed, 1);
    } else {
        snprintf(name, sizeof name, "%s in %s: at most one sc.d failed", what, mode);
        check(name, failed <= 1, 1);
    }
#ifdef LRSC_REPORT
    printf("  (%s in %s%s: %ld sc.d failed)\n", what, mode, dummy_sc ? ", dummy sc" : "", failed);
#endif
}

static long s_tests(long unused) {
    (void)unused;
    const uint64_t read_only = PTE_V | PTE_R | PTE_A | PTE_D;
    for (int user = 0; user < 2; ++user) {
        one_case("sc.d to a read-only page", user, 0, read_only, CAUSE_STORE_PAGE, 0);
        one_case("sc.d to a read-only page", user, 0, read_only, CAUSE_STORE_PAGE, 1);
        one_case("lr.d from an unmapped page", user, 1, 0, CAUSE_LOAD_PAGE, 0);
    }
    // No fault: the pair succeeds at once (no trap between LR and SC).
    ((uint64_t *)pages[2])[0] = 1;
    priv_pt_map(root, tv(2), (uintptr_t)pages[2], PTE_LEVEL_4K, PTE_RW);
    sfence_vma_all();
    priv_traps_reset();
    check("lr.d/sc.d on a writable page: no sc.d fails", (uint64_t)lrsc_increment(tv(2)), 0);
    check_no_trap("lr.d/sc.d on a writable page: no trap");
    check("lr.d/sc.d on a writable page: incremented", ((volatile uint64_t *)pages[2])[0], 2);
    return 0;
}

int main(void) {
    priv_init();
    root = priv_pt_identity();
    for (uintptr_t off = 0; (uintptr_t)priv_user_start + off < (uintptr_t)priv_user_end;
         off += PAGE_SIZE)
        priv_pt_map(root, TV + 0x100000 + off, (uintptr_t)priv_user_start + off, PTE_LEVEL_4K,
                    PTE_V | PTE_R | PTE_X | PTE_A | PTE_U);
    csr_write(satp, priv_satp(root, 0));
    csr_write(medeleg, 1UL << CAUSE_LOAD_PAGE | 1UL << CAUSE_STORE_PAGE | 1UL << CAUSE_ECALL_U);
    priv_set_hook(fix_page);
    priv_call(PRV_S, s_tests, 0);
    csr_write(satp, 0);
    priv_finish();
}
