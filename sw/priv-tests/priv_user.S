/* SPDX-License-Identifier: Apache-2.0 */
/* U-mode routines for the paging tests. They sit alone in whole pages (the section starts and
   ends on a page boundary), so a test can map these pages for U at any virtual address; they
   use no absolute address and no stack. Each is entered with priv_jump(PRV_U, va, a0, a1) and
   ends with the exit ecall (a7 = PRIV_EXIT, result in a0). A trapping instruction is always
   4 bytes long (the handlers skip 4); after a fetch fault the handlers resume at ra. */
    .option norvc
#define PRIV_EXIT 0x505249
.macro exit
    li a7, PRIV_EXIT
    ecall
.endm

    .section .text.priv_user, "ax", @progbits
    .balign 4096
    .globl priv_user_start
priv_user_start:

/* a0 = address, a1 = value if the load traps: returns the loaded value. */
    .globl user_load
user_load:
    mv t0, a0
    mv a0, a1
    ld a0, 0(t0)
    exit

/* a0 = address, a1 = value: stores it, returns 0. */
    .globl user_store
user_store:
    sd a1, 0(a0)
    li a0, 0
    exit

/* a0 = address, a1 = value: amoadd.d, returns the old value (-1 if it trapped). */
    .globl user_amoadd
user_amoadd:
    mv t0, a0
    li a0, -1
    amoadd.d a0, a1, (t0)
    exit

/* a0 = code address, a1 = value if the fetch traps: calls it, returns its a0. */
    .globl user_exec
user_exec:
    mv t0, a0
    mv a0, a1
    jalr ra, 0(t0)
    exit

/* a0 = address: lr.d / add 1 / sc.d until the sc succeeds; returns the number of sc.d that
   failed. */
    .globl user_lrsc_increment
user_lrsc_increment:
    mv t0, a0
    li a0, 0
1:  lr.d t1, (t0)
    addi t1, t1, 1
    sc.d t2, t1, (t0)
    beqz t2, 2f
    addi a0, a0, 1
    j 1b
2:  exit

/* ecall (a7 = 0), then the exit ecall with a0 = 0. */
    .globl user_ecall
user_ecall:
    li a7, 0
    ecall
    li a0, 0
    exit

    .balign 4096
    .globl priv_user_end
priv_user_end:
