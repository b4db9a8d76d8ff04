// SPDX-License-Identifier: Apache-2.0
// A bare-metal S-mode payload for SBI firmware (Debian's OpenSBI fw_jump): it talks to the
// firmware only through SBI calls (the legacy console, TIME through rdtime, SRST) and prints
// what it was given, then asks the firmware to power the machine off. The firmware test boots
// it on pmemvp; the same ELF runs on qemu-system-riscv64 -M virt -bios fw_jump.elf.
#include <stdint.h>

struct sbiret {
    long error, value;
};

static struct sbiret sbi_call(long ext, long fid, long a0, long a1) {
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a6 __asm__("a6") = fid;
    register long r_a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a6), "r"(r_a7) : "memory");
    return (struct sbiret){r_a0, r_a1};
}

static void put_char(char c) { sbi_call(0x01, 0, c, 0); } // legacy console putchar
static void put_string(const char *s) {
    while (*s) put_char(*s++);
}
static void put_hex(uint64_t v) {
    put_string("0x");
    for (int shift = 60; shift >= 0; shift -= 4) put_char("0123456789abcdef"[(v >> shift) & 15]);
}

#define SBI_EXT_BASE 0x10
#define SBI_EXT_SRST 0x53525354

static uint64_t read_sstatus(void) {
    uint64_t v;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, sstatus\n.option pop" : "=r"(v));
    return v;
}

void sbi_main(uint64_t hart, uint64_t dtb) {
    put_string("sbi-payload: running in S mode, hart ");
    put_hex(hart);
    put_string(", device tree at ");
    put_hex(dtb);
    put_string("\n");
    // The device tree's magic, big-endian 0xd00dfeed.
    const uint32_t magic = *(volatile uint32_t *)(uintptr_t)dtb;
    put_string(magic == 0xedfe0dd0u ? "sbi-payload: device tree magic ok\n" : "sbi-payload: no device tree\n");
    const struct sbiret version = sbi_call(SBI_EXT_BASE, 0, 0, 0);
    put_string("sbi-payload: SBI specification version ");
    put_hex((uint64_t)version.value);
    put_string("\n");
    put_string((read_sstatus() & (1UL << 8)) == 0 ? "sbi-payload: sstatus readable\n" : "sbi-payload: sstatus SPP set\n");
    const struct sbiret srst = sbi_call(SBI_EXT_BASE, 3, SBI_EXT_SRST, 0); // probe_extension
    put_string(srst.value ? "sbi-payload: SRST present, shutting down\n" : "sbi-payload: no SRST\n");
    sbi_call(SBI_EXT_SRST, 0, 0 /* shutdown */, 0 /* no reason */);
    put_string("sbi-payload: still running after SRST\n");
    for (;;) __asm__ volatile("wfi");
}
