// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/symbols.h"

#include "pmemvp/platform/elf_loader.h"
#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cstring>
#include <elf.h>

namespace pmemvp::platform {

using util::range_within;

symbol_table symbol_table::parse(const unsigned char* data, std::size_t size, const std::string& what) {
    if (size < sizeof(Elf64_Ehdr) || std::memcmp(data, ELFMAG, SELFMAG) != 0 ||
        data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB)
        throw config_error(what + ": not a 64-bit little-endian ELF file; give the kernel's vmlinux "
                                  "or the program's ELF");
    Elf64_Ehdr eh;
    std::memcpy(&eh, data, sizeof eh);
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !range_within(eh.e_shoff, std::uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr), size))
        throw config_error(what + ": corrupt: the section headers lie outside the file");
    auto section = [&](unsigned i) {
        Elf64_Shdr sh;
        std::memcpy(&sh, data + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof sh);
        return sh;
    };
    symbol_table table;
    for (unsigned want : {unsigned(SHT_SYMTAB), unsigned(SHT_DYNSYM)}) {
        for (unsigned i = 0; i < eh.e_shnum && table.functions_.empty(); ++i) {
            const Elf64_Shdr sh = section(i);
            if (sh.sh_type != want) continue;
            if (sh.sh_link >= eh.e_shnum || !range_within(sh.sh_offset, sh.sh_size, size))
                throw config_error(what + ": corrupt: symbol table " + std::to_string(i) + " lies outside the file");
            const Elf64_Shdr strings = section(sh.sh_link);
            if (!range_within(strings.sh_offset, strings.sh_size, size))
                throw config_error(what + ": corrupt: the symbol names lie outside the file");
            const char* names = reinterpret_cast<const char*>(data + strings.sh_offset);
            for (std::uint64_t at = 0; at + sizeof(Elf64_Sym) <= sh.sh_size; at += sizeof(Elf64_Sym)) {
                Elf64_Sym sym;
                std::memcpy(&sym, data + sh.sh_offset + at, sizeof sym);
                if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0 || sym.st_name >= strings.sh_size)
                    continue;
                const std::size_t max = strings.sh_size - sym.st_name;
                const std::size_t length = strnlen(names + sym.st_name, max);
                if (length == max || length == 0) continue; // not terminated inside the table
                table.functions_.push_back({sym.st_value, sym.st_size, std::string(names + sym.st_name, length)});
            }
        }
        if (!table.functions_.empty()) break;
    }
    std::sort(table.functions_.begin(), table.functions_.end(),
              [](const function& a, const function& b) { return a.start < b.start; });
    return table;
}

symbol_table symbol_table::load(const std::string& path, const std::string& what) {
    const std::vector<unsigned char> file = read_guest_file(path, what, 1ull << 34);
    return parse(file.data(), file.size(), what);
}

void symbol_table::merge(const symbol_table& other) {
    functions_.insert(functions_.end(), other.functions_.begin(), other.functions_.end());
    std::sort(functions_.begin(), functions_.end(),
              [](const function& a, const function& b) { return a.start < b.start; });
}

std::string symbol_table::describe(std::uint64_t pc) const {
    // The last function starting at or before pc, if pc lies inside it (a size of 0: up to
    // the next symbol).
    auto it = std::upper_bound(functions_.begin(), functions_.end(), pc,
                               [](std::uint64_t v, const function& f) { return v < f.start; });
    if (it == functions_.begin()) return "";
    const function& f = *std::prev(it);
    const std::uint64_t offset = pc - f.start;
    if (f.size ? offset >= f.size : (it != functions_.end() && pc >= it->start)) return "";
    return f.name + "+" + util::hex(offset);
}

} // namespace pmemvp::platform
