// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <string>
#include <tlm>

namespace pmemvp::platform {

struct elf_info {
    std::uint64_t entry = 0;
    std::uint64_t loaded_bytes = 0;
};

// Loads the PT_LOAD segments of an RV64 ELF file at their physical addresses through debug
// transport (zero-filling .bss), so it works for any memory a platform maps. Throws
// config_error naming the file and what is wrong: not ELF, 32-bit, big-endian, another
// machine, truncated, or a segment outside memory.
elf_info load_elf(const std::string& path, tlm::tlm_fw_transport_if<>& bus);

} // namespace pmemvp::platform
