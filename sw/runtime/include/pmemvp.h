// SPDX-License-Identifier: Apache-2.0
// The pmemvp guest runtime: platform addresses, MMIO and CSR helpers, exit, trap handling.
#ifndef PMEMVP_H
#define PMEMVP_H
#include <stdint.h>

#define PMEMVP_FINISHER 0x00100000UL
#define PMEMVP_CLINT 0x02000000UL
#define PMEMVP_CLINT_MTIMECMP (PMEMVP_CLINT + 0x4000)
#define PMEMVP_CLINT_MTIME (PMEMVP_CLINT + 0xbff8)
#define PMEMVP_PLIC 0x0c000000UL
#define PMEMVP_UART 0x10000000UL
#define PMEMVP_RAM 0x80000000UL

static inline uint8_t mmio_read8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline uint64_t mmio_read64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

// picolibc's multilib needs plain rv64imac, so Zicsr is switched on around each CSR access.
#define csr_read(csr)                                                                          \
    ({                                                                                         \
        unsigned long v_;                                                                      \
        __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, " #csr "\n.option pop" \
                         : "=r"(v_));                                                          \
        v_;                                                                                    \
    })
#define csr_write(csr, val)                                                                    \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrw " #csr ", %0\n.option pop"     \
                     ::"r"((unsigned long)(val)))
#define csr_set(csr, val)                                                                      \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrs " #csr ", %0\n.option pop"     \
                     ::"r"((unsigned long)(val)))
#define csr_clear(csr, val)                                                                    \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrc " #csr ", %0\n.option pop"     \
                     ::"r"((unsigned long)(val)))

#define MSTATUS_MIE (1UL << 3)
#define MIE_MTIE (1UL << 7)
#define MCAUSE_INTERRUPT (1UL << 63)

// Registers saved by the trap entry; a handler may change them (mepc to skip an instruction).
struct trap_frame {
    uint64_t x[32];
    uint64_t mepc, mcause, mtval;
};

// Called for every trap; returns nonzero if it handled it. Without one (or when it returns 0)
// the runtime prints the trap and exits with status 0x7f.
typedef int (*trap_handler)(struct trap_frame *frame);
void pmemvp_set_trap_handler(trap_handler handler);

// What the boot ROM passed at the entry point.
struct pmemvp_boot_args {
    uint64_t hart_id;
    uint64_t device_tree; // 0: none
    uint64_t acpi_rsdp;   // 0: none
};
extern struct pmemvp_boot_args pmemvp_boot_args;

// Ends the run through the test finisher: 0 passes, anything else fails with that status.
void pmemvp_exit(int status) __attribute__((noreturn));

#endif
