// SPDX-License-Identifier: Apache-2.0
// A user's pmem program, built out of tree with the pmemvp guest SDK (docs/sdk.md): it finds
// the first NVDIMM range through ACPI's NFIT, writes a record there and persists it as the
// platform's persistence domain requires, then reads the label area's size through a DSM call.
//   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=$PREFIX/share/pmemvp/sdk/cmake/riscv64-picolibc.cmake \
//         -DCMAKE_PREFIX_PATH=$PREFIX && cmake --build build
//   pmemvp -machine virt,nvdimm=on,nvdimm-persistence=mem-ctrl -m 256M -bios none -kernel build/pmem-hello.elf \
//     -object memory-backend-file,id=m0,mem-path=/tmp/pm.img,size=64M,share=on \
//     -device nvdimm,id=nv0,memdev=m0,label-size=128K
#include "libnvdimm.h"
#include "pmem.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    static struct nfit_info nfit;
    char error[200];
    if (nvdimm_probe(&nfit, error, sizeof error) != 0) {
        printf("pmem-hello: no NFIT: %s\n", error);
        return 1;
    }
    struct pmem_region region;
    if (pmem_region_from_nfit(&nfit, 0, &region) != 0) {
        printf("pmem-hello: the first SPA range is not persistent memory\n");
        return 1;
    }
    static const char record[] = "hello from an out-of-tree guest";
    char *pmem = (char *)region.base;
    memcpy(pmem, record, sizeof record);
    pmem_region_persist(&region, pmem, sizeof record);
    printf("pmem-hello: wrote '%s' at 0x%lx (%s domain), persisted\n", pmem, (unsigned long)region.base,
           pmem_domain_name(region.domain));
    uint32_t label_size = 0, max_transfer = 0;
    if (nvdimm_label_size(&nfit, nfit.dimm[0].handle, &label_size, &max_transfer) == DSM_SUCCESS)
        printf("pmem-hello: NVDIMM handle %u has %u bytes of labels\n", (unsigned)nfit.dimm[0].handle,
               (unsigned)label_size);
    return 0;
}
