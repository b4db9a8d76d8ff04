/* SPDX-License-Identifier: Apache-2.0 */
#include "labels.h"

#include "nfit.h"

#include <stdio.h>
#include <string.h>

#define INDEX_HEADER 72
#define INDEX_ALIGN 256
static const char index_sig[16] = "NAMESPACE_INDEX"; /* with its NUL: 16 bytes */

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i)); }
static void wr64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = (uint8_t)(v >> (8 * i)); }

static uint32_t index_size_for(uint32_t nslot) {
    return (INDEX_HEADER + (nslot + 7) / 8 + INDEX_ALIGN - 1) / INDEX_ALIGN * INDEX_ALIGN;
}

int nslabel_geometry(uint32_t config_size, uint32_t label_size, struct nslabel_geometry *g) {
    if (config_size < 1024 || (label_size != 128 && label_size != 256)) return -1;
    const uint32_t n = index_size_for(config_size / label_size) / INDEX_ALIGN;
    g->config_size = config_size;
    g->label_size = label_size;
    g->nslot = (config_size - n * INDEX_ALIGN * 2) / label_size;
    g->index_size = index_size_for(g->nslot);
    return 0;
}

static uint32_t next_seq(uint32_t seq) {
    static const uint32_t next[4] = {0, 2, 3, 1};
    return next[seq & 3];
}

/* Linux's best_seq: of two sequence numbers, the newer. */
static uint32_t best_seq(uint32_t a, uint32_t b) {
    a &= 3;
    b &= 3;
    if (a == 0 || a == b) return b;
    if (b == 0) return a;
    return next_seq(a) == b ? b : a;
}

/* Fletcher-64 of an index block of any size, its checksum field (bytes 64..71) read as 0. */
static uint64_t index_checksum(const uint8_t *block, uint32_t size) {
    uint32_t lo = 0, hi = 0;
    for (uint32_t i = 0; i + 4 <= size; i += 4) {
        lo += i == 64 || i == 68 ? 0 : rd32(block + i);
        hi += lo;
    }
    return (uint64_t)hi << 32 | lo;
}

static const char label_size_differs[] = "label size differs";

static const char *check_index(const uint8_t *b, int i, const struct nslabel_geometry *g) {
    if (memcmp(b, index_sig, 16) != 0) return "bad signature";
    const uint32_t version = rd16(b + 60) * 100u + rd16(b + 62);
    const uint32_t labelsize = version >= 102 ? 1u << (7 + (b[19] & 7)) : 128;
    if (labelsize != g->label_size) return label_size_differs;
    if (rd64(b + 64) != index_checksum(b, g->index_size)) return "checksum mismatch";
    if ((rd32(b + 20) & 3) == 0) return "sequence number 0";
    if (rd64(b + 24) != (uint64_t)i * g->index_size) return "myoff is wrong";
    if (rd64(b + 40) != (uint64_t)(!i) * g->index_size) return "otheroff is wrong";
    if (rd64(b + 48) != 2ull * g->index_size) return "labeloff is wrong";
    const uint64_t mysize = rd64(b + 32);
    if (mysize > g->index_size || mysize < INDEX_HEADER) return "mysize is wrong";
    if ((uint64_t)rd32(b + 56) * g->label_size + 2ull * g->index_size > g->config_size) return "nslot too large";
    return NULL;
}

int nslabel_open(uint8_t *data, uint32_t config_size, struct nslabel_area *a, char *error, size_t error_size) {
    static const uint32_t sizes[2] = {128, 256};
    const char *why[2] = {"", ""};
    for (int s = 0; s < 2; ++s) {
        memset(a, 0, sizeof *a);
        a->data = data;
        if (nslabel_geometry(config_size, sizes[s], &a->g) != 0) {
            if (error) snprintf(error, error_size, "label area of %u bytes is too small", config_size);
            return -1;
        }
        for (int i = 0; i < 2; ++i) {
            const uint8_t *b = data + (size_t)i * a->g.index_size;
            const char *reason = check_index(b, i, &a->g);
            /* Report each block's failure for the label size it claims. */
            if (s == 0 || why[i] == label_size_differs) why[i] = reason;
            a->valid[i] = reason == NULL;
            a->seq[i] = rd32(b + 20) & 3;
        }
        if (a->valid[0] || a->valid[1]) {
            if (a->valid[0] && a->valid[1])
                a->current = best_seq(a->seq[1], a->seq[0]) == a->seq[1] ? 1 : 0;
            else
                a->current = a->valid[1] ? 1 : 0;
            /* a v1.2 index in force decides the label size */
            return 0;
        }
    }
    if (error) snprintf(error, error_size, "no valid index block (index 0: %s; index 1: %s)", why[0], why[1]);
    return -1;
}

/* Writes index block `i` with sequence number `seq` and the free map of index block `from`, or
   every slot free when `from` is -1. Its checksum is left to finish_index, after the caller's
   changes to the map. The map is copied between the blocks in the area itself: label areas of
   any size (index blocks over 4 KiB, tens of thousands of slots) need no buffer. */
static uint8_t *start_index(struct nslabel_area *a, int i, uint32_t seq, int from) {
    uint8_t *b = a->data + (size_t)i * a->g.index_size;
    const uint32_t map_bytes = (a->g.nslot + 7) / 8;
    if (from >= 0 && from != i)
        memcpy(b + INDEX_HEADER, a->data + (size_t)from * a->g.index_size + INDEX_HEADER, map_bytes);
    memset(b, 0, INDEX_HEADER);
    memset(b + INDEX_HEADER + map_bytes, 0, a->g.index_size - INDEX_HEADER - map_bytes);
    if (from < 0) {
        memset(b + INDEX_HEADER, 0, map_bytes);
        for (uint32_t s = 0; s < a->g.nslot; ++s) b[INDEX_HEADER + s / 8] |= (uint8_t)(1u << (s % 8));
    }
    memcpy(b, index_sig, 16);
    b[19] = a->g.label_size == 256 ? 1 : 0;
    wr32(b + 20, seq);
    wr64(b + 24, (uint64_t)i * a->g.index_size);
    wr64(b + 32, a->g.index_size);
    wr64(b + 40, (uint64_t)(!i) * a->g.index_size);
    wr64(b + 48, 2ull * a->g.index_size);
    wr32(b + 56, a->g.nslot);
    wr16(b + 60, 1);
    wr16(b + 62, a->g.label_size == 256 ? 2 : 1);
    a->valid[i] = 0;
    return b;
}

static void finish_index(struct nslabel_area *a, int i) {
    uint8_t *b = a->data + (size_t)i * a->g.index_size;
    wr64(b + 64, index_checksum(b, a->g.index_size));
    a->valid[i] = 1;
    a->seq[i] = rd32(b + 20);
}

int nslabel_init(uint8_t *data, uint32_t config_size, uint32_t label_size, struct nslabel_area *a) {
    memset(a, 0, sizeof *a);
    a->data = data;
    if (nslabel_geometry(config_size, label_size, &a->g) != 0) return -1;
    start_index(a, 0, 3, -1);
    finish_index(a, 0);
    start_index(a, 1, 2, -1);
    finish_index(a, 1);
    a->current = 0; /* 3 follows 2 */
    return 0;
}

static const uint8_t *free_map_of(const struct nslabel_area *a) {
    return a->data + (size_t)a->current * a->g.index_size + INDEX_HEADER;
}

int nslabel_slot_is_free(const struct nslabel_area *a, uint32_t slot) {
    return slot >= a->g.nslot || (free_map_of(a)[slot / 8] >> (slot % 8)) & 1;
}

static uint8_t *slot_data(const struct nslabel_area *a, uint32_t slot) {
    return a->data + 2 * (size_t)a->g.index_size + (size_t)slot * a->g.label_size;
}

int nslabel_read(const struct nslabel_area *a, uint32_t slot, struct ns_label *l) {
    if (slot >= a->g.nslot) return -1;
    const uint8_t *p = slot_data(a, slot);
    memset(l, 0, sizeof *l);
    memcpy(l->uuid, p, 16);
    memcpy(l->name, p + 16, 64);
    l->flags = rd32(p + 80);
    l->nlabel = rd16(p + 84);
    l->position = rd16(p + 86);
    l->isetcookie = rd64(p + 88);
    l->lbasize = rd64(p + 96);
    l->dpa = rd64(p + 104);
    l->rawsize = rd64(p + 112);
    l->slot = rd32(p + 120);
    l->checksum_ok = 1;
    if (a->g.label_size == 256) {
        l->align = p[124];
        memcpy(l->type_guid, p + 128, 16);
        memcpy(l->abstraction_guid, p + 144, 16);
        uint8_t copy[256];
        memcpy(copy, p, 256);
        memset(copy + 248, 0, 8);
        l->checksum_ok = nd_fletcher64(copy, 256) == rd64(p + 248);
    }
    return l->slot == slot && l->checksum_ok ? 0 : -1;
}

int nslabel_list(const struct nslabel_area *a, struct ns_label *labels, int max) {
    int n = 0;
    for (uint32_t s = 0; s < a->g.nslot && n < max; ++s)
        if (!nslabel_slot_is_free(a, s) && nslabel_read(a, s, &labels[n]) == 0) ++n;
    return n;
}

/* Starts the next index block, a copy of the one in force with the next sequence number; the
   caller changes its free map, then commit() makes it the one in force. */
static uint8_t *next_free_map(struct nslabel_area *a) {
    const int next = !a->current;
    return start_index(a, next, next_seq(a->seq[a->current]), a->current) + INDEX_HEADER;
}

static void commit(struct nslabel_area *a) {
    const int next = !a->current;
    finish_index(a, next);
    a->current = next;
}

int nslabel_add(struct nslabel_area *a, const struct ns_label *l) {
    const uint8_t *free_map = free_map_of(a);
    uint32_t slot = 0;
    while (slot < a->g.nslot && !((free_map[slot / 8] >> (slot % 8)) & 1)) ++slot;
    if (slot == a->g.nslot) return -1;
    uint8_t *p = slot_data(a, slot);
    memset(p, 0, a->g.label_size);
    memcpy(p, l->uuid, 16);
    memcpy(p + 16, l->name, strnlen(l->name, 64));
    wr32(p + 80, l->flags);
    wr16(p + 84, l->nlabel);
    wr16(p + 86, l->position);
    wr64(p + 88, l->isetcookie);
    wr64(p + 96, l->lbasize);
    wr64(p + 104, l->dpa);
    wr64(p + 112, l->rawsize);
    wr32(p + 120, slot);
    if (a->g.label_size == 256) {
        p[124] = l->align;
        memcpy(p + 128, l->type_guid, 16);
        memcpy(p + 144, l->abstraction_guid, 16);
        wr64(p + 248, nd_fletcher64(p, 256));
    }
    uint8_t *next = next_free_map(a);
    next[slot / 8] &= (uint8_t)~(1u << (slot % 8));
    commit(a);
    return (int)slot;
}

static int holds(const struct nslabel_area *a, uint32_t slot, const uint8_t uuid[16]) {
    struct ns_label l;
    return !nslabel_slot_is_free(a, slot) && nslabel_read(a, slot, &l) == 0 && memcmp(l.uuid, uuid, 16) == 0;
}

int nslabel_remove(struct nslabel_area *a, const uint8_t uuid[16]) {
    int freed = 0;
    for (uint32_t s = 0; s < a->g.nslot; ++s) freed += holds(a, s, uuid);
    if (!freed) return 0; /* the index in force stays, and so does the other one */
    uint8_t *next = next_free_map(a);
    for (uint32_t s = 0; s < a->g.nslot; ++s)
        if (holds(a, s, uuid)) next[s / 8] |= (uint8_t)(1u << (s % 8));
    commit(a);
    return freed;
}

void nslabel_uuid_string(const uint8_t u[16], char out[37]) {
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

void nslabel_make_uuid(uint8_t uuid[16], uint64_t seed) {
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    for (int i = 0; i < 16; ++i) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        uuid[i] = (uint8_t)(x >> 56);
    }
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
}
