/* SPDX-License-Identifier: Apache-2.0 */
#include "nfit.h"

#include <stdio.h>
#include <string.h>

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static const uint8_t pm_guid[16] = {0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
                                    0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb};
static const uint8_t volatile_guid[16] = {0x4f, 0x94, 0x05, 0x73, 0xda, 0xfd, 0xe3, 0x44,
                                          0xb1, 0x6c, 0x3f, 0x22, 0xd2, 0x52, 0xe5, 0xd0};

uint64_t nd_fletcher64(const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t lo = 0, hi = 0;
    for (size_t i = 0; i + 4 <= length; i += 4) {
        lo += le32(p + i);
        hi += lo;
    }
    return (uint64_t)hi << 32 | lo;
}

const char *nfit_spa_type_name(const uint8_t guid[16]) {
    if (memcmp(guid, pm_guid, 16) == 0) return "persistent";
    if (memcmp(guid, volatile_guid, 16) == 0) return "volatile";
    return "other";
}

#define FAIL(...)                                                                              \
    do {                                                                                       \
        snprintf(info->error, sizeof info->error, __VA_ARGS__);                                \
        return -1;                                                                             \
    } while (0)

/* Interleave structures, remembered by index until the memdevs are joined with them. */
struct idt {
    uint16_t index;
    uint32_t line_size;
};

static int find_spa(const struct nfit_info *info, uint16_t index) {
    for (unsigned i = 0; i < info->nspa; ++i)
        if (info->spa[i].index == index) return (int)i;
    return -1;
}

static int parse_structures(const uint8_t *t, uint32_t start, uint32_t table_length, struct nfit_info *info);

int nfit_parse(const uint8_t *t, size_t length, struct nfit_info *info) {
    memset(info, 0, sizeof *info);
    if (length < 40) FAIL("truncated: %u bytes, shorter than the 40-byte NFIT header", (unsigned)length);
    if (memcmp(t, "NFIT", 4) != 0) FAIL("signature is '%.4s', not 'NFIT'", (const char *)t);
    const uint32_t table_length = le32(t + 4);
    if (table_length < 40) FAIL("header length field %u is shorter than the header", table_length);
    if (table_length > length)
        FAIL("truncated: the header says %u bytes, only %u are present", table_length, (unsigned)length);
    uint8_t sum = 0;
    for (uint32_t i = 0; i < table_length; ++i) sum = (uint8_t)(sum + t[i]);
    if (sum != 0) FAIL("checksum mismatch: the bytes sum to 0x%02x, not 0", sum);
    memcpy(info->oem_id, t + 10, 6);
    memcpy(info->oem_table_id, t + 16, 8);
    return parse_structures(t, 40, table_length, info);
}

int nfit_parse_structures(const uint8_t *structures, size_t length, struct nfit_info *info) {
    memset(info, 0, sizeof *info);
    if (length > 0xffffffffu) FAIL("%lu bytes of structures: more than an NFIT can hold", (unsigned long)length);
    return parse_structures(structures, 0, (uint32_t)length, info);
}

/* The structures in t[start, table_length); offsets in messages count from t. */
static int parse_structures(const uint8_t *t, uint32_t start, uint32_t table_length, struct nfit_info *info) {
    /* DCRs and IDTs are joined to memdevs after the walk; keep their offsets. */
    uint32_t dcr_at[NFIT_MAX_DIMMS], flush_at[NFIT_MAX_DIMMS];
    unsigned ndcr = 0, nflush = 0, nidt = 0;
    struct idt idts[NFIT_MAX_DIMMS];
    unsigned n = 0;
    for (uint32_t off = start; off < table_length; ++n) {
        if (table_length - off < 4) FAIL("structure %u at 0x%x: truncated header", n, off);
        const uint8_t *s = t + off;
        const uint16_t type = le16(s), len = le16(s + 2);
        if (len < 4) FAIL("structure %u at 0x%x (type %u): length %u is too small", n, off, type, len);
        if (len > table_length - off)
            FAIL("structure %u at 0x%x (type %u): length %u runs past the table end", n, off, type, len);
        switch (type) {
        case 0: {
            if (len != 56 && len != 64) FAIL("structure %u at 0x%x: SPA range length %u, must be 56 (or 64)", n, off, len);
            if (info->nspa == NFIT_MAX_SPAS) FAIL("more than %d SPA ranges", NFIT_MAX_SPAS);
            struct nfit_spa_info *spa = &info->spa[info->nspa];
            spa->index = le16(s + 4);
            spa->flags = le16(s + 6);
            spa->proximity_domain = le32(s + 12);
            memcpy(spa->type_guid, s + 16, 16);
            spa->persistent = memcmp(spa->type_guid, pm_guid, 16) == 0;
            spa->base = le64(s + 32);
            spa->length = le64(s + 40);
            spa->attributes = le64(s + 48);
            if (spa->index == 0) FAIL("structure %u at 0x%x: SPA range index 0 is invalid", n, off);
            if (find_spa(info, spa->index) >= 0) FAIL("structure %u at 0x%x: SPA range index %u is used twice", n, off, spa->index);
            if (spa->length == 0) FAIL("structure %u at 0x%x: SPA range %u has length 0", n, off, spa->index);
            info->nspa++;
            break;
        }
        case 1: {
            if (len != 48) FAIL("structure %u at 0x%x: memory device mapping length %u, must be 48", n, off, len);
            if (info->ndimm == NFIT_MAX_DIMMS) FAIL("more than %d memory device mappings", NFIT_MAX_DIMMS);
            struct nfit_dimm_info *d = &info->dimm[info->ndimm++];
            d->handle = le32(s + 4);
            d->phys_id = le16(s + 8);
            d->region_id = le16(s + 10);
            d->spa_index = le16(s + 12);
            d->dcr_index = le16(s + 14);
            d->region_size = le64(s + 16);
            d->region_offset = le64(s + 24);
            d->dpa = le64(s + 32);
            d->interleave_index = le16(s + 40);
            d->interleave_ways = le16(s + 42);
            d->flags = le16(s + 44);
            if (d->interleave_ways == 0) FAIL("structure %u at 0x%x: interleave ways 0 for handle 0x%x", n, off, d->handle);
            break;
        }
        case 2: {
            if (len < 16) FAIL("structure %u at 0x%x: interleave length %u, must be at least 16", n, off, len);
            const uint32_t lines = le32(s + 8);
            if (lines == 0 || (uint64_t)len != 16 + 4ull * lines)
                FAIL("structure %u at 0x%x: interleave length %u does not match %u lines", n, off, len, lines);
            if (nidt == NFIT_MAX_DIMMS) FAIL("too many interleave structures");
            idts[nidt].index = le16(s + 4);
            idts[nidt].line_size = le32(s + 12);
            if (idts[nidt].index == 0) FAIL("structure %u at 0x%x: interleave index 0 is invalid", n, off);
            nidt++;
            break;
        }
        case 4:
            if (len != 80 && len != 32) FAIL("structure %u at 0x%x: control region length %u, must be 80 (or 32)", n, off, len);
            if (ndcr == NFIT_MAX_DIMMS) FAIL("too many control regions");
            dcr_at[ndcr++] = off;
            break;
        case 6: {
            if (len < 16) FAIL("structure %u at 0x%x: flush hint length %u, must be at least 16", n, off, len);
            const uint16_t count = le16(s + 8);
            if ((uint32_t)len != 16u + 8u * count)
                FAIL("structure %u at 0x%x: flush hint length %u does not match %u hints", n, off, len, count);
            if (nflush == NFIT_MAX_DIMMS) FAIL("too many flush hint structures");
            flush_at[nflush++] = off;
            break;
        }
        case 7:
            if (len != 16) FAIL("structure %u at 0x%x: platform capabilities length %u, must be 16", n, off, len);
            info->has_capabilities = 1;
            info->highest_capability = s[4];
            info->capabilities = le32(s + 8) & (uint32_t)((2ull << (s[4] & 31)) - 1);
            break;
        default:
            break; /* skipped, as an OS does */
        }
        off += len;
    }

    /* Cross-references: every memdev names an existing SPA range, control region and
       interleave structure; every flush hint names an existing device handle. */
    for (unsigned i = 0; i < info->ndimm; ++i) {
        struct nfit_dimm_info *d = &info->dimm[i];
        const int spa = find_spa(info, d->spa_index);
        if (spa < 0) FAIL("memory device 0x%x: SPA range index %u does not exist", d->handle, d->spa_index);
        if (d->region_offset > info->spa[spa].length)
            FAIL("memory device 0x%x: region offset 0x%llx lies outside SPA range %u", d->handle,
                 (unsigned long long)d->region_offset, d->spa_index);
        int found = 0;
        for (unsigned k = 0; k < ndcr && !found; ++k) {
            const uint8_t *c = t + dcr_at[k];
            if (le16(c + 4) != d->dcr_index) continue;
            found = 1;
            d->vendor = le16(c + 6);
            d->device = le16(c + 8);
            d->revision = le16(c + 10);
            d->valid_fields = c[18];
            d->mfg_location = c[19];
            d->mfg_date = le16(c + 20);
            d->serial = le32(c + 24);
            d->fic = le16(c + 28);
        }
        if (!found) FAIL("memory device 0x%x: control region index %u does not exist", d->handle, d->dcr_index);
        if (d->interleave_index) {
            found = 0;
            for (unsigned k = 0; k < nidt && !found; ++k)
                if (idts[k].index == d->interleave_index) {
                    found = 1;
                    d->line_size = idts[k].line_size;
                }
            if (!found) FAIL("memory device 0x%x: interleave index %u does not exist", d->handle, d->interleave_index);
        }
    }
    for (unsigned k = 0; k < nflush; ++k) {
        const uint8_t *f = t + flush_at[k];
        const uint32_t handle = le32(f + 4);
        int found = 0;
        for (unsigned i = 0; i < info->ndimm; ++i) {
            struct nfit_dimm_info *d = &info->dimm[i];
            if (d->handle != handle) continue;
            found = 1;
            d->hint_count = le16(f + 8) < NFIT_MAX_HINTS ? le16(f + 8) : NFIT_MAX_HINTS;
            for (unsigned h = 0; h < d->hint_count; ++h) d->hints[h] = le64(f + 16 + 8 * h);
        }
        if (!found) FAIL("flush hint structure at 0x%x: device handle 0x%x has no memory device mapping", flush_at[k], handle);
    }
    return 0;
}

/* Linux's nfit_set_info (v1) / nfit_set_info2 (v2) mappings, sorted by region offset. */
uint64_t nfit_iset_cookie(const struct nfit_info *info, uint16_t spa_index, int version) {
    const struct nfit_dimm_info *members[NFIT_MAX_DIMMS];
    unsigned count = 0;
    for (unsigned i = 0; i < info->ndimm; ++i)
        if (info->dimm[i].spa_index == spa_index) members[count++] = &info->dimm[i];
    if (count == 0) return 0;
    for (unsigned i = 1; i < count; ++i) /* insertion sort by region offset */
        for (unsigned j = i; j > 0 && members[j]->region_offset < members[j - 1]->region_offset; --j) {
            const struct nfit_dimm_info *tmp = members[j];
            members[j] = members[j - 1];
            members[j - 1] = tmp;
        }
    uint8_t buf[NFIT_MAX_DIMMS * 48];
    const size_t entry = version == 1 ? 16 : 48;
    memset(buf, 0, sizeof buf);
    for (unsigned i = 0; i < count; ++i) {
        uint8_t *e = buf + i * entry;
        const struct nfit_dimm_info *d = members[i];
        for (int b = 0; b < 8; ++b) e[b] = (uint8_t)(d->region_offset >> (8 * b));
        for (int b = 0; b < 4; ++b) e[8 + b] = (uint8_t)(d->serial >> (8 * b));
        if (version != 1) {
            e[12] = (uint8_t)d->vendor;
            e[13] = (uint8_t)(d->vendor >> 8);
            e[14] = (uint8_t)d->mfg_date;
            e[15] = (uint8_t)(d->mfg_date >> 8);
            e[16] = d->mfg_location;
        }
    }
    return nd_fletcher64(buf, count * entry);
}
