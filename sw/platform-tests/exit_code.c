// SPDX-License-Identifier: Apache-2.0
// Exits through the test finisher with status 42.
#include <stdio.h>

int main(void) {
    printf("exiting with 42\n");
    return 42;
}
