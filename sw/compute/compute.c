// SPDX-License-Identifier: Apache-2.0
// A deterministic compute benchmark: integer arithmetic, branches, loads and stores, and
// multiplication over a 256 KiB working set, in the spirit of CoreMark's kernels (list walk,
// matrix multiply, state machine, CRC). Prints a checksum; the instruction count is the
// workload.
#include "pmemvp.h"
#include <stdint.h>
#include <stdio.h>

#define N 64
static int32_t a[N][N], b[N][N], c[N][N];
static uint32_t table[256];
static uint8_t text[32768];
static struct node { struct node *next; uint32_t value; } nodes[4096];

static uint32_t lcg(uint32_t *s) { return *s = *s * 1103515245u + 12345u; }

static uint32_t crc32(const uint8_t *p, unsigned n, uint32_t crc) {
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t matrix(void) {
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            int32_t s = 0;
            for (int k = 0; k < N; ++k)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < N; ++i)
        h = h * 31 + (uint32_t)c[i][(i * 7) % N];
    return h;
}

static struct node *head;

static uint32_t walk(void) {
    uint32_t sum = 0;
    for (struct node *n = head; n; n = n->next)
        sum = (sum ^ n->value) + (n->value >> 3);
    return sum;
}

static uint32_t state_machine(void) {
    // Classifies the text as numbers, words and others: branch heavy.
    unsigned state = 0, counts[4] = {0};
    for (unsigned i = 0; i < sizeof text; ++i) {
        const uint8_t ch = text[i] & 0x7f;
        const int digit = ch >= '0' && ch <= '9', alpha = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
        switch (state) {
        case 0: state = digit ? 1 : alpha ? 2 : 0; break;
        case 1: if (!digit) { ++counts[1]; state = alpha ? 2 : 0; } break;
        case 2: if (!alpha) { ++counts[2]; state = digit ? 1 : 3; } break;
        default: ++counts[3]; state = 0; break;
        }
    }
    return counts[1] * 65599u + counts[2] * 31u + counts[3];
}

int main(void) {
    uint32_t seed = 1;
    for (unsigned i = 0; i < 256; ++i) {
        uint32_t r = i;
        for (int k = 0; k < 8; ++k)
            r = (r >> 1) ^ (0xedb88320u & -(r & 1));
        table[i] = r;
    }
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            a[i][j] = (int32_t)(lcg(&seed) >> 20) - 2048;
            b[i][j] = (int32_t)(lcg(&seed) >> 20) - 2048;
        }
    for (unsigned i = 0; i < sizeof text; ++i)
        text[i] = (uint8_t)(lcg(&seed) >> 24);
    // A list threaded through the array in a scattered order: i -> (i * 1103 + 17) mod 4096
    // is a permutation, since 1103 is odd.
    for (unsigned i = 0; i < 4096; ++i)
        nodes[i].value = lcg(&seed);
    for (unsigned i = 0; i < 4095; ++i)
        nodes[(i * 1103 + 17) % 4096].next = &nodes[((i + 1) * 1103 + 17) % 4096];
    nodes[(4095 * 1103 + 17) % 4096].next = 0;
    head = &nodes[17];

    uint32_t checksum = 0;
    for (int iteration = 0; iteration < 120; ++iteration) {
        checksum = crc32((const uint8_t *)&checksum, 4, checksum ^ matrix());
        checksum = crc32(text, sizeof text, checksum);
        checksum += walk() + state_machine();
        a[iteration % N][iteration % N] ^= (int32_t)checksum;
        text[checksum % sizeof text] ^= (uint8_t)checksum;
    }
    printf("compute checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
