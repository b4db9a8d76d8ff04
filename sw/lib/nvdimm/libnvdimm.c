/* SPDX-License-Identifier: Apache-2.0 */
#include "libnvdimm.h"

#include "acpi.h"
#include "pmemvp.h"

#include <string.h>

int nvdimm_probe(struct nfit_info *nfit, char *error, size_t error_size) {
    const uint8_t *table;
    uint32_t length;
    if (acpi_find_table(pmemvp_boot_args.acpi_rsdp, "NFIT", &table, &length, error, error_size) != 0)
        return -1;
    if (nfit_parse(table, length, nfit) != 0) {
        strncpy(error, nfit->error, error_size - 1);
        error[error_size - 1] = 0;
        return -1;
    }
    return 0;
}

static uint8_t dsm_page[DSM_PAGE_SIZE] __attribute__((aligned(4096)));

int nvdimm_dsm(const struct nfit_info *nfit, uint32_t handle, uint32_t function, const void *arg,
               uint32_t arg_length, void *out, uint32_t out_size, uint32_t *out_length) {
    if (nfit->ndimm == 0 || arg_length > DSM_PAGE_SIZE - DSM_IN_ARG) return -1;
    /* A DIMM's calls go through its own page; the root's through the first DIMM's. */
    const uint32_t page_handle = handle ? handle : nfit->dimm[0].handle;
    const uintptr_t control = NVDIMM_CONTROL_BASE + (uintptr_t)(page_handle - 1) * NVDIMM_CONTROL_PAGE_SIZE;
    memset(dsm_page, 0, sizeof dsm_page);
    const uint32_t header[3] = {handle, 1, function};
    memcpy(dsm_page, header, sizeof header);
    if (arg_length) memcpy(dsm_page + DSM_IN_ARG, arg, arg_length);
    __asm__ volatile("fence" ::: "memory");
    mmio_write64(control + NVDIMM_DSM_DOORBELL, (uintptr_t)dsm_page);
    __asm__ volatile("fence" ::: "memory");
    if (mmio_read32(control + NVDIMM_DSM_STATUS) != 0) return -1;
    uint32_t length;
    memcpy(&length, dsm_page, 4);
    if (length < 4 || length > 4096) return -1;
    length -= 4;
    if (length > out_size) length = out_size;
    memcpy(out, dsm_page + 4, length);
    *out_length = length;
    return 0;
}

static uint32_t status_of(const uint8_t *out, uint32_t length) {
    uint32_t status = ~0u;
    if (length >= 4) memcpy(&status, out, 4);
    return status;
}

uint32_t nvdimm_label_size(const struct nfit_info *nfit, uint32_t handle, uint32_t *size,
                           uint32_t *max_transfer) {
    uint8_t out[12];
    uint32_t length = 0;
    if (nvdimm_dsm(nfit, handle, 4, 0, 0, out, sizeof out, &length) != 0) return ~0u;
    const uint32_t status = status_of(out, length);
    if (status == DSM_SUCCESS && length >= 12) {
        memcpy(size, out + 4, 4);
        memcpy(max_transfer, out + 8, 4);
    }
    return status;
}

uint32_t nvdimm_read_labels(const struct nfit_info *nfit, uint32_t handle, uint8_t *buffer,
                            uint32_t offset, uint32_t length) {
    static uint8_t out[4096];
    while (length) {
        const uint32_t chunk = length < 4076 ? length : 4076;
        const uint32_t arg[2] = {offset, chunk};
        uint32_t got = 0;
        if (nvdimm_dsm(nfit, handle, 5, arg, sizeof arg, out, sizeof out, &got) != 0) return ~0u;
        const uint32_t status = status_of(out, got);
        if (status != DSM_SUCCESS) return status;
        if (got != 4 + chunk) return ~0u;
        memcpy(buffer, out + 4, chunk);
        buffer += chunk;
        offset += chunk;
        length -= chunk;
    }
    return DSM_SUCCESS;
}

uint32_t nvdimm_write_labels(const struct nfit_info *nfit, uint32_t handle, const uint8_t *buffer,
                             uint32_t offset, uint32_t length) {
    static uint8_t arg[4084];
    while (length) {
        const uint32_t chunk = length < 4076 ? length : 4076;
        memcpy(arg, &offset, 4);
        memcpy(arg + 4, &chunk, 4);
        memcpy(arg + 8, buffer, chunk);
        uint8_t out[8];
        uint32_t got = 0;
        if (nvdimm_dsm(nfit, handle, 6, arg, 8 + chunk, out, sizeof out, &got) != 0) return ~0u;
        const uint32_t status = status_of(out, got);
        if (status != DSM_SUCCESS) return status;
        buffer += chunk;
        offset += chunk;
        length -= chunk;
    }
    return DSM_SUCCESS;
}

uint32_t nvdimm_smart(const struct nfit_info *nfit, uint32_t handle, struct nvdimm_health *h) {
    uint8_t out[132];
    uint32_t length = 0;
    if (nvdimm_dsm(nfit, handle, 1, 0, 0, out, sizeof out, &length) != 0) return ~0u;
    const uint32_t status = status_of(out, length);
    if (status != DSM_SUCCESS || length < 4 + 128) return status;
    const uint8_t *p = out + 4;
    memcpy(&h->flags, p, 4);
    h->health = p[8];
    h->spares = p[9];
    h->life_used = p[10];
    memcpy(&h->media_temperature, p + 12, 2);
    memcpy(&h->ctrl_temperature, p + 14, 2);
    memcpy(&h->shutdown_count, p + 16, 4);
    h->shutdown_state = p[31];
    return DSM_SUCCESS;
}
