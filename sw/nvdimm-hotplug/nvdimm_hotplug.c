// SPDX-License-Identifier: Apache-2.0
// NVDIMM hot-plug from the guest's side, as Linux's NFIT driver does it with QEMU's _FIT:
// reads the FIT through the root device's DSM (Read FIT), switches on the root's FIT_CHANGED
// interrupt (PLIC source NVDIMM_ROOT_IRQ_VIRT, M-mode external interrupt) and sleeps in wfi.
// When a DIMM is plugged (monitor: device_add nvdimm,id=nv1,memdev=m1[,label-size=128K]) it
// reads the new FIT, reports the DIMMs, creates a namespace on the new one (v1.2 labels when it
// has a label area; else the label-less raw namespace Linux makes), writes a pattern at the
// start of the namespace through the SPA range, makes it durable (cbo.clean, fence, a write to
// each flush hint, fence), and prints the namespace in ndctl's JSON and the pattern's
// Fletcher-64. Exits 0, or 1 with a line saying what failed.
//
// The pattern: PATTERN_BYTES at offset 0 of the new DIMM's pmem (so of its backing file),
// 64-bit little-endian words, word k = PATTERN_BASE + k.
#include "libnvdimm.h"
#include "pmem.h"
#include "pmemvp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_BYTES 4096u
#define PATTERN_BASE 0x686f74706c756700ull /* "\0gulptoh": "hotplug" read backwards */

static struct nfit_info boot, now;
static volatile uint32_t root_events;

static void fail(const char *what) {
    printf("nvdimm-hotplug: %s\n", what);
    exit(1);
}

static int on_trap(struct trap_frame *f) {
    if (f->mcause != (MCAUSE_INTERRUPT | 11)) return 0;
    root_events |= nvdimm_root_interrupt();
    return 1;
}

// Sleeps until the root says the FIT changed. Interrupts are off while the flag is checked, so
// an interrupt between the check and wfi still wakes wfi (pending and enabled in mie).
static void wait_for_fit_change(void) {
    for (;;) {
        csr_clear(mstatus, MSTATUS_MIE);
        if (root_events & NVDIMM_IRQ_FIT_CHANGED) return;
        __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE); // the interrupt is taken here
    }
}

static int in_boot_fit(uint32_t handle) {
    for (unsigned i = 0; i < boot.ndimm; ++i)
        if (boot.dimm[i].handle == handle) return 1;
    return 0;
}

static int spa_position(uint16_t index) {
    for (unsigned i = 0; i < now.nspa; ++i)
        if (now.spa[i].index == index) return (int)i;
    return -1;
}

// The namespace on the new DIMM: an existing one (labels found), a new labelled one, or the
// label-less one. Returns 1 if it has labels (l filled), 0 if label-less.
static int create_namespace(const struct nfit_dimm_info *d, int region, struct ns_label *l) {
    uint32_t label_size = 0, max_transfer = 0;
    if (nvdimm_label_size(&now, d->handle, &label_size, &max_transfer) != DSM_SUCCESS || label_size == 0) {
        printf("nvdimm-hotplug: nmem%lu has no label area: label-less namespace\n", (unsigned long)(d->handle - 1));
        return 0;
    }
    uint8_t *area = malloc(label_size);
    if (!area) fail("out of memory for the label area");
    if (nvdimm_read_labels(&now, d->handle, area, 0, label_size) != DSM_SUCCESS) fail("reading the label area failed");
    struct nslabel_area labels;
    char why[160];
    if (nslabel_open(area, label_size, &labels, why, sizeof why) != 0) {
        printf("nvdimm-hotplug: nmem%lu: %s; initialising v1.2 labels\n", (unsigned long)(d->handle - 1), why);
        nslabel_init(area, label_size, 256, &labels);
    }
    const uint64_t cookie = nfit_iset_cookie(&now, d->spa_index, labels.g.label_size == 256 ? 2 : 1);
    struct ns_label existing[16];
    const int count = nslabel_list(&labels, existing, 16);
    for (int i = 0; i < count; ++i)
        if (existing[i].isetcookie == cookie && existing[i].nlabel == 1) {
            *l = existing[i];
            printf("nvdimm-hotplug: namespace%d.0 already exists\n", region);
            return 1;
        }
    memset(l, 0, sizeof *l);
    nslabel_make_uuid(l->uuid, d->serial);
    snprintf(l->name, sizeof l->name, "pmemvp-hotplug%d", region);
    l->nlabel = 1;
    l->position = 0;
    l->rawsize = d->region_size;
    l->dpa = d->dpa;
    l->isetcookie = cookie;
    memcpy(l->type_guid, now.spa[region].type_guid, 16);
    if (nslabel_add(&labels, l) < 0) fail("no free label slot");
    if (nvdimm_write_labels(&now, d->handle, area, 0, label_size) != DSM_SUCCESS) fail("writing the label area failed");
    // Read back what the DIMM now holds: the namespace must be there.
    memset(area, 0, label_size);
    if (nvdimm_read_labels(&now, d->handle, area, 0, label_size) != DSM_SUCCESS ||
        nslabel_open(area, label_size, &labels, why, sizeof why) != 0 || nslabel_list(&labels, existing, 16) < 1)
        fail("the label written is not in the label area");
    printf("nvdimm-hotplug: created namespace%d.0 on nmem%lu\n", region, (unsigned long)(d->handle - 1));
    free(area);
    return 1;
}

int main(void) {
    char error[200];
    if (nvdimm_probe_fit(&boot, error, sizeof error) != 0) fail(error);
    printf("nvdimm-hotplug: %u DIMM(s) in the FIT at boot\n", boot.ndimm);
    pmemvp_set_trap_handler(on_trap);
    nvdimm_root_enable_interrupt(NVDIMM_IRQ_FIT_CHANGED);
    printf("nvdimm-hotplug: waiting for a DIMM\n");
    wait_for_fit_change();
    printf("nvdimm-hotplug: the root says the FIT changed\n");

    if (nvdimm_probe_fit(&now, error, sizeof error) != 0) fail(error);
    const struct nfit_dimm_info *plugged = 0;
    for (unsigned i = 0; i < now.ndimm; ++i) {
        const struct nfit_dimm_info *d = &now.dimm[i];
        const int r = spa_position(d->spa_index);
        const int is_new = !in_boot_fit(d->handle);
        if (is_new && !plugged) plugged = d;
        printf("nvdimm-hotplug: nmem%lu handle %lu serial 0x%lx range 0x%llx size %llu%s\n",
               (unsigned long)(d->handle - 1), (unsigned long)d->handle, (unsigned long)d->serial,
               r >= 0 ? (unsigned long long)now.spa[r].base : 0ULL, (unsigned long long)d->region_size,
               is_new ? " (new)" : "");
    }
    if (!plugged) fail("the FIT changed but has no new DIMM");
    const int region = spa_position(plugged->spa_index);
    if (region < 0 || !now.spa[region].persistent) fail("the new DIMM has no persistent SPA range");

    struct ns_label label;
    const int labelled = create_namespace(plugged, region, &label);

    struct pmem_region pm;
    if (pmem_region_from_nfit(&now, (unsigned)region, &pm) != 0) fail("the new range is not persistent memory");
    volatile uint64_t *words = (volatile uint64_t *)pm.base;
    for (unsigned k = 0; k < PATTERN_BYTES / 8; ++k) words[k] = PATTERN_BASE + k;
    // Durable whatever the domain: lines written back, then the write-pending queue drained.
    pmem_persist(words, PATTERN_BYTES);
    for (unsigned i = 0; i < pm.nhints; ++i) *pm.hints[i] = 1;
    pmem_drain();
    const uint64_t sum = nd_fletcher64((const void *)pm.base, PATTERN_BYTES);

    const uint64_t size = labelled ? label.rawsize : now.spa[region].length;
    char uuid[37] = "";
    if (labelled) nslabel_uuid_string(label.uuid, uuid);
    printf("{\"dev\":\"namespace%d.0\",\"mode\":\"raw\",\"size\":%llu,", region, (unsigned long long)size);
    if (labelled) printf("\"uuid\":\"%s\",\"name\":\"%s\",", uuid, label.name);
    printf("\"sector_size\":512,\"blockdev\":\"pmem%d\",\"persistence_domain\":\"%s\"}\n", region,
           pmem_domain_name(pm.domain));
    printf("nvdimm-hotplug: wrote %u bytes at 0x%llx, durable; fletcher64 0x%016llx\n", PATTERN_BYTES,
           (unsigned long long)pm.base, (unsigned long long)sum);
    return 0;
}
