// SPDX-License-Identifier: Apache-2.0
// Asks the finisher for a reset once, leaving a mark in RAM the ELF does not cover; after the
// reboot it finds the mark and exits 0.
#include "pmemvp.h"
#include <stdio.h>

#define MARK_ADDRESS (PMEMVP_RAM + 0x00f00000) // 15 MiB into RAM, beyond the program
#define MARK 0x5245424f4f54UL                  // "REBOOT"

int main(void) {
    volatile uint64_t *mark = (volatile uint64_t *)MARK_ADDRESS;
    if (*mark != MARK) {
        printf("first boot: requesting a reset\n");
        *mark = MARK;
        mmio_write32(PMEMVP_FINISHER, 0x7777);
        for (;;)
            ;
    }
    printf("second boot: found the mark\n");
    *mark = 0;
    return 0;
}
