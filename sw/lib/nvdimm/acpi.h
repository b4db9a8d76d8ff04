/* SPDX-License-Identifier: Apache-2.0 */
/* Finding ACPI tables from the RSDP the boot ROM passes in a2 (guest only). */
#ifndef PMEMVP_ACPI_H
#define PMEMVP_ACPI_H
#include <stddef.h>
#include <stdint.h>

/* Validates the RSDP (signature, both checksums, revision >= 2) and the XSDT, then finds the
   table with `signature`. Returns 0 and sets table and length, or -1 with a reason in error. */
int acpi_find_table(uint64_t rsdp, const char signature[4], const uint8_t **table,
                    uint32_t *length, char *error, size_t error_size);

#endif
