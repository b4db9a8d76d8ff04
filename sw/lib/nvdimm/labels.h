/* SPDX-License-Identifier: Apache-2.0 */
/* The namespace label area, in the on-media format Linux uses (drivers/nvdimm/label.h):
   two index blocks ("NAMESPACE_INDEX", Fletcher-64 checksum, sequence numbers 1..3, a free
   bitmap) followed by label slots of 128 bytes (v1.1) or 256 bytes (v1.2). Portable C: the
   guest library and the host tool pmemvp-inspect build the same code. */
#ifndef PMEMVP_LABELS_H
#define PMEMVP_LABELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NSLABEL_FLAG_ROLABEL 0x1
#define NSLABEL_FLAG_LOCAL 0x2
#define NSLABEL_FLAG_BTT 0x4
#define NSLABEL_FLAG_UPDATING 0x8

struct nslabel_geometry {
    uint32_t config_size; /* bytes in the label area */
    uint32_t label_size;  /* 128 (v1.1) or 256 (v1.2) */
    uint32_t index_size;  /* bytes in one index block, a multiple of 256 */
    uint32_t nslot;       /* label slots */
};

/* The geometry Linux derives for a label area; -1 if it is too small (< 1 KiB). */
int nslabel_geometry(uint32_t config_size, uint32_t label_size, struct nslabel_geometry *g);

struct nslabel_area {
    uint8_t *data;
    struct nslabel_geometry g;
    int valid[2];   /* which index blocks passed validation */
    uint32_t seq[2];
    int current;    /* the index block in force: 0 or 1 */
};

/* Finds the index block in force, trying 128-byte then 256-byte labels, with Linux's checks
   (signature, label size, checksum, sequence, offsets, sizes) and its choice between two
   valid blocks by sequence number. 0 on success; -1 with a reason in `error` when neither
   index block is valid (an unlabelled DIMM). */
int nslabel_open(uint8_t *data, uint32_t config_size, struct nslabel_area *area, char *error,
                 size_t error_size);

/* Writes two empty index blocks (sequence 3 and 2, as Linux's init) for `label_size` labels. */
int nslabel_init(uint8_t *data, uint32_t config_size, uint32_t label_size, struct nslabel_area *area);

struct ns_label {
    uint8_t uuid[16];
    char name[65];
    uint32_t flags;
    uint16_t nlabel, position;
    uint64_t isetcookie, lbasize, dpa, rawsize;
    uint32_t slot;
    uint8_t align;                                  /* v1.2 */
    uint8_t type_guid[16], abstraction_guid[16];    /* v1.2 */
    int checksum_ok;                                /* v1.2: stored checksum matches */
};

int nslabel_slot_is_free(const struct nslabel_area *area, uint32_t slot);
/* Reads slot `slot`; 0 if it holds a valid label (slot field matches; v1.2 checksum good). */
int nslabel_read(const struct nslabel_area *area, uint32_t slot, struct ns_label *label);
/* The labels in use (not free in the current index and valid), at most `max`; the count. */
int nslabel_list(const struct nslabel_area *area, struct ns_label *labels, int max);
/* Writes `label` into a free slot, then commits a new index block (the other one, next
   sequence number) that marks it used: a torn update leaves the old index in force. Returns
   the slot, or -1 when no slot is free. */
int nslabel_add(struct nslabel_area *area, const struct ns_label *label);
/* Frees every slot holding `uuid` and commits a new index; the number freed. */
int nslabel_remove(struct nslabel_area *area, const uint8_t uuid[16]);

/* "0b1c...-..." (36 characters and a NUL). */
void nslabel_uuid_string(const uint8_t uuid[16], char out[37]);
/* A version-4 UUID from a deterministic generator seeded with `seed`: reproducible runs, distinct
   seeds give distinct UUIDs. */
void nslabel_make_uuid(uint8_t uuid[16], uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
