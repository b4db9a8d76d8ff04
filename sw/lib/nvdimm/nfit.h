/* SPDX-License-Identifier: Apache-2.0 */
/* NFIT (ACPI NVDIMM Firmware Interface Table) parsing and validation. Portable C: the guest
   programs and the host tool pmemvp-inspect build the same code. */
#ifndef PMEMVP_NFIT_H
#define PMEMVP_NFIT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NFIT_MAX_SPAS 32
#define NFIT_MAX_DIMMS 64
#define NFIT_MAX_HINTS 16

struct nfit_spa_info {
    uint16_t index;
    uint16_t flags;
    uint32_t proximity_domain;
    uint8_t type_guid[16];
    int persistent; /* type GUID is the persistent-memory one */
    uint64_t base, length, attributes;
};

/* One memory-device-to-SPA mapping, joined with its control region and flush hints. */
struct nfit_dimm_info {
    uint32_t handle;
    uint16_t phys_id, region_id, spa_index, dcr_index;
    uint64_t region_size, region_offset, dpa;
    uint16_t interleave_index, interleave_ways, flags;
    /* from the control region */
    uint16_t vendor, device, revision, fic, mfg_date;
    uint8_t valid_fields, mfg_location;
    uint32_t serial;
    /* from the interleave structure, if any */
    uint32_t line_size;
    /* from the flush hint structure, if any */
    unsigned hint_count;
    uint64_t hints[NFIT_MAX_HINTS];
};

struct nfit_info {
    unsigned nspa, ndimm;
    struct nfit_spa_info spa[NFIT_MAX_SPAS];
    struct nfit_dimm_info dimm[NFIT_MAX_DIMMS];
    int has_capabilities;
    uint8_t highest_capability;
    uint32_t capabilities; /* masked to the highest valid bit */
    char oem_id[7], oem_table_id[9];
    char error[200];       /* why nfit_parse failed */
};

#define NFIT_MEM_NOT_ARMED (1u << 3)
#define NFIT_CAP_CPU_CACHE_FLUSH 1u
#define NFIT_CAP_MEM_FLUSH 2u

/* Parses and validates `table` (`length` bytes available): signature, length, checksum, each
   structure's length, and the cross-references between structures. Returns 0, or -1 with a
   message naming the structure and field in info->error. */
int nfit_parse(const uint8_t *table, size_t length, struct nfit_info *info);
/* The same for NFIT structures without the table header: what ACPI's _FIT returns, and what
   pmemvp's Read FIT DSM (nvdimm_read_fit) reads. Offsets in messages count from `structures`. */
int nfit_parse_structures(const uint8_t *structures, size_t length, struct nfit_info *info);

/* "persistent", "volatile", ... for a SPA range type GUID. */
const char *nfit_spa_type_name(const uint8_t guid[16]);

/* The interleave-set cookie Linux puts in namespace labels for SPA range `spa_index`:
   version 1 (v1.1 labels) or 2 (v1.2 labels). 0 if the range has no DIMMs. */
uint64_t nfit_iset_cookie(const struct nfit_info *info, uint16_t spa_index, int version);

/* Fletcher-64 over little-endian 32-bit words, as Linux's nd_fletcher64. */
uint64_t nd_fletcher64(const void *data, size_t length);

#ifdef __cplusplus
}
#endif
#endif
