/* SPDX-License-Identifier: Apache-2.0 */
/* pmemvp's NVDIMM control page and DSM mailbox, as a driver sees them. One definition for the
   model (models/nvdimm) and for guest drivers (sw/lib/nvdimm, the guest SDK): plain C. */
#ifndef PMEMVP_NVDIMM_REGS_H
#define PMEMVP_NVDIMM_REGS_H

/* One 4 KiB control page per NVDIMM (per slot; handle = slot + 1). */
#define NVDIMM_CONTROL_PAGE_SIZE 0x1000u
#define NVDIMM_MAX_SLOTS 16u
#define NVDIMM_DSM_DOORBELL 0x000 /* 64-bit, W: guest address of a DSM page; runs the call */
#define NVDIMM_DSM_STATUS 0x008   /* 32-bit, R: 0 = last call done, 1 = page not readable/writable */
#define NVDIMM_DSM_CALLS 0x00c    /* 32-bit, R: DSM calls so far */
#define NVDIMM_IRQ_STATUS 0x010   /* 32-bit, R, write 1 to clear */
#define NVDIMM_IRQ_ENABLE 0x014   /* 32-bit, RW: the interrupt line is (status & enable) != 0 */
#define NVDIMM_FLUSH_HINT(i) (0x100u + 8u * (i)) /* 64-bit, W: drains the write-pending queue */
#define NVDIMM_MAX_FLUSH_HINTS 16u

/* Interrupt status bits. */
#define NVDIMM_IRQ_DSM_DONE (1u << 0) /* a DSM call completed (its answer is in the page) */
#define NVDIMM_IRQ_HEALTH (1u << 1)   /* the SMART health changed (read it with DSM function 1) */
#define NVDIMM_IRQ_FIT_CHANGED (1u << 2) /* root page only: a DIMM was hot-plugged (read the FIT) */

/* The NVDIMM root device's page (ACPI0012): the same registers as a DIMM's control page
   (DSM doorbell, status, calls, irq status/enable) without flush hints, right after the
   NVDIMM_MAX_SLOTS DIMM pages. It exists even with no DIMM, so a guest can learn of hot-plugged
   ones: irq bits NVDIMM_IRQ_DSM_DONE and NVDIMM_IRQ_FIT_CHANGED. */
#define NVDIMM_ROOT_PAGE_OFFSET 0x10000u /* from the first DIMM page: NVDIMM_MAX_SLOTS * 4 KiB */
#define NVDIMM_ROOT_IRQ_VIRT 12u         /* the root's PLIC source on the virt platform */

/* The DSM page (QEMU's layout): in {u32 handle, u32 revision, u32 function, u8 arg[4084]};
   out {u32 length (counting itself), u32 status, data...}. Handle 0 is the root device. */
#define DSM_PAGE_SIZE 4096u
#define DSM_IN_HANDLE 0
#define DSM_IN_REVISION 4
#define DSM_IN_FUNCTION 8
#define DSM_IN_ARG 12
#define DSM_OUT_LENGTH 0
#define DSM_OUT_STATUS 4
#define DSM_MAX_TRANSFER 4076u /* label bytes per call */

/* DSM status codes (the low 16 bits of the status word). */
#define DSM_SUCCESS 0
#define DSM_NOT_SUPPORTED 1
#define DSM_NO_SUCH_DEVICE 2
#define DSM_INVALID_INPUT 3

/* Intel DIMM functions (handle = slot + 1), revision 1. */
#define DSM_FN_QUERY 0
#define DSM_FN_SMART 1
#define DSM_FN_LABEL_SIZE 4
#define DSM_FN_LABEL_READ 5
#define DSM_FN_LABEL_WRITE 6
/* Root functions (handle 0, ACPI 6.1 9.20.7). */
#define DSM_FN_ARS_CAP 1
#define DSM_FN_ARS_START 2
#define DSM_FN_ARS_STATUS 3
#define DSM_FN_CLEAR_ERROR 4
/* QEMU's reserved root handle (its _FIT method calls it), revision 1: function 0 = query
   (answers 0x3), function 1 = Read FIT, in {u32 offset}, out {u32 status, FIT bytes from
   offset}: at most DSM_MAX_FIT_READ bytes a call, 0 bytes at the end. The FIT is the NFIT
   without its 40-byte header (the structures only). Status DSM_FIT_CHANGED: the FIT changed
   since the read at offset 0 began; read again from offset 0. */
#define DSM_ROOT_FIT_HANDLE 0x10000u
#define DSM_FN_READ_FIT 1
#define DSM_FIT_CHANGED 0x100u
#define DSM_MAX_FIT_READ 4088u /* the page minus {length, status} */

#endif
