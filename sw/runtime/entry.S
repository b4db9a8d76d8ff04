/* SPDX-License-Identifier: Apache-2.0 */
/* The ELF entry: keep the boot arguments (a0 = hart id, a1 = device tree, a2 = ACPI RSDP),
   then run picolibc's crt0. crt0 clears .bss and copies .data from its load image, so the
   values are stored into the load image of pmemvp_boot_args: the copy carries them over. */
    .section .text.pmemvp_entry
    .globl pmemvp_entry
pmemvp_entry:
    .option push
    .option norelax
    la t0, pmemvp_boot_args
    la t1, __data_start
    sub t0, t0, t1
    la t1, __data_source
    add t0, t0, t1
    .option pop
    sd a0, 0(t0)
    sd a1, 8(t0)
    sd a2, 16(t0)
    j _start
