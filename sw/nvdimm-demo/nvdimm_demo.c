// SPDX-License-Identifier: Apache-2.0
// Finds the NVDIMMs through ACPI (RSDP -> XSDT -> NFIT), reads each DIMM's label area through
// the DSM mailbox, creates one namespace per persistent-memory region that has none (v1.2
// labels, Linux's format, interleave-set cookie), writes the labels back, and prints DIMMs,
// regions and namespaces with ndctl's JSON field names. Built with DELETE_NAMESPACES, it
// deletes every namespace instead.
#include "libnvdimm.h"
#include "pmemvp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct nfit_info nfit;

struct dimm_state {
    uint32_t handle;
    uint32_t label_size;
    uint8_t *area;
    struct nslabel_area labels;
    int has_labels;
};
static struct dimm_state dimms[NFIT_MAX_DIMMS];
static unsigned ndimms;

static void fail(const char *what) {
    printf("nvdimm-demo: %s\n", what);
    exit(1);
}

static struct dimm_state *dimm_by_handle(uint32_t handle) {
    for (unsigned i = 0; i < ndimms; ++i)
        if (dimms[i].handle == handle) return &dimms[i];
    return 0;
}

static void load_dimm(struct dimm_state *d) {
    uint32_t max_transfer = 0;
    if (nvdimm_label_size(&nfit, d->handle, &d->label_size, &max_transfer) != DSM_SUCCESS) {
        d->label_size = 0; // a DIMM without a label area
        return;
    }
    d->area = malloc(d->label_size);
    if (!d->area) fail("out of memory for the label area");
    if (nvdimm_read_labels(&nfit, d->handle, d->area, 0, d->label_size) != DSM_SUCCESS)
        fail("reading the label area failed");
    char why[160];
    if (nslabel_open(d->area, d->label_size, &d->labels, why, sizeof why) != 0) {
        printf("nmem%u: %s; initialising v1.2 labels\n", d->handle - 1, why);
        nslabel_init(d->area, d->label_size, 256, &d->labels);
    }
    d->has_labels = 1;
}

static void store_dimm(const struct dimm_state *d) {
    if (nvdimm_write_labels(&nfit, d->handle, d->area, 0, d->label_size) != DSM_SUCCESS)
        fail("writing the label area failed");
}

// Region r's members, in interleave position order (by region offset).
static unsigned members(uint16_t spa_index, const struct nfit_dimm_info **out) {
    unsigned n = 0;
    for (unsigned i = 0; i < nfit.ndimm; ++i)
        if (nfit.dimm[i].spa_index == spa_index) out[n++] = &nfit.dimm[i];
    for (unsigned i = 1; i < n; ++i)
        for (unsigned j = i; j > 0 && out[j]->region_offset < out[j - 1]->region_offset; --j) {
            const struct nfit_dimm_info *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static int find_namespace(uint16_t spa_index, struct ns_label *found) {
    const struct nfit_dimm_info *m[NFIT_MAX_DIMMS];
    const unsigned n = members(spa_index, m);
    struct dimm_state *d = n ? dimm_by_handle(m[0]->handle) : 0;
    if (!d || !d->has_labels) return 0;
    struct ns_label labels[16];
    const int count = nslabel_list(&d->labels, labels, 16);
    const uint64_t cookie = nfit_iset_cookie(&nfit, spa_index, d->labels.g.label_size == 256 ? 2 : 1);
    for (int i = 0; i < count; ++i)
        if (labels[i].isetcookie == cookie && labels[i].nlabel == n) {
            *found = labels[i];
            return 1;
        }
    return 0;
}

#ifndef DELETE_NAMESPACES
static int create_namespace(uint16_t spa_index, unsigned region_number) {
    const struct nfit_dimm_info *m[NFIT_MAX_DIMMS];
    const unsigned n = members(spa_index, m);
    for (unsigned p = 0; p < n; ++p) {
        const struct dimm_state *d = dimm_by_handle(m[p]->handle);
        if (!d || !d->has_labels || m[p]->flags & NFIT_MEM_NOT_ARMED) return 0; // no labels or read-only
    }
    struct ns_label l;
    memset(&l, 0, sizeof l);
    nslabel_make_uuid(l.uuid, spa_index);
    snprintf(l.name, sizeof l.name, "pmemvp-ns%u", region_number);
    l.nlabel = (uint16_t)n;
    l.rawsize = m[0]->region_size;
    const int spa = (int)spa_index; // copy the range's type GUID into each label
    for (unsigned i = 0; i < nfit.nspa; ++i)
        if (nfit.spa[i].index == spa) memcpy(l.type_guid, nfit.spa[i].type_guid, 16);
    for (unsigned p = 0; p < n; ++p) {
        struct dimm_state *d = dimm_by_handle(m[p]->handle);
        l.position = (uint16_t)p;
        l.dpa = m[p]->dpa;
        l.isetcookie = nfit_iset_cookie(&nfit, spa_index, d->labels.g.label_size == 256 ? 2 : 1);
        if (nslabel_add(&d->labels, &l) < 0) fail("no free label slot");
        store_dimm(d);
    }
    return 1;
}
#endif

static void print_health(uint32_t handle) {
    struct nvdimm_health h;
    if (nvdimm_smart(&nfit, handle, &h) != DSM_SUCCESS) return;
    printf(",\n      \"health\":{\"health_state\":\"%s\",\"temperature_celsius\":%u.%u,"
           "\"controller_temperature_celsius\":%u.%u,\"spares_percentage\":%u,"
           "\"life_used_percentage\":%u,\"shutdown_state\":\"%s\",\"shutdown_count\":%lu}",
           h.health == 0 ? "ok" : h.health & 4 ? "fatal" : h.health & 2 ? "critical" : "non-critical",
           h.media_temperature / 16, (h.media_temperature % 16) * 10 / 16,
           h.ctrl_temperature / 16, (h.ctrl_temperature % 16) * 10 / 16, h.spares, h.life_used,
           h.shutdown_state ? "dirty" : "clean", (unsigned long)h.shutdown_count);
}

int main(void) {
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) fail(error);
    for (unsigned i = 0; i < nfit.ndimm; ++i) {
        if (dimm_by_handle(nfit.dimm[i].handle)) continue;
        dimms[ndimms].handle = nfit.dimm[i].handle;
        load_dimm(&dimms[ndimms++]);
    }

    unsigned changed = 0;
    for (unsigned r = 0; r < nfit.nspa; ++r) {
        if (!nfit.spa[r].persistent) continue;
        struct ns_label l;
        const int exists = find_namespace(nfit.spa[r].index, &l);
#ifdef DELETE_NAMESPACES
        if (exists) {
            const struct nfit_dimm_info *m[NFIT_MAX_DIMMS];
            const unsigned n = members(nfit.spa[r].index, m);
            for (unsigned p = 0; p < n; ++p) {
                struct dimm_state *d = dimm_by_handle(m[p]->handle);
                nslabel_remove(&d->labels, l.uuid);
                store_dimm(d);
            }
            ++changed;
        }
#else
        if (!exists) changed += (unsigned)create_namespace(nfit.spa[r].index, r);
#endif
    }

    const char *domain = !nfit.has_capabilities ? "unknown"
                         : nfit.capabilities & NFIT_CAP_CPU_CACHE_FLUSH ? "cpu_cache"
                         : nfit.capabilities & NFIT_CAP_MEM_FLUSH       ? "memory_controller"
                                                                        : "none";
    printf("{\n  \"dimms\":[");
    for (unsigned i = 0; i < ndimms; ++i) {
        const struct nfit_dimm_info *n = 0;
        for (unsigned k = 0; k < nfit.ndimm && !n; ++k)
            if (nfit.dimm[k].handle == dimms[i].handle) n = &nfit.dimm[k];
        printf("%s\n    {\"dev\":\"nmem%u\",\"id\":\"%04x-%08lx\",\"handle\":%lu,\"phys_id\":%u,"
               "\"label_size\":%lu%s",
               i ? "," : "", dimms[i].handle - 1, n->vendor, (unsigned long)n->serial,
               (unsigned long)n->handle, n->phys_id, (unsigned long)dimms[i].label_size,
               n->flags & NFIT_MEM_NOT_ARMED ? ",\"flag_failed_arm\":true" : "");
        print_health(dimms[i].handle);
        printf("}");
    }
    printf("\n  ],\n  \"regions\":[");
    unsigned shown = 0;
    for (unsigned r = 0; r < nfit.nspa; ++r) {
        const struct nfit_spa_info *s = &nfit.spa[r];
        const struct nfit_dimm_info *m[NFIT_MAX_DIMMS];
        const unsigned n = members(s->index, m);
        struct ns_label l;
        const int has_ns = find_namespace(s->index, &l);
        printf("%s\n    {\"dev\":\"region%u\",\"size\":%llu,\"align\":%lu,\"available_size\":%llu,"
               "\"type\":\"%s\",\"iset_id\":%lld,\"persistence_domain\":\"%s\",\"mappings\":[",
               shown++ ? "," : "", r, (unsigned long long)s->length,
               (unsigned long)(m[0] && m[0]->line_size ? m[0]->line_size : 4096),
               has_ns ? 0ULL : (unsigned long long)s->length, s->persistent ? "pmem" : "other",
               (long long)nfit_iset_cookie(&nfit, s->index, 1), domain);
        for (unsigned p = 0; p < n; ++p)
            printf("%s{\"dimm\":\"nmem%lu\",\"offset\":%llu,\"length\":%llu,\"position\":%u}",
                   p ? "," : "", (unsigned long)(m[p]->handle - 1), (unsigned long long)m[p]->dpa,
                   (unsigned long long)m[p]->region_size, p);
        printf("]");
        if (has_ns) {
            char uuid[37];
            nslabel_uuid_string(l.uuid, uuid);
            printf(",\n      \"namespaces\":[{\"dev\":\"namespace%u.0\",\"mode\":\"raw\",\"size\":%llu,"
                   "\"uuid\":\"%s\",\"name\":\"%s\",\"sector_size\":512,\"blockdev\":\"pmem%u\"}]",
                   r, (unsigned long long)(l.rawsize * l.nlabel), uuid, l.name, r);
        }
        printf("}");
    }
    printf("\n  ]\n}\n");
#ifdef DELETE_NAMESPACES
    printf("deleted %u namespace(s)\n", changed);
#else
    printf("created %u namespace(s)\n", changed);
#endif
    return 0;
}
