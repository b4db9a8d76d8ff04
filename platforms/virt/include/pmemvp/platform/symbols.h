// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pmemvp::platform {

// The function symbols of an ELF file (.symtab, or .dynsym), to print guest PCs as
// `function+0x12`: the guest program's own, or a kernel's vmlinux given with --symbols.
class symbol_table {
public:
    // Reads the symbols of an ELF image; every offset is range-checked. Throws config_error
    // naming `what` for a file that is not a 64-bit little-endian ELF or whose tables are
    // corrupt. An ELF without symbols gives an empty table.
    static symbol_table parse(const unsigned char* data, std::size_t size, const std::string& what);
    static symbol_table load(const std::string& path, const std::string& what);

    void merge(const symbol_table& other);
    bool empty() const { return functions_.empty(); }
    std::size_t size() const { return functions_.size(); }
    // "name+0x1c", or "" when no function holds `pc`.
    std::string describe(std::uint64_t pc) const;

private:
    struct function {
        std::uint64_t start, size;
        std::string name;
    };
    std::vector<function> functions_; // sorted by start
};

} // namespace pmemvp::platform
