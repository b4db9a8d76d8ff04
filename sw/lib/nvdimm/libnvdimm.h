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
/* ... and the NVDIMM root device's page (DSM calls that need no DIMM, the hot-plug interrupt
   on PLIC source NVDIMM_ROOT_IRQ_VIRT). */
#define NVDIMM_ROOT_PAGE (NVDIMM_CONTROL_BASE + NVDIMM_ROOT_PAGE_OFFSET)

/* Finds and validates the NFIT through the RSDP the boot ROM passed. */
int nvdimm_probe(struct nfit_info *nfit, char *error, size_t error_size);

/* One DSM call for `handle` (0 = root). On return `out` holds the output data (after the
   length word), *out_length its size. Returns the mailbox's own status: 0 when the call ran. */
int nvdimm_dsm(const struct nfit_info *nfit, uint32_t handle, uint32_t function, const void *arg,
               uint32_t arg_length, void *out, uint32_t out_size, uint32_t *out_length);

/* One DSM call through the root page, for any handle: 0 (root functions), DSM_ROOT_FIT_HANDLE
   (Read FIT), or a DIMM's. Same contract as nvdimm_dsm; works with no DIMM at all. */
int nvdimm_root_dsm(uint32_t handle, uint32_t function, const void *arg, uint32_t arg_length, void *out,
                    uint32_t out_size, uint32_t *out_length);

/* Hot-plug. The whole FIT (the NFIT's structures, without its header) read through QEMU's
   Read FIT on the root page: the offset kept here, and the read started again from offset 0
   when the FIT changed meanwhile (status DSM_FIT_CHANGED). Returns 0 and *length, or -1 with
   the reason in error. */
int nvdimm_read_fit(uint8_t *buffer, uint32_t size, uint32_t *length, char *error, size_t error_size);
/* nvdimm_read_fit, then nfit_parse_structures: the NVDIMMs as they are now. */
int nvdimm_probe_fit(struct nfit_info *nfit, char *error, size_t error_size);
/* Switches on the root's interrupt for `bits` (NVDIMM_IRQ_FIT_CHANGED ...): at the root page,
   at the PLIC (source NVDIMM_ROOT_IRQ_VIRT, hart 0's M-mode context) and in mie (MEIE). The
   caller enables interrupts (mstatus.MIE) when it is ready for them. */
void nvdimm_root_enable_interrupt(uint32_t bits);
/* For the trap handler, on a machine external interrupt: claims the PLIC's source; if it is the
   root's, reads and acknowledges the root's interrupt status. Completes the claim and returns
   the status bits acknowledged (0: another source). */
uint32_t nvdimm_root_interrupt(void);

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
