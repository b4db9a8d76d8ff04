// SPDX-License-Identifier: Apache-2.0
// S-mode timers. Sstc: menvcfg.STCE = 1 lets S write stimecmp (CSR 0x14d), which drives
// mip.STIP; the S timer interrupt (cause 5) is taken in S at the right sepc; writing
// stimecmp far in the future clears STIP; without STCE or mcounteren.TM, stimecmp is an
// illegal instruction in S. Without Sstc, the way OpenSBI does it: S asks M (an SBI TIME
// ecall) to set the CLINT's mtimecmp; M takes the M timer interrupt and sets mip.STIP for S.
// QEMU 7.2's default CPU has Sstc: no extra QEMU option is needed.
#include "priv.h"
#include <stdio.h>

#define SBI_EXT_TIME 0x54494d45UL // "TIME": sbi_set_timer(a0 = deadline)
#define DELTA                                                                                      \
    100000              // 10 ms at QEMU virt's 10 MHz timebase (QEMU without
                        // -icount runs in real time: keep a margin)
#define FAR (1UL << 40) // "far ahead": about 30 hours
#define STIP (1UL << IRQ_S_TIMER)

static volatile uint64_t s_time_seen, s_fired;
static volatile int use_sstc;

static uint64_t rdtime(void) {
    return csr_read(time);
}

static void sbi_set_timer(uint64_t deadline) {
    register uint64_t a0 __asm__("a0") = deadline;
    register uint64_t a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = SBI_EXT_TIME;
    __asm__ volatile(".option push\n.option norvc\necall\n.option pop"
                     : "+r"(a0)
                     : "r"(a6), "r"(a7)
                     : "memory");
}

static int timer_hook(struct priv_frame *f, int level) {
    if (level == PRV_M && f->cause == CAUSE_ECALL_S && f->x[17] == SBI_EXT_TIME) {
        mmio_write64(PMEMVP_CLINT_MTIMECMP, f->x[10]);
        csr_clear(mip, STIP);
        f->epc += 4;
        return 1;
    }
    if (level == PRV_M && f->cause == CAUSE_IRQ(IRQ_M_TIMER)) {
        mmio_write64(PMEMVP_CLINT_MTIMECMP, mmio_read64(PMEMVP_CLINT_MTIME) + FAR); // clears MTIP
        csr_set(mip, STIP); // hands the tick to S
        return 1;
    }
    if (level == PRV_S && f->cause == CAUSE_IRQ(IRQ_S_TIMER)) {
        s_time_seen = rdtime();
        ++s_fired;
        if (use_sstc)
            csr_write(stimecmp, rdtime() + FAR);
        else
            sbi_set_timer(rdtime() + FAR);
        return 1;
    }
    return 0;
}

// Waits for the S timer interrupt the way a kernel's idle loop does: with SIE clear, WFI (which
// wakes up on a pending interrupt enabled in sie, whatever SIE), then SIE set for one
// instruction, where the interrupt is taken. Returns the address after that csrs: the sepc
// of the S timer interrupt, whatever the timing. An M interrupt wakes WFI as well and is taken
// right after it (on the csrs).
static uintptr_t wait_for_tick(uintptr_t *after_wfi) {
    uintptr_t after, wfi_next;
    csr_set(sie, STIP);
    __asm__ volatile(ZICSR(".option norvc\n la %0, 3f\n la %1, 2f\n"
                           "1: lw t0, 0(%3)\n bnez t0, 4f\n wfi\n"
                           "2: csrs sstatus, %2\n 3: csrc sstatus, %2\n j 1b\n 4:")
                     : "=&r"(after), "=&r"(wfi_next)
                     : "r"(MSTATUS_SIE), "r"(&s_fired)
                     : "t0", "memory");
    if (after_wfi) *after_wfi = wfi_next;
    return after;
}

static long s_sstc(long unused) {
    (void)unused;
    const uint64_t far = rdtime() + FAR;
    csr_write(stimecmp, far);
    check("stimecmp far ahead: STIP clear", csr_read(sip) & STIP, 0);
    check("stimecmp reads back", csr_read(stimecmp), far);
    csr_write(stimecmp, rdtime() - 1);
    check("stimecmp in the past: STIP pending at once", csr_read(sip) & STIP, STIP);
    csr_write(stimecmp, rdtime() + FAR);
    check("stimecmp written far ahead again: STIP cleared", csr_read(sip) & STIP, 0);

    priv_traps_reset();
    s_fired = 0;
    const uint64_t deadline = rdtime() + DELTA;
    csr_write(stimecmp, deadline);
    check("stimecmp ahead: STIP not yet pending", csr_read(sip) & STIP, 0);
    const uintptr_t after = wait_for_tick(0);
    check_trap("stimecmp reached: S timer interrupt taken in S", PRV_S, PRV_S,
               CAUSE_IRQ(IRQ_S_TIMER), 0);
    check("S timer interrupt: sepc = the instruction after the csrs that set SIE", priv_last.epc,
          after);
    check("S timer interrupt: not before stimecmp", s_time_seen >= deadline, 1);
    check("handler wrote stimecmp far ahead: STIP clear", csr_read(sip) & STIP, 0);
    return 0;
}

// In U, a pending S timer interrupt is taken whatever SIE.
static long s_sstc_in_u(long unused) {
    (void)unused;
    priv_traps_reset();
    s_fired = 0;
    csr_set(sie, STIP);
    csr_write(stimecmp, 0);
    priv_jump(PRV_U, (uintptr_t)user_ecall, 0, 0);
    check("STIP pending on entry to U: two traps (timer, then the ecall)", priv_trap_count, 2);
    check("S timer interrupt from U: taken in S from U",
          priv_traps[0].cause * 16 + priv_traps[0].level * 4 + priv_traps[0].from,
          CAUSE_IRQ(IRQ_S_TIMER) * 16 + PRV_S * 4 + PRV_U);
    check("S timer interrupt from U: sepc = U's first instruction", priv_traps[0].epc,
          (uintptr_t)user_ecall);
    return 0;
}

static long s_touch_stimecmp(long unused) {
    (void)unused;
    __asm__ volatile(ZICSR("csrr t0, stimecmp")::: "t0");
    return 0;
}

static long s_sbi_timer(long unused) {
    (void)unused;
    s_fired = 0;
    const uint64_t deadline = rdtime() + DELTA;
    sbi_set_timer(deadline);
    check("sbi_set_timer: STIP clear", csr_read(sip) & STIP, 0);
    priv_traps_reset();
    uintptr_t after_wfi;
    const uintptr_t after = wait_for_tick(&after_wfi);
    check("CLINT timer: M timer interrupt, S timer interrupt, the SBI call", priv_trap_count, 3);
    check("M timer interrupt taken in M from S, whatever mstatus.MIE",
          priv_traps[0].cause * 16 + priv_traps[0].level * 4 + priv_traps[0].from,
          CAUSE_IRQ(IRQ_M_TIMER) * 16 + PRV_M * 4 + PRV_S);
    check("M timer interrupt: mepc = the instruction after WFI", priv_traps[0].epc, after_wfi);
    check("STIP set by M: S timer interrupt in S",
          priv_traps[1].cause * 16 + priv_traps[1].level * 4 + priv_traps[1].from,
          CAUSE_IRQ(IRQ_S_TIMER) * 16 + PRV_S * 4 + PRV_S);
    check("S timer interrupt: sepc = the instruction after the csrs that set SIE",
          priv_traps[1].epc, after);
    check("S timer interrupt: not before the deadline", s_time_seen >= deadline, 1);
    check("S handler's SBI call to M", priv_traps[2].cause * 16 + priv_traps[2].level,
          CAUSE_ECALL_S * 16 + PRV_M);
    check("STIP cleared by M", csr_read(sip) & STIP, 0);
    return 0;
}

int main(void) {
    priv_init();
    priv_set_hook(timer_hook);
    csr_write(mcounteren, 7);
    csr_write(mideleg, STIP);
    csr_write(mie, STIP | 1UL << IRQ_M_TIMER);
    mmio_write64(PMEMVP_CLINT_MTIMECMP, mmio_read64(PMEMVP_CLINT_MTIME) + FAR);

    // Sstc.
    csr_write(menvcfg, MENVCFG_STCE);
    check("menvcfg.STCE is writable (Sstc)", csr_read(menvcfg) & MENVCFG_STCE, MENVCFG_STCE);
    use_sstc = 1;
    priv_call(PRV_S, s_sstc, 0);
    priv_call(PRV_S, s_sstc_in_u, 0);
    csr_write(mcounteren, 7UL & ~2UL);
    priv_traps_reset();
    priv_call(PRV_S, s_touch_stimecmp, 0);
    check_trap("mcounteren.TM = 0: stimecmp in S is illegal", PRV_M, PRV_S, CAUSE_ILLEGAL,
               0x14d022f3);
    csr_write(mcounteren, 7);
    csr_write(menvcfg, 0);
    priv_traps_reset();
    priv_call(PRV_S, s_touch_stimecmp, 0);
    check_trap("menvcfg.STCE = 0: stimecmp in S is illegal", PRV_M, PRV_S, CAUSE_ILLEGAL,
               0x14d022f3);

    // Without Sstc: M forwards the CLINT timer to S through mip.STIP.
    use_sstc = 0;
    priv_call(PRV_S, s_sbi_timer, 0);
    csr_write(mie, 0);
    priv_finish();
}
