// SPDX-License-Identifier: Apache-2.0
// The NVDIMM _DSM handler of models/nvdimm: whatever a guest leaves in its mailbox page.
// Input: one or more calls; byte 0 says how many (1..4), the rest is cut into that many
// parts, each the start of a 4 KiB page (zeros follow). Two DIMMs with labels and injected
// bad ranges, one alone and one pair in a 4 KiB interleave set, as a guest sees them; the
// handler is new for each input (ARS state, bad ranges), the DIMMs' label areas live on.
// The backends are private mappings of unlinked files in a temporary directory: nothing
// reaches a file that outlives the run.
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/util/config_error.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>

using namespace pmemvp;
using nvdimm::dsm_handler;
using nvdimm::dsm_page_size;
using nvdimm::nvdimm_options;
using nvdimm::spa_range;

namespace {

struct dimms {
    std::string dir;
    std::unique_ptr<backend::file_backend> b[3];
    std::unique_ptr<nvdimm::nvdimm> d[3];
    std::vector<spa_range> ranges;
    dimms() {
        char tmpl[] = "/tmp/pmemvp-fuzz-dsm-XXXXXX";
        if (!mkdtemp(tmpl)) std::abort();
        dir = tmpl;
        const char* extra[3] = {",label-size=128K,badrange=0x2000+0x200:0x10000+0x1000",
                                ",label-size=128K,badrange=0+0x100", ""};
        for (int i = 0; i < 3; ++i) {
            const std::string id = "m" + std::to_string(i);
            b[i] = std::make_unique<backend::file_backend>(
                backend::file_backend_options::parse("id=" + id + ",size=1M,share=off,mem-path=" + dir));
            d[i] = std::make_unique<nvdimm::nvdimm>(
                nvdimm_options::parse("id=nv" + std::to_string(i) + ",memdev=" + id + extra[i]), *b[i], i);
        }
        ranges.push_back({d[0]->spa_index(), 0x100000000ull, d[0]->pmem_size(), 0, {d[0].get()}});
        ranges.push_back({d[1]->spa_index(), 0x140000000ull, 2 * d[1]->pmem_size(), 4096, {d[1].get(), d[2].get()}});
        rmdir(dir.c_str()); // empty: the backends' files are unlinked already
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static dimms fixture;
    dsm_handler handler({fixture.d[0].get(), fixture.d[1].get(), fixture.d[2].get()}, fixture.ranges);
    const unsigned calls = 1 + data[0] % 4;
    ++data;
    --size;
    const std::size_t part = size / calls;
    for (unsigned c = 0; c < calls; ++c) {
        // An exact page on the heap, so that ASan sees any access outside it.
        std::unique_ptr<unsigned char[]> page(new unsigned char[dsm_page_size]());
        const std::size_t n = c + 1 == calls ? size - part * c : part;
        std::memcpy(page.get(), data + part * c, std::min(n, dsm_page_size));
        handler.call(page.get());
        std::uint32_t length;
        std::memcpy(&length, page.get(), 4);
        if (length < 8 || length > dsm_page_size) std::abort(); // {length, status} at least
    }
    return 0;
}
