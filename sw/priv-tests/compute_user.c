// SPDX-License-Identifier: Apache-2.0
// The sw/compute kernel run from U mode under Sv39 paging: the benchmark with translation on.
// M sets up PMP and delegation and enters S; S (the runtime's priv_kernel.S plus the page
// tables below) maps the image and the devices for U, switches satp and runs compute.c's main
// in U, where it prints its checksum line through the UART itself. The output and the exit
// status are compute.elf's.
//
// Mapping: devices (0..1 GiB) as one 1 GiB U page, read-write; the first 2 MiB of RAM (code
// and read-only data) as 4 KiB U pages, read-write-execute, except the pages of
// priv_kernel.S, which are S pages; the next 6 MiB (data, bss, heap, stack) as 2 MiB U pages.
#include "priv.h"
#include <stdio.h>

#define main compute_main
#include "../compute/compute.c"
#undef main

struct priv_kernel_exit {
    uint64_t cause, epc, tval, a0, a7;
};
extern volatile struct priv_kernel_exit priv_kernel_last;
extern char priv_kernel_start[], priv_kernel_end[];
long priv_kernel_run_user(uint64_t satp, uintptr_t pc, long a0, long a1, uintptr_t sp);

#define IMAGE_SIZE 0x800000UL // the link map: 2 MiB of code, 6 MiB of data (riscv64-picolibc.cmake)
static uint8_t user_stack[32768] __attribute__((aligned(16)));

static long user_main(long unused) {
    (void)unused;
    return compute_main();
}

static long s_main(long unused) {
    (void)unused;
    uint64_t *root = priv_pt_alloc();
    priv_pt_map(root, 0, 0, PTE_LEVEL_1G, PTE_RW | PTE_U);
    for (uintptr_t va = PMEMVP_RAM; va < PMEMVP_RAM + 0x200000; va += PAGE_SIZE) {
        const int kernel = va >= (uintptr_t)priv_kernel_start && va < (uintptr_t)priv_kernel_end;
        priv_pt_map(root, va, va, PTE_LEVEL_4K, PTE_RWX | (kernel ? 0 : PTE_U));
    }
    for (uintptr_t va = PMEMVP_RAM + 0x200000; va < PMEMVP_RAM + IMAGE_SIZE; va += 0x200000)
        priv_pt_map(root, va, va, PTE_LEVEL_2M, PTE_RWX | PTE_U);
    const long status =
        priv_kernel_run_user(priv_satp(root, 0), (uintptr_t)priv_trampoline, (long)user_main, 0,
                             (uintptr_t)user_stack + sizeof user_stack);
    if (priv_kernel_last.cause != CAUSE_ECALL_U || priv_kernel_last.a7 != PRIV_EXIT) {
        printf("compute-user: U stopped by trap cause 0x%lx at 0x%lx, tval 0x%lx\n",
               (unsigned long)priv_kernel_last.cause, (unsigned long)priv_kernel_last.epc,
               (unsigned long)priv_kernel_last.tval);
        return 0x70;
    }
    return status;
}

int main(void) {
    priv_init();
    // Every exception U can raise goes to S (all but the ecalls from S and M).
    csr_write(medeleg,
              0xffffUL & ~(1UL << CAUSE_ECALL_S | 1UL << 10 | 1UL << CAUSE_ECALL_M | 1UL << 14));
    const long status = priv_call(PRV_S, s_main, 0);
    fflush(stdout);
    return (int)status;
}
