/* SPDX-License-Identifier: Apache-2.0 */
#include "acpi.h"

#include <stdio.h>
#include <string.h>

static uint8_t sum(const uint8_t *p, uint32_t n) {
    uint8_t s = 0;
    while (n--) s = (uint8_t)(s + *p++);
    return s;
}
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

#define FAIL(...) do { snprintf(error, error_size, __VA_ARGS__); return -1; } while (0)

int acpi_find_table(uint64_t rsdp_address, const char signature[4], const uint8_t **table,
                    uint32_t *length, char *error, size_t error_size) {
    if (rsdp_address == 0) FAIL("no RSDP: the platform passed a2 = 0");
    const uint8_t *rsdp = (const uint8_t *)(uintptr_t)rsdp_address;
    if (memcmp(rsdp, "RSD PTR ", 8) != 0) FAIL("RSDP at 0x%lx: bad signature", (unsigned long)rsdp_address);
    if (sum(rsdp, 20) != 0) FAIL("RSDP: checksum of the first 20 bytes is wrong");
    if (rsdp[15] < 2) FAIL("RSDP: revision %u has no XSDT", rsdp[15]);
    if (sum(rsdp, le32(rsdp + 20)) != 0) FAIL("RSDP: extended checksum is wrong");
    const uint8_t *xsdt = (const uint8_t *)(uintptr_t)le64(rsdp + 24);
    if (memcmp(xsdt, "XSDT", 4) != 0) FAIL("XSDT: bad signature");
    const uint32_t xlen = le32(xsdt + 4);
    if (xlen < 36 || sum(xsdt, xlen) != 0) FAIL("XSDT: bad length or checksum");
    for (uint32_t off = 36; off + 8 <= xlen; off += 8) {
        const uint8_t *t = (const uint8_t *)(uintptr_t)le64(xsdt + off);
        if (memcmp(t, signature, 4) != 0) continue;
        *table = t;
        *length = le32(t + 4);
        return 0;
    }
    FAIL("no %.4s table in the XSDT", signature);
}
