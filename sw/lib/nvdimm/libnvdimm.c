/* SPDX-License-Identifier: Apache-2.0 */
#include "libnvdimm.h"

#include "acpi.h"
#include "pmemvp.h"

#include <stdio.h>
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

/* One call through the control page at `control` (a DIMM's or the root's). */
static int dsm_call(uintptr_t control, uint32_t handle, uint32_t function, const void *arg, uint32_t arg_length,
                    void *out, uint32_t out_size, uint32_t *out_length) {
    if (arg_length > DSM_PAGE_SIZE - DSM_IN_ARG) return -1;
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

int nvdimm_dsm(const struct nfit_info *nfit, uint32_t handle, uint32_t function, const void *arg,
               uint32_t arg_length, void *out, uint32_t out_size, uint32_t *out_length) {
    if (nfit->ndimm == 0) return -1;
    /* A DIMM's calls go through its own page; the root's through the first DIMM's. */
    const uint32_t page_handle = handle ? handle : nfit->dimm[0].handle;
    const uintptr_t control = NVDIMM_CONTROL_BASE + (uintptr_t)(page_handle - 1) * NVDIMM_CONTROL_PAGE_SIZE;
    return dsm_call(control, handle, function, arg, arg_length, out, out_size, out_length);
}

int nvdimm_root_dsm(uint32_t handle, uint32_t function, const void *arg, uint32_t arg_length, void *out,
                    uint32_t out_size, uint32_t *out_length) {
    return dsm_call(NVDIMM_ROOT_PAGE, handle, function, arg, arg_length, out, out_size, out_length);
}

static void set_error(char *error, size_t error_size, const char *text, uint32_t value) {
    snprintf(error, error_size, "%s%lx", text, (unsigned long)value);
}

int nvdimm_read_fit(uint8_t *buffer, uint32_t size, uint32_t *length, char *error, size_t error_size) {
    static uint8_t out[DSM_PAGE_SIZE];
    for (int attempt = 0; attempt < 16; ++attempt) { /* each restart follows a plug */
        uint32_t offset = 0;
        for (;;) {
            uint32_t got = 0;
            if (nvdimm_root_dsm(DSM_ROOT_FIT_HANDLE, DSM_FN_READ_FIT, &offset, 4, out, sizeof out, &got) != 0) {
                set_error(error, error_size, "Read FIT: the DSM mailbox failed at offset 0x", offset);
                return -1;
            }
            uint32_t status = ~0u;
            if (got >= 4) memcpy(&status, out, 4);
            if (status == DSM_FIT_CHANGED) break; /* changed while read: from the start again */
            if (status != DSM_SUCCESS) {
                set_error(error, error_size, "Read FIT: DSM status 0x", status);
                return -1;
            }
            const uint32_t n = got - 4;
            if (n == 0) {
                *length = offset;
                return 0;
            }
            if (n > size - offset) {
                set_error(error, error_size, "Read FIT: the FIT does not fit the buffer of bytes: 0x", size);
                return -1;
            }
            memcpy(buffer + offset, out + 4, n);
            offset += n;
        }
    }
    set_error(error, error_size, "Read FIT: the FIT kept changing; attempts: 0x", 16);
    return -1;
}

int nvdimm_probe_fit(struct nfit_info *nfit, char *error, size_t error_size) {
    static uint8_t fit[4 * DSM_PAGE_SIZE]; /* 16 DIMMs with 16 flush hints each: 5 KiB */
    uint32_t length = 0;
    if (nvdimm_read_fit(fit, sizeof fit, &length, error, error_size) != 0) return -1;
    if (nfit_parse_structures(fit, length, nfit) != 0) {
        snprintf(error, error_size, "the FIT: %s", nfit->error);
        return -1;
    }
    return 0;
}

/* PLIC registers for hart 0's M-mode context (context 0). */
#define PLIC_PRIORITY(source) (PMEMVP_PLIC + 4 * (source))
#define PLIC_ENABLE(source) (PMEMVP_PLIC + 0x2000 + 4 * ((source) / 32))
#define PLIC_THRESHOLD (PMEMVP_PLIC + 0x200000)
#define PLIC_CLAIM (PMEMVP_PLIC + 0x200004)
#define MIE_MEIE (1UL << 11)

void nvdimm_root_enable_interrupt(uint32_t bits) {
    const unsigned source = NVDIMM_ROOT_IRQ_VIRT;
    mmio_write32(PLIC_PRIORITY(source), 1);
    mmio_write32(PLIC_ENABLE(source), mmio_read32(PLIC_ENABLE(source)) | 1u << (source % 32));
    mmio_write32(PLIC_THRESHOLD, 0);
    mmio_write32(NVDIMM_ROOT_PAGE + NVDIMM_IRQ_ENABLE, mmio_read32(NVDIMM_ROOT_PAGE + NVDIMM_IRQ_ENABLE) | bits);
    csr_set(mie, MIE_MEIE);
}

uint32_t nvdimm_root_interrupt(void) {
    const uint32_t source = mmio_read32(PLIC_CLAIM);
    uint32_t status = 0;
    if (source == NVDIMM_ROOT_IRQ_VIRT) {
        status = mmio_read32(NVDIMM_ROOT_PAGE + NVDIMM_IRQ_STATUS);
        mmio_write32(NVDIMM_ROOT_PAGE + NVDIMM_IRQ_STATUS, status); /* write 1 to clear: the line drops */
    }
    if (source) mmio_write32(PLIC_CLAIM, source);
    return status;
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
