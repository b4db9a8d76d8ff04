// SPDX-License-Identifier: Apache-2.0
// A small runtime for S- and U-mode guest tests (sw/priv-tests): PMP open for S and U, M- and
// S-mode trap handlers that record every trap (cause, epc, tval, the level that took it and
// the mode it came from), running a function in S or U mode and getting its result back,
// Sv39 page tables, and the check/report helpers. The programs print one line per check and
// exit with 0 only if every check passed; the same ELF runs on QEMU virt and on pmemvp.
#ifndef PRIV_H
#define PRIV_H
#include "pmemvp.h"
#include <stdint.h>

// Inline assembly with CSR instructions (picolibc's multilib needs plain rv64imac).
#define ZICSR(text) ".option push\n.option arch, +zicsr\n" text "\n.option pop"

// Privilege levels, as in mstatus.MPP.
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

// mstatus / sstatus.
#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)
#define MSTATUS_TVM (1UL << 20)
#define MSTATUS_TW (1UL << 21)
#define MSTATUS_TSR (1UL << 22)

// Interrupt numbers (bit positions in mip/mie/mideleg) and exception causes.
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15
#define CAUSE_IRQ(n) ((1UL << 63) | (n))

// menvcfg / senvcfg.
#define ENVCFG_CBIE_FLUSH (1UL << 4) // CBIE = 01: cbo.inval performs a flush
#define ENVCFG_CBIE_INVAL (3UL << 4) // CBIE = 11: cbo.inval invalidates
#define ENVCFG_CBIE_MASK (3UL << 4)
#define ENVCFG_CBCFE (1UL << 6)
#define ENVCFG_CBZE (1UL << 7)
#define MENVCFG_STCE (1UL << 63)

// Sv39 page-table entries.
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_RWX (PTE_RW | PTE_X)
#define PTE_LEVEL_4K 0
#define PTE_LEVEL_2M 1
#define PTE_LEVEL_1G 2
#define SATP_SV39 (8UL << 60)
#define PAGE_SIZE 4096UL

// The exit protocol: code run by priv_run ends with an ecall with a7 = PRIV_EXIT and the
// result in a0 (the trampoline does it when the function returns).
#define PRIV_EXIT 0x505249

// ---- Traps ---------------------------------------------------------------------------------
// What the trap entries save. A hook may change x[], epc and status (mstatus or sstatus,
// written back before the xRET).
struct priv_frame {
    uint64_t x[32];
    uint64_t epc, cause, tval, status;
    int64_t vector; // stvec vectored mode: the entry taken (-1: direct entry)
    uint64_t pad;
};

// One recorded trap.
struct priv_trap {
    uint64_t cause, epc, tval;
    int level;       // PRV_M or PRV_S: where the trap was taken
    int from;        // the mode it came from (mstatus.MPP / sstatus.SPP at the trap)
    int vector;      // the stvec vector entry, -1 for the direct entry or M
    uint64_t status; // mstatus or sstatus as the handler saw it
};
#define PRIV_TRAP_LOG 16
extern volatile unsigned priv_trap_count;                   // traps since priv_traps_reset()
extern volatile struct priv_trap priv_traps[PRIV_TRAP_LOG]; // the first PRIV_TRAP_LOG of them
extern volatile struct priv_trap priv_last;                 // the latest
void priv_traps_reset(void);

// A hook sees every trap except the exit ecall, after it is recorded; it returns nonzero if it
// handled it. Without a hook (or when it returns 0): an exception resumes after the faulting
// instruction (epc + 4: trapping instructions in these tests are never compressed), except
// an instruction fetch fault, which resumes at ra (the test jumped there with jalr ra); an
// interrupt has its enable bit cleared (mie at M, sie at S), its pending bit left as it is.
typedef int (*priv_hook)(struct priv_frame *frame, int level);
void priv_set_hook(priv_hook hook);

// ---- Modes ---------------------------------------------------------------------------------
// Sets the machine up: M and S trap vectors and stacks, PMP entry 0 open to S and U (NAPOT
// over everything, RWX), no delegation, counters enabled for S and U, satp Bare.
void priv_init(void);

// Runs fn(arg) in mode `mode` (lower than the calling mode) and returns its result. Called in
// M (mode S or U) or in S (mode U). The code runs on the caller's stack, below its frame.
long priv_call(int mode, long (*fn)(long), long arg);
// Jumps to pc in `mode` with a0 = a0, a1 = a1; the code ends with the exit ecall
// (PRIV_EXIT_ASM). For code that runs where the trampoline may not (a user page).
long priv_jump(int mode, uintptr_t pc, long a0, long a1);
// priv_call with these bits set in mstatus (called in M) or sstatus (called in S) just before
// the xRET (MPIE, MPRV, SPIE, ...; MPP/SPP come from `mode`).
long priv_call_status(int mode, long (*fn)(long), long arg, uint64_t set_status);
// The mode the current code runs in, as priv_call/priv_jump track it.
int priv_mode(void);

// The trampoline priv_call enters: a0 = fn, a1 = arg; calls fn(arg), then the exit ecall.
void priv_trampoline(void);

// ---- Sv39 page tables ----------------------------------------------------------------------
// Page tables come from a pool of 4 KiB pages in .bss; priv_pt_reset() frees them all.
void priv_pt_reset(void);
uint64_t *priv_pt_alloc(void); // a zeroed table
// The PTE slot for va at `level` (2: 1 GiB, 1: 2 MiB, 0: 4 KiB), creating the tables above it.
uint64_t *priv_pt_slot(uint64_t *root, uint64_t va, int level);
// Writes a leaf: pa with flags (V is not implied) at va, level; returns the PTE's address.
uint64_t *priv_pt_map(uint64_t *root, uint64_t va, uint64_t pa, int level, uint64_t flags);
static inline uint64_t priv_pte(uint64_t pa, uint64_t flags) {
    return (pa >> 12) << 10 | flags;
}
// A root that maps 0..1 GiB (the devices) read-write and 2..3 GiB (RAM) read-write-execute,
// both identity, S only, as 1 GiB pages; others are added with priv_pt_map.
uint64_t *priv_pt_identity(void);
static inline uint64_t priv_satp(const uint64_t *root, unsigned asid) {
    return SATP_SV39 | (uint64_t)asid << 44 | (uintptr_t)root >> 12;
}

// Runs fn(0) in S mode under Sv39 with the first 8 GiB identity-mapped by 1 GiB pages (devices,
// RAM, device memory), cbo.* allowed; returns its result. For a bare-metal program's code to run
// unchanged, but through translation (call from M after priv_init).
long priv_call_identity_sv39(long (*fn)(long));

static inline void sfence_vma_all(void) {
    __asm__ volatile("sfence.vma" ::: "memory");
}
static inline void sfence_vma(uintptr_t va, uintptr_t asid) {
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}
static inline void sfence_vma_va(uintptr_t va) {
    __asm__ volatile("sfence.vma %0, x0" ::"r"(va) : "memory");
}
static inline void sfence_vma_asid(uintptr_t asid) {
    __asm__ volatile("sfence.vma x0, %0" ::"r"(asid) : "memory");
}
static inline void fence_i(void) {
    __asm__ volatile(".option push\n.option arch, +zifencei\nfence.i\n.option pop" ::: "memory");
}

// Accesses that may trap. They are never compressed, and a skipped load leaves `fill` in the
// destination.
static inline uint64_t priv_ld(uintptr_t a, uint64_t fill) {
    uint64_t v = fill;
    __asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                     : "+r"(v)
                     : "r"(a)
                     : "memory");
    return v;
}
static inline void priv_sd(uintptr_t a, uint64_t v) {
    __asm__ volatile(".option push\n.option norvc\nsd %1, 0(%0)\n.option pop" ::"r"(a), "r"(v)
                     : "memory");
}
static inline uint64_t priv_amoadd(uintptr_t a, uint64_t v, uint64_t fill) {
    uint64_t old = fill;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "+r"(old) : "r"(a), "r"(v) : "memory");
    return old;
}
// Calls the code at pc (which returns a value in a0); after a fetch fault the handler resumes
// at ra, so the result is `fill`.
static inline long priv_exec(uintptr_t pc, long fill) {
    register long a0 __asm__("a0") = fill;
    __asm__ volatile("jalr ra, 0(%1)"
                     : "+r"(a0)
                     : "r"(pc)
                     : "ra", "t0", "t1", "t2", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t3", "t4",
                       "t5", "t6", "memory");
    return a0;
}

// ---- U-mode routines (priv_user.S) --------------------------------------------------------
// Whole pages of position-independent U code: map [priv_user_start, priv_user_end) for U at
// some va and enter a routine at va + (routine - priv_user_start) with priv_jump.
extern char priv_user_start[], priv_user_end[];
extern char user_load[], user_store[], user_amoadd[], user_exec[], user_lrsc_increment[],
    user_ecall[];
static inline uintptr_t priv_user_va(uintptr_t base, const char *routine) {
    return base + (uintptr_t)(routine - priv_user_start);
}

// ---- Checks ------------------------------------------------------------------------------
// "ok N name" or "FAIL N name: got .. want ..".
int check(const char *name, uint64_t got, uint64_t want);
// One trap since priv_traps_reset(), taken at `level`, from `from`, with cause and tval
// (tval PRIV_ANY: not compared).
#define PRIV_ANY (~0UL - 0x1234)
int check_trap(const char *name, int level, int from, uint64_t cause, uint64_t tval);
// No trap since priv_traps_reset().
int check_no_trap(const char *name);
// Prints "N passed, M failed" and exits with 0 if none failed, 1 otherwise.
void priv_finish(void) __attribute__((noreturn));

#endif
