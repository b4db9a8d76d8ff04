// SPDX-License-Identifier: Apache-2.0
#include "pmemvp.h"
#include <stdio.h>

extern void pmemvp_trap_entry(void);
static trap_handler current_handler;

void pmemvp_set_trap_handler(trap_handler handler) { current_handler = handler; }

// Called by trap_entry.S with the saved registers.
void pmemvp_trap(struct trap_frame *frame) {
    if (current_handler && current_handler(frame))
        return;
    printf("unhandled trap: mcause 0x%lx mepc 0x%lx mtval 0x%lx\n", (unsigned long)frame->mcause,
           (unsigned long)frame->mepc, (unsigned long)frame->mtval);
    pmemvp_exit(0x7f);
}

// Install the trap vector before main().
static void __attribute__((constructor)) install_trap_vector(void) {
    csr_write(mtvec, (uintptr_t)&pmemvp_trap_entry);
}
