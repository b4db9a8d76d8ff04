// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/log.h"
#include "pmemvp/util/keyval.h"

#include <cstdint>
#include <string>

namespace pmemvp {

// A memory that refuses guest writes tells the host user so, once: the guest only sees an
// access fault, and the user should learn which memory (which backing file) was read-only.
class read_only_notice {
public:
    // What the memory is, e.g. "NVDIMM 'nv0' (memory-backend-file 'm0', readonly=on)".
    void set_description(std::string text) { description_ = std::move(text); }

    void write_refused(const logger& log, std::uint64_t offset) {
        if (reported_) return;
        reported_ = true;
        log.warn("a write at offset ", util::hex(offset), " was refused: ",
                 description_.empty() ? std::string("this memory") : description_,
                 " is read-only (further refused writes are not reported)");
    }

private:
    std::string description_;
    bool reported_ = false;
};

} // namespace pmemvp
