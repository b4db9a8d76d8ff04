// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/nvdimm/nvdimm.h"

#include <cstdint>
#include <vector>

namespace pmemvp::nvdimm {

// One System Physical Address range of persistent memory: a single DIMM, or an interleave set
// striping `granularity`-sized lines across its DIMMs in order.
struct spa_range {
    std::uint16_t index = 0;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t granularity = 0; // 0: not interleaved
    std::vector<nvdimm*> dimms;

    std::uint64_t per_dimm_size() const { return size / dimms.size(); }
    // SPA offset of byte `offset` of the DIMM at `position` in the set.
    std::uint64_t spa_offset(unsigned position, std::uint64_t offset) const {
        if (!granularity) return offset;
        return ((offset / granularity) * dimms.size() + position) * granularity + offset % granularity;
    }
    // The DIMM holding SPA offset `spa`.
    unsigned position_of(std::uint64_t spa) const {
        return granularity ? static_cast<unsigned>((spa / granularity) % dimms.size()) : 0;
    }
};

} // namespace pmemvp::nvdimm
