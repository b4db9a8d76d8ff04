// SPDX-License-Identifier: Apache-2.0
// The ELF parsers behind -kernel and --symbols: any bytes. A config_error is the expected answer to a bad
// file; anything else escaping (bad_alloc, ...), a crash or a sanitizer report is a finding.
// Every segment it returns is read whole, so that AddressSanitizer sees a pointer or length
// that leaves the file's bytes.
#include "pmemvp/platform/elf_loader.h"
#include "pmemvp/platform/symbols.h"
#include "pmemvp/util/config_error.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<unsigned char> file(data, data + size); // exact size, on the heap
    try {
        const auto image = pmemvp::platform::parse_elf(file.data(), file.size(), "-kernel 'fuzz'");
        if (image.segments.empty()) std::abort(); // "no loadable segment" is an error
        std::uint64_t sum = 0;
        for (const auto& s : image.segments) {
            if (s.filesz > s.memsz) std::abort();
            if (s.filesz == 0) continue;
            if (s.data < file.data() || s.data > file.data() + file.size() ||
                s.filesz > static_cast<std::uint64_t>(file.data() + file.size() - s.data))
                std::abort();
            for (std::uint64_t i = 0; i < s.filesz; ++i) sum += s.data[i];
        }
        volatile std::uint64_t sink = sum;
        (void)sink;
    } catch (const pmemvp::config_error&) {
    }
    // The symbol table reader (--symbols, and the PCs of every report) on the same bytes.
    try {
        const auto symbols = pmemvp::platform::symbol_table::parse(file.data(), file.size(), "--symbols 'fuzz'");
        volatile std::size_t sink = symbols.describe(0x80000000).size() + symbols.size();
        (void)sink;
    } catch (const pmemvp::config_error&) {
    }
    return 0;
}
