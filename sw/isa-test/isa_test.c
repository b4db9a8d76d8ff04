// SPDX-License-Identifier: Apache-2.0
// ISA self-checks: every instruction class of RV64IMAC + Zicsr + Zifencei, compressed forms,
// M corner cases, AMOs and LR/SC, CSR access rules and traps. Prints one line per check and
// exits with the number of failures. Runs identically on pmemvp and on QEMU virt.
#include "pmemvp.h"
#include <stdio.h>

static int failures, checks;

static void check(const char *name, uint64_t got, uint64_t want) {
    ++checks;
    if (got == want) {
        printf("ok %s\n", name);
    } else {
        ++failures;
        printf("FAIL %s: got 0x%lx want 0x%lx\n", name, (unsigned long)got, (unsigned long)want);
    }
}

#define R(insn, a, b)                                                                          \
    ({                                                                                         \
        uint64_t r_;                                                                           \
        __asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
        r_;                                                                                    \
    })
#define I(insn, a, imm)                                                                        \
    ({                                                                                         \
        uint64_t r_;                                                                           \
        __asm__ volatile(insn " %0, %1, " #imm : "=r"(r_) : "r"((uint64_t)(a)));               \
        r_;                                                                                    \
    })
#define BR(insn, a, b)                                                                         \
    ({                                                                                         \
        uint64_t r_;                                                                           \
        __asm__ volatile("li %0, 1\n" insn " %1, %2, 1f\nli %0, 0\n1:"                         \
                         : "=&r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)));               \
        r_;                                                                                    \
    })

static void test_integer(void) {
    check("add", R("add", 0x7fffffffffffffffUL, 1), 0x8000000000000000UL);
    check("sub", R("sub", 0, 1), ~0UL);
    check("sll", R("sll", 1, 65), 2); // only the low 6 bits of the amount count
    check("srl", R("srl", 0x8000000000000000UL, 63), 1);
    check("sra", R("sra", 0x8000000000000000UL, 63), ~0UL);
    check("slt", R("slt", -1L, 0), 1);
    check("sltu", R("sltu", -1L, 0), 0);
    check("xor/or/and", R("xor", 0xf0f0, 0xff00) | R("or", 1, 2) << 32 | R("and", 6, 3) << 40,
          (0xf0f0UL ^ 0xff00) | 3UL << 32 | 2UL << 40);
    check("addi", I("addi", 5, -6), ~0UL);
    check("slti", I("slti", -5, -4), 1);
    check("sltiu", I("sltiu", 5, -1), 1); // the immediate is sign-extended, compared unsigned
    check("xori", I("xori", 0x0f, -1), ~0x0fUL);
    check("ori/andi", I("ori", 0x100, 0x0ff) + I("andi", 0xfff, 0x0f0), 0x1ff + 0xf0);
    check("slli/srli/srai", I("slli", 1, 63) + I("srli", ~0UL, 60) + I("srai", -16L, 2),
          0x8000000000000000UL + 15 - 4);
    check("addw", R("addw", 0x7fffffff, 1), 0xffffffff80000000UL);
    check("subw", R("subw", 0, 1), ~0UL);
    check("sllw", R("sllw", 1, 31), 0xffffffff80000000UL);
    check("srlw", R("srlw", 0xffffffff80000000UL, 31), 1);
    check("sraw", R("sraw", 0x80000000UL, 4), 0xfffffffff8000000UL);
    check("addiw", I("addiw", 0xffffffffUL, 1), 0);
    check("slliw/srliw/sraiw", I("slliw", 3, 30) ^ I("srliw", 0x80000000UL, 4) ^ I("sraiw", 0x80000000UL, 4),
          0xffffffffc0000000UL ^ 0x08000000UL ^ 0xfffffffff8000000UL);
    uint64_t lui, auipc_delta;
    __asm__ volatile("lui %0, 0x80000" : "=r"(lui));
    check("lui sign-extends", lui, 0xffffffff80000000UL);
    __asm__ volatile("1: auipc %0, 1\n la t0, 1b\n sub %0, %0, t0" : "=r"(auipc_delta)::"t0");
    check("auipc", auipc_delta, 0x1000);
}

static void test_branches(void) {
    check("beq", BR("beq", 3, 3) + 2 * BR("beq", 3, 4), 1);
    check("bne", BR("bne", 3, 4) + 2 * BR("bne", 3, 3), 1);
    check("blt", BR("blt", -1L, 0) + 2 * BR("blt", 0, -1L), 1);
    check("bge", BR("bge", 0, -1L) + 2 * BR("bge", -1L, 0) + 4 * BR("bge", 7, 7), 5);
    check("bltu", BR("bltu", 0, -1L) + 2 * BR("bltu", -1L, 0), 1);
    check("bgeu", BR("bgeu", -1L, 0) + 2 * BR("bgeu", 0, -1L), 1);
    uint64_t link, target;
    __asm__ volatile("jal %0, 1f\n 2: nop\n1: la %1, 2b" : "=r"(link), "=r"(target));
    check("jal links", link, target);
    __asm__ volatile("la t0, 1f\n addi t0, t0, 1\n jalr %0, 0(t0)\n nop\n 1: la %1, 1b"
                     : "=r"(link), "=r"(target)::"t0");
    check("jalr clears bit 0", target - link, 2); // link points after jalr, before the nop
}

static void test_memory(void) {
    static volatile uint64_t mem[4];
    mem[0] = 0x8081828384858687UL;
    volatile uint8_t *b = (volatile uint8_t *)mem;
    check("lb sign-extends", (uint64_t)(int64_t)(int8_t)b[0], 0xffffffffffffff87UL);
    uint64_t v;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(mem));
    check("lb", v, 0xffffffffffffff87UL);
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(mem));
    check("lbu", v, 0x87);
    __asm__ volatile("lh %0, 2(%1)" : "=r"(v) : "r"(mem));
    check("lh", v, 0xffffffffffff8485UL);
    __asm__ volatile("lhu %0, 2(%1)" : "=r"(v) : "r"(mem));
    check("lhu", v, 0x8485);
    __asm__ volatile("lw %0, 4(%1)" : "=r"(v) : "r"(mem));
    check("lw", v, 0xffffffff80818283UL);
    __asm__ volatile("lwu %0, 4(%1)" : "=r"(v) : "r"(mem));
    check("lwu", v, 0x80818283UL);
    __asm__ volatile("sb %1, 8(%0)\n sh %1, 10(%0)\n sw %1, 12(%0)\n sd %1, 16(%0)"
                     ::"r"(mem), "r"(0x1122334455667788UL) : "memory");
    check("sb/sh/sw", mem[1], 0x5566778877880088UL);
    check("sd", mem[2], 0x1122334455667788UL);
}

static void test_muldiv(void) {
    const int64_t min = (int64_t)0x8000000000000000UL;
    check("mul", R("mul", -3L, 7), (uint64_t)-21L);
    check("mulh", R("mulh", min, min), 0x4000000000000000UL);
    check("mulh neg", R("mulh", -1L, 1), ~0UL);
    check("mulhsu", R("mulhsu", -1L, ~0UL), ~0UL);
    check("mulhu", R("mulhu", ~0UL, ~0UL), ~0UL - 1);
    check("div", R("div", -7L, 2), (uint64_t)-3L);
    check("div by zero", R("div", 5, 0), ~0UL);
    check("div overflow", R("div", min, -1L), (uint64_t)min);
    check("divu by zero", R("divu", 5, 0), ~0UL);
    check("rem", R("rem", -7L, 2), (uint64_t)-1L);
    check("rem by zero", R("rem", 5, 0), 5);
    check("rem overflow", R("rem", min, -1L), 0);
    check("remu by zero", R("remu", 5, 0), 5);
    check("mulw", R("mulw", 0x10000, 0x10000), 0);
    check("divw", R("divw", 0x80000000UL, -1L), 0xffffffff80000000UL);
    check("divw by zero", R("divw", 5, 0), ~0UL);
    check("divuw", R("divuw", 0xffffffffUL, 2), 0x7fffffff);
    check("divuw by zero", R("divuw", 5, 0), ~0UL);
    check("remw", R("remw", -7L, 2), ~0UL);
    check("remw overflow", R("remw", 0x80000000UL, -1L), 0);
    check("remuw by zero", R("remuw", 0x80000005UL, 0), 0xffffffff80000005UL);
}

static void test_atomics(void) {
    static uint64_t word[2] = {5, 0};
    uint64_t old;
#define AMO(insn, operand)                                                                     \
    ({                                                                                         \
        __asm__ volatile(insn " %0, %1, (%2)" : "=r"(old) : "r"((uint64_t)(operand)), "r"(word) \
                         : "memory");                                                          \
        old;                                                                                   \
    })
    check("amoswap.d", AMO("amoswap.d", 9), 5);
    check("amoadd.d", AMO("amoadd.d", 1), 9);
    check("amoxor.d", AMO("amoxor.d", 0xf), 10);
    check("amoand.d", AMO("amoand.d", 0x3), 5);
    check("amoor.d", AMO("amoor.d", 0x8), 1);
    check("amomin.d", AMO("amomin.d", -1L), 9);
    check("amomax.d", AMO("amomax.d", 3), ~0UL);
    check("amominu.d", AMO("amominu.d", ~0UL), 3);
    check("amomaxu.d", AMO("amomaxu.d", ~0UL), 3);
    check("amo result", word[0], ~0UL);
    word[0] = 0x00000000ffffffffUL;
    check("amoadd.w sign-extends", AMO("amoadd.w", 1), ~0UL);
    check("amoadd.w wraps", word[0], 0);
    check("amomin.w", AMO("amomin.w", 0x80000000UL), 0);
    check("amomaxu.w", AMO("amomaxu.w", 1), 0xffffffff80000000UL);
    check("amoswap.w", AMO("amoswap.w", 7), 0xffffffff80000000UL);
    check("amoxor.w/amoand.w/amoor.w", AMO("amoxor.w", 1) + AMO("amoand.w", 2) + AMO("amoor.w", 1), 7 + 6 + 2);
    check("amominu.w/amomax.w", AMO("amominu.w", 1) + AMO("amomax.w", -2L), 3 + 1);
    uint64_t fail, value;
    __asm__ volatile("lr.d %1, (%2)\n sc.d %0, %3, (%2)" : "=&r"(fail), "=&r"(value)
                     : "r"(word), "r"(42UL) : "memory");
    check("lr.d/sc.d succeed", fail, 0);
    check("sc.d stored", word[0], 42);
    __asm__ volatile("lr.w %1, (%2)\n sc.w %0, %3, (%2)" : "=&r"(fail), "=&r"(value)
                     : "r"(word), "r"(0x80000000UL) : "memory");
    check("lr.w/sc.w succeed", fail, 0);
    __asm__ volatile("lr.w %0, (%1)" : "=r"(value) : "r"(word) : "memory");
    check("lr.w sign-extends", value, 0xffffffff80000000UL);
    __asm__ volatile("sc.w %0, %1, (%2)" : "=r"(fail) : "r"(1UL), "r"(word) : "memory");
    __asm__ volatile("sc.w %0, %1, (%2)" : "=r"(fail) : "r"(1UL), "r"(word) : "memory");
    check("sc.w without a reservation fails", fail, 1);
}

static void test_compressed(void) {
    register uint64_t a __asm__("a4") = 5; // c.srli needs one of x8..x15
    const uint64_t b = 3;
    __asm__ volatile(".option push\n.option rvc\n"
                     "c.addi %0, -2\n c.slli %0, 4\n c.srli %0, 1\n c.addiw %0, 1\n"
                     ".option pop" : "+r"(a));
    check("c.addi/c.slli/c.srli/c.addiw", a, 25);
    register uint64_t s0 __asm__("s0") = 0x70, s1 __asm__("s1") = 0x0f;
    __asm__ volatile(".option push\n.option rvc\n"
                     "c.and %0, %1\n c.or %0, %1\n c.xor %0, %1\n c.sub %0, %1\n c.addw %0, %1\n"
                     "c.subw %0, %1\n c.andi %0, -1\n c.srai %0, 1\n .option pop"
                     : "+r"(s0) : "r"(s1));
    check("c.and/or/xor/sub/addw/subw/andi/srai", s0, (uint64_t)-8L);
    uint64_t li, lui;
    __asm__ volatile(".option push\n.option rvc\n c.li %0, -7\n c.lui %1, 0x1f\n.option pop"
                     : "=r"(li), "=r"(lui));
    check("c.li", li, (uint64_t)-7L);
    check("c.lui", lui, 0x1f000);
    uint64_t mv, add;
    __asm__ volatile(".option push\n.option rvc\n c.mv %0, %2\n c.mv %1, %2\n c.add %1, %2\n.option pop"
                     : "=&r"(mv), "=&r"(add) : "r"(b));
    check("c.mv/c.add", mv * 100 + add, 306);
    static uint64_t slot[2] = {0x1122334455667788UL, 0};
    register uint64_t *p __asm__("a0") = slot;
    register uint64_t v __asm__("a1");
    register uint64_t w __asm__("a2");
    __asm__ volatile(".option push\n.option rvc\n c.ld %0, 0(%2)\n c.lw %1, 4(%2)\n"
                     "c.sd %0, 8(%2)\n c.sw %1, 8(%2)\n .option pop"
                     : "=&r"(v), "=&r"(w) : "r"(p) : "memory");
    const uint64_t loaded_d = v, loaded_w = w; // a1/a2 are argument registers: copy first
    check("c.ld", loaded_d, 0x1122334455667788UL);
    check("c.lw", loaded_w, 0x11223344);
    check("c.sd/c.sw", slot[1], 0x1122334411223344UL);
    register uint64_t z __asm__("a3") = 0;
    uint64_t taken;
    __asm__ volatile(".option push\n.option rvc\n li %0, 0\n c.beqz %1, 1f\n li %0, 9\n"
                     "1: c.bnez %1, 2f\n addi %0, %0, 1\n c.j 3f\n 2: li %0, 99\n 3:\n.option pop"
                     : "=&r"(taken) : "r"(z));
    check("c.beqz/c.bnez/c.j", taken, 1);
}

// Trap checks: the handler records the trap and skips the instruction.
static volatile uint64_t trap_cause, trap_tval, trap_epc, trap_count;
static int record_trap(struct trap_frame *f) {
    trap_cause = f->mcause;
    trap_tval = f->mtval;
    trap_epc = f->mepc;
    ++trap_count;
    const uint16_t low = *(volatile uint16_t *)f->mepc;
    f->mepc += (low & 3) == 3 ? 4 : 2;
    return 1;
}

static void test_csrs_and_traps(void) {
    pmemvp_set_trap_handler(record_trap);
    csr_write(mscratch, 0x1234);
    csr_set(mscratch, 0x10000);
    csr_clear(mscratch, 0x4);
    check("mscratch csrw/csrs/csrc", csr_read(mscratch), 0x11230);
    uint64_t old;
    __asm__ volatile(".option push\n.option arch, +zicsr\n csrrwi %0, mscratch, 5\n"
                     " csrrsi x0, mscratch, 8\n csrrci x0, mscratch, 1\n .option pop"
                     : "=r"(old));
    check("csrrwi returns the old value", old, 0x11230);
    check("csrrsi/csrrci", csr_read(mscratch), 12);
    const uint64_t i0 = csr_read(minstret);
    const uint64_t i1 = csr_read(minstret);
    check("minstret counts", i1 - i0, 1);
    check("mhartid", csr_read(mhartid), 0);

    uint64_t here;
    __asm__ volatile("la %0, 1f\n 1: ecall" : "=r"(here));
    check("ecall cause", trap_cause, 11);
    check("ecall mepc", trap_epc, here);
    __asm__ volatile("la %0, 1f\n 1: ebreak" : "=r"(here));
    check("ebreak cause", trap_cause, 3);
    __asm__ volatile(".insn i 0x0b, 0, x0, x0, 0"); // custom-0: no such instruction
    check("illegal instruction cause", trap_cause, 2);
    check("illegal instruction mtval", trap_tval, 0x0000000b);
    trap_count = 0;
    __asm__ volatile(".option push\n.option arch, +zicsr\n csrw mhartid, zero\n .option pop");
    check("write to a read-only CSR traps", trap_count * 16 + trap_cause, 16 + 2);
    __asm__ volatile(".option push\n.option arch, +zicsr\n csrr t0, 0x7ff\n .option pop" ::: "t0");
    check("unknown CSR traps", trap_cause, 2);

    static uint64_t word[2];
    __asm__ volatile("amoadd.w zero, zero, (%0)" ::"r"((uintptr_t)word + 2) : "memory");
    // The privileged spec says store/AMO address misaligned (6); QEMU 7.2 reports load address
    // misaligned (4). Both are accepted so the test runs identically on both.
    check("misaligned AMO cause (6, or 4 on QEMU)", trap_cause == 4 ? 6 : trap_cause, 6);
    check("misaligned AMO mtval", trap_tval, (uintptr_t)word + 2);

    const uintptr_t nowhere = 0x18000000UL; // nothing is mapped there, on pmemvp or QEMU virt
    trap_count = 0;
    (void)mmio_read32(nowhere);
    check("load access fault cause", trap_count * 16 + trap_cause, 16 + 5);
    check("load access fault mtval", trap_tval, nowhere);
    mmio_write32(nowhere + 8, 1);
    check("store access fault cause", trap_cause, 7);
    check("store access fault mtval", trap_tval, nowhere + 8);
    pmemvp_set_trap_handler(0);
}

static void test_fence_i(void) {
    // Patch an instruction, then fence.i: the new one must run.
    static uint32_t code[2] __attribute__((aligned(4)));
    code[0] = 0x00500513; // li a0, 5
    code[1] = 0x00008067; // ret
    __asm__ volatile(".option push\n.option arch, +zifencei\nfence.i\n.option pop" ::: "memory");
    uint64_t (*fn)(void) = (uint64_t(*)(void))(uintptr_t)code;
    const uint64_t first = fn();
    code[0] = 0x00700513; // li a0, 7
    __asm__ volatile(".option push\n.option arch, +zifencei\nfence.i\n.option pop" ::: "memory");
    check("fence.i makes new code visible", first * 10 + fn(), 57);
}

int main(void) {
    test_integer();
    test_branches();
    test_memory();
    test_muldiv();
    test_atomics();
    test_compressed();
    test_csrs_and_traps();
    test_fence_i();
    printf("%d checks, %d failed\n", checks, failures);
    return failures;
}
