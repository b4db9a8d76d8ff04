// SPDX-License-Identifier: Apache-2.0
// stdout/stderr on the 16550 UART, for picolibc's stdio.
#include "pmemvp.h"
#include <stdio.h>

static int uart_putc(char c, FILE *file) {
    (void)file;
    while (!(mmio_read8(PMEMVP_UART + 5) & 0x20)) // LSR: transmitter holding register empty
        ;
    mmio_write8(PMEMVP_UART, (uint8_t)c);
    return (unsigned char)c;
}

static FILE uart_stream = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stream;
FILE *const stdout = &uart_stream;
FILE *const stderr = &uart_stream;
