/* SPDX-License-Identifier: Apache-2.0 */
/* Entry of an S-mode payload started by SBI firmware (OpenSBI fw_jump jumps here, at
   0x80200000, with a0 = hart id and a1 = the device tree). */
    .section .text.sbi_entry
    .globl sbi_entry
sbi_entry:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, sbi_stack_top
    tail sbi_main

    .bss
    .balign 16
    .space 16384
sbi_stack_top:
