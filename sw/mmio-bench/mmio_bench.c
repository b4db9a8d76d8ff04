// SPDX-License-Identifier: Apache-2.0
// MMIO cost: 1,000,000 reads of the UART's line status register (a b_transport each). Built
// a second time with RAM_ONLY, reading RAM instead, so that the difference in wall time of the
// two runs is the cost of the MMIO path.
#include "pmemvp.h"
#include <stdio.h>

static volatile uint8_t ram_byte = 0x60;

int main(void) {
#ifdef RAM_ONLY
    const uintptr_t where = (uintptr_t)&ram_byte;
#else
    const uintptr_t where = PMEMVP_UART + 5;
#endif
    unsigned sum = 0;
    for (int i = 0; i < 1000000; ++i)
        sum += mmio_read8(where);
    printf("%u\n", sum);
    return 0;
}
