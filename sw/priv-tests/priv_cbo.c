// SPDX-License-Identifier: Apache-2.0
// Zicbom cache-block operations by privilege mode (Zicbom 1.0, privileged spec 1.12):
// cbo.clean and cbo.flush need menvcfg.CBCFE in S and U, and senvcfg.CBCFE too in U;
// cbo.inval needs CBIE != 00 (01: it performs a flush, 11: an invalidate) in menvcfg for S
// and U, and in senvcfg too for U. Otherwise: illegal instruction, tval = the instruction.
// In M they are always allowed. Under Sv39 they are permitted wherever a load or a store is
// (an R-only page is enough) and raise a store page fault (15) where neither is.
//
// QEMU 7.2 does not implement Zicbom (cbo.* are illegal even in M, menvcfg.CBIE/CBCFE read
// 0): the program finds that out first, says so, and checks nothing, so it passes on QEMU 7.2
// without proving anything there; the test suite runs it on pmemvp as a self-check
// (tests/integration/differential_test.cpp, differential_priv.cbo_self_check).
#include "priv.h"
#include <stdio.h>

enum { CLEAN, FLUSH, INVAL };
static const char *const op_names[3] = {"cbo.clean", "cbo.flush", "cbo.inval"};
// With rs1 = a0 (x10).
static const uint32_t op_insn[3] = {0x0015200f, 0x0025200f, 0x0005200f};

static uint8_t line[64] __attribute__((aligned(64)));

// arg = a 64-byte aligned address | op.
static long do_cbo(long arg) {
    register uintptr_t a __asm__("a0") = (uintptr_t)arg & ~63UL;
    switch (arg & 3) {
    case CLEAN:
        __asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" ::"r"(a) : "memory");
        break;
    case FLUSH:
        __asm__ volatile(".insn i 0x0f, 2, x0, %0, 2" ::"r"(a) : "memory");
        break;
    default:
        __asm__ volatile(".insn i 0x0f, 2, x0, %0, 0" ::"r"(a) : "memory");
        break;
    }
    return 0;
}

static void run_cbo(int mode, uintptr_t address, int op) {
    priv_traps_reset();
    if (mode == priv_mode())
        do_cbo((long)(address | op));
    else
        priv_call(mode, do_cbo, (long)(address | op));
}

// Checks one operation in one mode: allowed (no trap) or an illegal instruction taken in M.
static void expect(int mode, int op, int allowed, const char *setting) {
    char name[128];
    snprintf(name, sizeof name, "%s in %s with %s: %s", op_names[op],
             mode == PRV_S   ? "S"
             : mode == PRV_U ? "U"
                             : "M",
             setting, allowed ? "allowed" : "illegal");
    run_cbo(mode, (uintptr_t)line, op);
    if (allowed)
        check_no_trap(name);
    else
        check_trap(name, PRV_M, mode, CAUSE_ILLEGAL, op_insn[op]);
}

static const char *cbie_name(uint64_t cbie) {
    return cbie == 0 ? "00" : cbie == ENVCFG_CBIE_FLUSH ? "01" : "11";
}

static long s_write_senvcfg(long value) {
    csr_write(senvcfg, value);
    return (long)csr_read(senvcfg);
}

static void permissions(void) {
    char setting[96];
    // M: always.
    csr_write(menvcfg, 0);
    for (int op = CLEAN; op <= INVAL; ++op)
        expect(PRV_M, op, 1, "menvcfg = 0");

    csr_write(menvcfg, ENVCFG_CBCFE | ENVCFG_CBIE_INVAL);
    check("menvcfg.CBCFE and CBIE are writable",
          csr_read(menvcfg) & (ENVCFG_CBCFE | ENVCFG_CBIE_MASK), ENVCFG_CBCFE | ENVCFG_CBIE_INVAL);
    check("senvcfg written in S",
          (uint64_t)priv_call(PRV_S, s_write_senvcfg, (long)(ENVCFG_CBCFE | ENVCFG_CBIE_INVAL)) &
              (ENVCFG_CBCFE | ENVCFG_CBIE_MASK),
          ENVCFG_CBCFE | ENVCFG_CBIE_INVAL);

    // S: menvcfg alone decides.
    const uint64_t cbies[3] = {0, ENVCFG_CBIE_FLUSH, ENVCFG_CBIE_INVAL};
    csr_write(senvcfg, 0);
    for (int cbcfe = 0; cbcfe < 2; ++cbcfe) {
        csr_write(menvcfg, cbcfe ? ENVCFG_CBCFE : 0);
        snprintf(setting, sizeof setting, "menvcfg.CBCFE = %d, senvcfg = 0", cbcfe);
        expect(PRV_S, CLEAN, cbcfe, setting);
        expect(PRV_S, FLUSH, cbcfe, setting);
    }
    for (int i = 0; i < 3; ++i) {
        csr_write(menvcfg, cbies[i]);
        snprintf(setting, sizeof setting, "menvcfg.CBIE = %s, senvcfg = 0", cbie_name(cbies[i]));
        expect(PRV_S, INVAL, cbies[i] != 0, setting);
    }

    // U: both.
    for (int m = 0; m < 2; ++m)
        for (int s = 0; s < 2; ++s) {
            csr_write(menvcfg, m ? ENVCFG_CBCFE : 0);
            csr_write(senvcfg, s ? ENVCFG_CBCFE : 0);
            snprintf(setting, sizeof setting, "menvcfg.CBCFE = %d, senvcfg.CBCFE = %d", m, s);
            expect(PRV_U, CLEAN, m && s, setting);
            expect(PRV_U, FLUSH, m && s, setting);
        }
    for (int m = 0; m < 3; ++m)
        for (int s = 0; s < 3; ++s) {
            csr_write(menvcfg, cbies[m]);
            csr_write(senvcfg, cbies[s]);
            snprintf(setting, sizeof setting, "menvcfg.CBIE = %s, senvcfg.CBIE = %s",
                     cbie_name(cbies[m]), cbie_name(cbies[s]));
            expect(PRV_U, INVAL, cbies[m] && cbies[s], setting);
        }
}

// ---- Under Sv39 -------------------------------------------------------------------------------
#define TV 0x1000000000UL
static uint8_t pages[4][4096] __attribute__((aligned(4096)));

static long s_paging(long unused) {
    (void)unused;
    char name[96];
    for (int op = CLEAN; op <= INVAL; ++op) {
        run_cbo(PRV_S, TV + 0x40, op); // in S already: runs here
        snprintf(name, sizeof name, "Sv39: %s on an RW page", op_names[op]);
        check_no_trap(name);
        run_cbo(PRV_S, TV + 0x1000 + 0x80, op);
        snprintf(name, sizeof name, "Sv39: %s on an R-only page is allowed", op_names[op]);
        check_no_trap(name);
        run_cbo(PRV_S, TV + 0x2000 + 0xc0, op);
        snprintf(name, sizeof name, "Sv39: %s on an invalid PTE: store page fault", op_names[op]);
        check_trap(name, PRV_S, PRV_S, CAUSE_STORE_PAGE, TV + 0x2000 + 0xc0);
        run_cbo(PRV_S, TV + 0x3000, op);
        snprintf(name, sizeof name, "Sv39: %s on a U page from S without SUM: store page fault",
                 op_names[op]);
        check_trap(name, PRV_S, PRV_S, CAUSE_STORE_PAGE, TV + 0x3000);
    }
    return 0;
}

int main(void) {
    priv_init();
    // Is there a Zicbom at all?
    csr_write(menvcfg, 0);
    run_cbo(PRV_M, (uintptr_t)line, CLEAN);
    if (priv_trap_count) {
        printf(
            "Zicbom not implemented: cbo.clean is an illegal instruction in M; nothing checked\n");
        priv_finish();
    }
    permissions();

    uint64_t *root = priv_pt_identity();
    priv_pt_map(root, TV, (uintptr_t)pages[0], PTE_LEVEL_4K, PTE_RW);
    priv_pt_map(root, TV + 0x1000, (uintptr_t)pages[1], PTE_LEVEL_4K, PTE_V | PTE_R | PTE_A);
    priv_pt_map(root, TV + 0x2000, (uintptr_t)pages[2], PTE_LEVEL_4K, 0);
    priv_pt_map(root, TV + 0x3000, (uintptr_t)pages[3], PTE_LEVEL_4K, PTE_RW | PTE_U);
    csr_write(satp, priv_satp(root, 0));
    csr_write(medeleg, 1UL << CAUSE_LOAD_PAGE | 1UL << CAUSE_STORE_PAGE);
    csr_write(menvcfg, ENVCFG_CBCFE | ENVCFG_CBIE_INVAL);
    priv_call(PRV_S, s_paging, 0);
    csr_write(satp, 0);
    priv_finish();
}
