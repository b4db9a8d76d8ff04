// SPDX-License-Identifier: Apache-2.0
// NFIT parser of sw/lib/nvdimm (guest library and pmemvp-inspect): any bytes, any length.
// Each input is parsed as it is, then with its checksum made right, so that the structures
// behind the checksum are reached. A parsed table is also used the way its readers use it
// (set cookies, type names).
#include "nfit.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void parse(const std::vector<std::uint8_t>& table) {
    static nfit_info info;
    if (nfit_parse(table.data(), table.size(), &info) != 0) {
        if (std::memchr(info.error, 0, sizeof info.error) == nullptr || info.error[0] == 0) std::abort();
        return;
    }
    if (info.nspa > NFIT_MAX_SPAS || info.ndimm > NFIT_MAX_DIMMS) std::abort();
    std::uint64_t sum = 0;
    for (unsigned i = 0; i < info.nspa; ++i) {
        sum += std::strlen(nfit_spa_type_name(info.spa[i].type_guid));
        sum += nfit_iset_cookie(&info, info.spa[i].index, 1) + nfit_iset_cookie(&info, info.spa[i].index, 2);
    }
    for (unsigned i = 0; i < info.ndimm; ++i) {
        if (info.dimm[i].hint_count > NFIT_MAX_HINTS) std::abort();
        for (unsigned h = 0; h < info.dimm[i].hint_count; ++h) sum += info.dimm[i].hints[h];
    }
    volatile std::uint64_t sink = sum;
    (void)sink;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size copy, so that AddressSanitizer sees any read past the end.
    std::vector<std::uint8_t> table(data, data + size);
    parse(table);
    if (size >= 40) {
        std::uint32_t length = table[4] | table[5] << 8 | table[6] << 16 | static_cast<std::uint32_t>(table[7]) << 24;
        if (length > size) length = static_cast<std::uint32_t>(size);
        std::uint8_t sum = 0;
        for (std::uint32_t i = 0; i < length; ++i) sum = static_cast<std::uint8_t>(sum + table[i]);
        if (sum != 0) {
            table[9] = static_cast<std::uint8_t>(table[9] - sum);
            parse(table);
        }
    }
    return 0;
}
