// SPDX-License-Identifier: Apache-2.0
#include "pmemvp.h"
#include <stdio.h>

int main(void) {
    printf("Hello from a RISC-V guest on pmemvp (hart %lu)\n", csr_read(mhartid));
    return 0;
}
