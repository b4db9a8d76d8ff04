/* SPDX-License-Identifier: Apache-2.0 */
/* A small libnvdimm for pmemvp guests: the NFIT from ACPI, DSM calls through the NVDIMM
   controller's mailbox, the label area, SMART health. */
#ifndef PMEMVP_LIBNVDIMM_H
#define PMEMVP_LIBNVDIMM_H
#include "labels.h"
#include "nfit.h"
#include "nvdimm_regs.h" /* the control page and DSM layout */

#include <stddef.h>
#include <stdint.h>

/* Where the virt platform puts the control pages: one per slot (slot = handle - 1). */
#define NVDIMM_CONTROL_BASE 0x10100000UL

/* Finds and validates the NFIT through the RSDP the boot ROM passed. */
int nvdimm_probe(struct nfit_info *nfit, char *error, size_t error_size);

/* One DSM call for `handle` (0 = root). On return `out` holds the output data (after the
   length word), *out_length its size. Returns the mailbox's own status: 0 when the call ran. */
int nvdimm_dsm(const struct nfit_info *nfit, uint32_t handle, uint32_t function, const void *arg,
               uint32_t arg_length, void *out, uint32_t out_size, uint32_t *out_length);

/* Label area access (Intel DSM functions 4, 5, 6); each returns a DSM status. */
uint32_t nvdimm_label_size(const struct nfit_info *nfit, uint32_t handle, uint32_t *size,
                           uint32_t *max_transfer);
uint32_t nvdimm_read_labels(const struct nfit_info *nfit, uint32_t handle, uint8_t *buffer,
                            uint32_t offset, uint32_t length);
uint32_t nvdimm_write_labels(const struct nfit_info *nfit, uint32_t handle, const uint8_t *buffer,
                             uint32_t offset, uint32_t length);

struct nvdimm_health {
    uint32_t flags;
    uint8_t health, spares, life_used, shutdown_state;
    uint16_t media_temperature, ctrl_temperature; /* 1/16 degree Celsius */
    uint32_t shutdown_count;
};
uint32_t nvdimm_smart(const struct nfit_info *nfit, uint32_t handle, struct nvdimm_health *health);

#endif
