// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <tlm>
#include <vector>

namespace pmemvp::platform {

// One PT_LOAD segment of a parsed ELF image: `filesz` bytes at `data`, then zeros up to `memsz`.
struct elf_segment {
    unsigned index = 0; // in the program header table (for messages)
    std::uint64_t paddr = 0;
    std::uint64_t filesz = 0;
    std::uint64_t memsz = 0;
    const unsigned char* data = nullptr; // points into the parsed buffer
};

struct elf_image {
    std::uint64_t entry = 0;
    std::vector<elf_segment> segments; // non-empty PT_LOAD segments, in table order
};

// Reads a guest image (-kernel, -bios) whole. Only a regular file is read: a directory, FIFO,
// socket or device gets a config_error, and the file is opened non-blocking so a FIFO swapped
// in never blocks. `what` names the option in messages ("-kernel 'x.elf'").
std::vector<unsigned char> read_guest_file(const std::string& path, const std::string& what,
                                           std::uint64_t max_bytes = 1ull << 32);

// Checks an RV64 little-endian executable ELF image and lists its loadable segments. Every
// offset and length is checked without wrap-around. Throws config_error naming `what` and the
// problem: not ELF, 32-bit, big-endian, another machine, not an executable, truncated or
// corrupt headers, no loadable segment. Allocates nothing in proportion to header values.
elf_image parse_elf(const unsigned char* data, std::size_t size, const std::string& what);

// Where a segment may be loaded, e.g. RAM and the boot ROM.
struct load_region {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
};

struct elf_info {
    std::uint64_t entry = 0;
    std::uint64_t loaded_bytes = 0;
};

// Loads the PT_LOAD segments of an RV64 ELF file at their physical addresses through debug
// transport (zero-filling .bss). A segment must lie wholly inside one of `loadable`;
// otherwise `describe(address)` names what is there (e.g. "NVDIMM 'nv0' memory, backed by
// a user file") and nothing at all is written: all segments are checked before the first
// byte is loaded. `what` names the file in messages ("-kernel 'x.elf'"). Throws config_error.
elf_info load_elf(const std::string& path, const std::string& what,
                  const std::vector<load_region>& loadable,
                  const std::function<std::string(std::uint64_t)>& describe,
                  tlm::tlm_fw_transport_if<>& bus);

// Loads `data` whole at `address` (a raw firmware, a Linux Image, an initrd, a device tree),
// with the same checks: it must lie inside one of `loadable`. Throws config_error.
void load_raw(const std::vector<unsigned char>& data, std::uint64_t address, const std::string& what,
              const std::vector<load_region>& loadable,
              const std::function<std::string(std::uint64_t)>& describe, tlm::tlm_fw_transport_if<>& bus);

// A RISC-V Linux kernel Image: its 64-byte header (magic "RISCV\0\0\0" at 0x30, "RSC\x05" at
// 0x38) and the memory it needs from its load address, .bss included (header field
// image_size; 0 in old kernels, then the file size).
struct linux_image {
    bool valid = false;
    std::uint64_t memory_size = 0;
};
linux_image parse_linux_image(const std::vector<unsigned char>& file);

} // namespace pmemvp::platform
