/* SPDX-License-Identifier: Apache-2.0 */
/* Trap entries of the priv-tests runtime and the mode switches.
   M: mtvec = priv_mtrap_entry (direct); mscratch holds the top of the M trap stack.
   S: stvec = priv_strap_entry (direct) or priv_svec_table | 1 (vectored); sscratch holds the
   top of the S trap stack. Each entry saves a struct priv_frame on its stack and calls
   priv_trap(frame, level); the frame's epc and status are written back before the xRET. */
    .option arch, +zicsr
    .option norvc

#define FRAME 304 /* sizeof(struct priv_frame) */
#define EPC 256
#define CAUSE 264
#define TVAL 272
#define STATUS 280
#define VECTOR 288
#define PRIV_EXIT 0x505249

.macro save_regs_but_t0
    sd x1, 8(sp)
    sd x3, 24(sp)
    sd x4, 32(sp)
    sd x6, 48(sp)
    sd x7, 56(sp)
    sd x8, 64(sp)
    sd x9, 72(sp)
    sd x10, 80(sp)
    sd x11, 88(sp)
    sd x12, 96(sp)
    sd x13, 104(sp)
    sd x14, 112(sp)
    sd x15, 120(sp)
    sd x16, 128(sp)
    sd x17, 136(sp)
    sd x18, 144(sp)
    sd x19, 152(sp)
    sd x20, 160(sp)
    sd x21, 168(sp)
    sd x22, 176(sp)
    sd x23, 184(sp)
    sd x24, 192(sp)
    sd x25, 200(sp)
    sd x26, 208(sp)
    sd x27, 216(sp)
    sd x28, 224(sp)
    sd x29, 232(sp)
    sd x30, 240(sp)
    sd x31, 248(sp)
.endm

.macro restore_regs_but_sp
    ld x1, 8(sp)
    ld x3, 24(sp)
    ld x4, 32(sp)
    ld x5, 40(sp)
    ld x6, 48(sp)
    ld x7, 56(sp)
    ld x8, 64(sp)
    ld x9, 72(sp)
    ld x10, 80(sp)
    ld x11, 88(sp)
    ld x12, 96(sp)
    ld x13, 104(sp)
    ld x14, 112(sp)
    ld x15, 120(sp)
    ld x16, 128(sp)
    ld x17, 136(sp)
    ld x18, 144(sp)
    ld x19, 152(sp)
    ld x20, 160(sp)
    ld x21, 168(sp)
    ld x22, 176(sp)
    ld x23, 184(sp)
    ld x24, 192(sp)
    ld x25, 200(sp)
    ld x26, 208(sp)
    ld x27, 216(sp)
    ld x28, 224(sp)
    ld x29, 232(sp)
    ld x30, 240(sp)
    ld x31, 248(sp)
.endm

    .section .text.priv_entry, "ax", @progbits

/* ---- M-mode trap entry ---- */
    .globl priv_mtrap_entry
    .balign 64
priv_mtrap_entry:
    csrrw sp, mscratch, sp
    addi sp, sp, -FRAME
    sd t0, 40(sp)
    save_regs_but_t0
    csrr t0, mscratch
    sd t0, 16(sp)
    csrr t0, mepc
    sd t0, EPC(sp)
    csrr t0, mcause
    sd t0, CAUSE(sp)
    csrr t0, mtval
    sd t0, TVAL(sp)
    csrr t0, mstatus
    sd t0, STATUS(sp)
    li t0, -1
    sd t0, VECTOR(sp)
    mv a0, sp
    li a1, 3
    call priv_trap
    ld t0, EPC(sp)
    csrw mepc, t0
    ld t0, STATUS(sp)
    csrw mstatus, t0
    addi t0, sp, FRAME
    csrw mscratch, t0
    restore_regs_but_sp
    ld sp, 16(sp)
    mret

/* ---- S-mode trap entries: direct, and the vectored table ---- */
    .globl priv_strap_entry
    .balign 64
priv_strap_entry:
    csrrw sp, sscratch, sp
    addi sp, sp, -FRAME
    sd t0, 40(sp)
    li t0, -1
    j priv_strap_common

    .globl priv_svec_table
    .balign 64
priv_svec_table:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j priv_svec_\n
    .endr
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
priv_svec_\n:
    csrrw sp, sscratch, sp
    addi sp, sp, -FRAME
    sd t0, 40(sp)
    li t0, \n
    j priv_strap_common
    .endr

priv_strap_common:
    sd t0, VECTOR(sp)
    save_regs_but_t0
    csrr t0, sscratch
    sd t0, 16(sp)
    csrr t0, sepc
    sd t0, EPC(sp)
    csrr t0, scause
    sd t0, CAUSE(sp)
    csrr t0, stval
    sd t0, TVAL(sp)
    csrr t0, sstatus
    sd t0, STATUS(sp)
    mv a0, sp
    li a1, 1
    call priv_trap
    ld t0, EPC(sp)
    csrw sepc, t0
    ld t0, STATUS(sp)
    csrw sstatus, t0
    addi t0, sp, FRAME
    csrw sscratch, t0
    restore_regs_but_sp
    ld sp, 16(sp)
    sret

/* ---- Mode switches ---- */
/* void priv_mret_to(uintptr_t pc, long a0, long a1, uintptr_t sp): mstatus.MPP set by the
   caller. */
    .globl priv_mret_to
priv_mret_to:
    csrw mepc, a0
    mv a0, a1
    mv a1, a2
    mv sp, a3
    li ra, 0
    mret

/* void priv_sret_to(uintptr_t pc, long a0, long a1, uintptr_t sp): sstatus.SPP set by the
   caller. */
    .globl priv_sret_to
priv_sret_to:
    csrw sepc, a0
    mv a0, a1
    mv a1, a2
    mv sp, a3
    li ra, 0
    sret

/* The trampoline: a0 = fn, a1 = arg. */
    .globl priv_trampoline
priv_trampoline:
    mv t0, a0
    mv a0, a1
    jalr t0
    li a7, PRIV_EXIT
    ecall
1:  j 1b

/* Reached with sret in S when an exit ecall meant for M was taken by the S handler: the
   exit ecall again, from S, with a0 kept. */
    .globl priv_exit_stub
priv_exit_stub:
    li a7, PRIV_EXIT
    ecall
1:  j 1b

/* Reached with mret in S when the M handler took the exit ecall of a run started in S:
   a0 = the jmp_buf of that run. */
    .globl priv_resume_stub
priv_resume_stub:
    li a1, 1
    tail longjmp
