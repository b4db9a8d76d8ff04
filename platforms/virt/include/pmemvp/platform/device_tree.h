// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pmemvp::platform {

// What the device tree of the `virt` platform says, taken from the platform's devices: never a
// fixed blob. The fixed parts (CLINT, PLIC, UART, finisher, PCIe) come from the memory map.
struct device_tree_config {
    std::uint64_t ram_base = 0;
    std::uint64_t ram_size = 0;
    std::uint32_t timebase_hz = 10000000;
    std::string bootargs;                  // -append
    std::uint64_t initrd_start = 0, initrd_end = 0; // -initrd (end 0: none)
    struct pmem_range {
        std::uint64_t base = 0, size = 0;
        bool is_volatile = false; // nothing reaches a file (share=off): of_pmem's "volatile"
    };
    std::vector<pmem_range> pmem; // one pmem-region node each (NVDIMM ranges, interleave sets)
};

// The flattened device tree blob (libfdt). Throws config_error if libfdt fails.
std::vector<unsigned char> build_device_tree(const device_tree_config& config);

// A user's blob (-dtb) with /chosen's bootargs and initrd range set as the options say (as
// QEMU does); checks the blob first. Throws config_error naming `what` for a bad blob.
std::vector<unsigned char> update_chosen(const std::vector<unsigned char>& blob, const std::string& what,
                                         const device_tree_config& config);

} // namespace pmemvp::platform
