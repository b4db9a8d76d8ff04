// SPDX-License-Identifier: Apache-2.0
// Waits for an interrupt that nothing will raise.
#include "pmemvp.h"

int main(void) {
    for (;;)
        __asm__ volatile("wfi");
}
