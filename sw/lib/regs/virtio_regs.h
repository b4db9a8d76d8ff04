/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-pmem over pmemvp's virtio PCI transport, as a driver sees it: the virtio 1.x PCI
   registers (virtio spec 4.1), pmemvp's BAR layout, and virtio-pmem's config and requests
   (virtio spec 5.19). One definition for the model (models/virtio) and for guest drivers
   (sw/lib/virtio, the guest SDK): plain C. */
#ifndef PMEMVP_VIRTIO_REGS_H
#define PMEMVP_VIRTIO_REGS_H
#include <stdint.h>

/* PCI identity: vendor 1AF4, device 0x1040 + virtio device type, subsystem 1AF4:1100. */
#define VIRTIO_PCI_VENDOR 0x1af4u
#define VIRTIO_PCI_DEVICE(type) (0x1040u + (type))
#define VIRTIO_PCI_SUBSYSTEM 0x1100u

/* Vendor capabilities (PCI capability 0x09): cfg_type at +3, bar at +4, id at +5, offset at
   +8, length at +12; notify_off_multiplier at +16 (NOTIFY); offset/length high halves at +16/+20
   (SHARED_MEMORY). */
#define VIRTIO_PCI_CAP_VENDOR 0x09
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_SHARED_MEMORY_CFG 8

/* Common configuration (virtio_pci_common_cfg), byte offsets. */
#define VIRTIO_PCI_COMMON_DFSELECT 0   /* le32 device_feature_select */
#define VIRTIO_PCI_COMMON_DF 4         /* le32 device_feature */
#define VIRTIO_PCI_COMMON_GFSELECT 8   /* le32 driver_feature_select */
#define VIRTIO_PCI_COMMON_GF 12        /* le32 driver_feature */
#define VIRTIO_PCI_COMMON_MSIX 16      /* le16 config_msix_vector */
#define VIRTIO_PCI_COMMON_NUMQ 18      /* le16 num_queues */
#define VIRTIO_PCI_COMMON_STATUS 20    /* u8 device_status */
#define VIRTIO_PCI_COMMON_CFGGEN 21    /* u8 config_generation */
#define VIRTIO_PCI_COMMON_Q_SELECT 22  /* le16 */
#define VIRTIO_PCI_COMMON_Q_SIZE 24    /* le16 */
#define VIRTIO_PCI_COMMON_Q_MSIX 26    /* le16 */
#define VIRTIO_PCI_COMMON_Q_ENABLE 28  /* le16 */
#define VIRTIO_PCI_COMMON_Q_NOFF 30    /* le16 queue_notify_off */
#define VIRTIO_PCI_COMMON_Q_DESC 32    /* le64 */
#define VIRTIO_PCI_COMMON_Q_DRIVER 40  /* le64 (the available ring) */
#define VIRTIO_PCI_COMMON_Q_DEVICE 48  /* le64 (the used ring) */

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128
#define VIRTIO_F_INDIRECT_DESC (1ULL << 28)
#define VIRTIO_F_VERSION_1 (1ULL << 32)
#define VIRTIO_ISR_QUEUE 1  /* a used buffer */
#define VIRTIO_ISR_CONFIG 2 /* a configuration change */

/* Split virtqueues (virtio spec 2.7): descriptors {le64 addr, le32 len, le16 flags, le16 next};
   available ring {le16 flags, le16 idx, le16 ring[size]}; used ring {le16 flags, le16 idx,
   {le32 id, le32 len} ring[size]}. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* pmemvp's layout: BAR 4 (64-bit prefetchable, 16 KiB) holds the four regions; with
   VIRTIO_PMEM_F_SHMEM_REGION, BAR 2 is shared memory region 0 (the persistent range). */
#define PMEMVP_VIRTIO_BAR 4
#define PMEMVP_VIRTIO_BAR_SIZE 0x4000u
#define PMEMVP_VIRTIO_COMMON 0x0000u
#define PMEMVP_VIRTIO_ISR 0x1000u
#define PMEMVP_VIRTIO_DEVICE 0x2000u
#define PMEMVP_VIRTIO_NOTIFY 0x3000u
#define PMEMVP_VIRTIO_NOTIFY_MULTIPLIER 4u
#define PMEMVP_VIRTIO_SHM_BAR 2

/* virtio-pmem (device type 27): one request queue; a request is a device-readable le32 type
   followed by a device-writable le32 response. */
#define VIRTIO_ID_PMEM 27u
#define VIRTIO_PMEM_QUEUE_SIZE 128u /* pmemvp's maximum */
#define VIRTIO_PMEM_F_SHMEM_REGION (1ULL << 0)
#define VIRTIO_PMEM_REQ_TYPE_FLUSH 0u
#define VIRTIO_PMEM_RESP_OK 0u
#define VIRTIO_PMEM_RESP_EIO 0xffffffffu /* -1, the specification's failure value */
struct virtio_pmem_config {
    uint64_t start; /* le64: guest physical address of the range (0 with SHMEM_REGION) */
    uint64_t size;  /* le64 */
};

#endif
