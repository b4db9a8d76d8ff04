/* SPDX-License-Identifier: Apache-2.0 */
/* The S-mode side of compute-user: runs a U program under Sv39 and takes its traps. It sits
   alone in whole pages (the section starts and ends on a page boundary), so the page tables
   can give these pages to S while every other page of the image is a U page: S may not
   execute U pages, and the U program (compute.c with picolibc) lies all over the image.
   No absolute address is used; the saved state lives in the same pages.

   long priv_kernel_run_user(uint64_t satp, uintptr_t pc, long a0, long a1, uintptr_t sp):
   called in S with satp = Bare (from code at the identity address); switches to `satp`, enters
   U at pc with a0, a1 and sp, and returns at the first trap from U (every exception from U
   must be delegated to S) with satp = Bare again and U's a0. priv_kernel_last tells what the
   trap was: an exit ecall (cause 8, a7 = PRIV_EXIT) or anything else. */
    .option arch, +zicsr
    .option norvc
#define PRIV_EXIT 0x505249

    .section .text.priv_kernel, "ax", @progbits
    .balign 4096
    .globl priv_kernel_start
priv_kernel_start:

    .globl priv_kernel_run_user
priv_kernel_run_user:
    lla t0, saved
    sd ra, 0(t0)
    sd sp, 8(t0)
    sd s0, 16(t0)
    sd s1, 24(t0)
    sd s2, 32(t0)
    sd s3, 40(t0)
    sd s4, 48(t0)
    sd s5, 56(t0)
    sd s6, 64(t0)
    sd s7, 72(t0)
    sd s8, 80(t0)
    sd s9, 88(t0)
    sd s10, 96(t0)
    sd s11, 104(t0)
    sd gp, 112(t0)
    sd tp, 120(t0)
    csrr t1, stvec
    sd t1, 128(t0)
    lla t1, from_user
    csrw stvec, t1
    csrw sepc, a1
    li t1, 0x120            /* SPP = U, SPIE = 0 */
    csrc sstatus, t1
    csrw satp, a0
    sfence.vma
    mv a0, a2
    mv a1, a3
    mv sp, a4
    li ra, 0
    sret

    .balign 4
from_user:
    lla t0, priv_kernel_last
    csrr t1, scause
    sd t1, 0(t0)
    csrr t1, sepc
    sd t1, 8(t0)
    csrr t1, stval
    sd t1, 16(t0)
    sd a0, 24(t0)
    sd a7, 32(t0)
    csrw satp, zero
    sfence.vma
    lla t0, saved
    ld t1, 128(t0)
    csrw stvec, t1
    ld ra, 0(t0)
    ld sp, 8(t0)
    ld s0, 16(t0)
    ld s1, 24(t0)
    ld s2, 32(t0)
    ld s3, 40(t0)
    ld s4, 48(t0)
    ld s5, 56(t0)
    ld s6, 64(t0)
    ld s7, 72(t0)
    ld s8, 80(t0)
    ld s9, 88(t0)
    ld s10, 96(t0)
    ld s11, 104(t0)
    ld gp, 112(t0)
    ld tp, 120(t0)
    ret

    .balign 8
saved:
    .zero 136
    .globl priv_kernel_last
priv_kernel_last:           /* cause, epc, tval, a0, a7 of the trap that ended the run */
    .zero 40

    .balign 4096
    .globl priv_kernel_end
priv_kernel_end:
