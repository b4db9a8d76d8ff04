// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/nvdimm/spa_range.h"

#include "nvdimm_regs.h" // the mailbox layout, shared with guest drivers

#include <cstdint>
#include <map>
#include <vector>

namespace pmemvp::nvdimm {

// The _DSM mailbox protocol, with QEMU's buffer layout: the guest's 4 KiB page holds
//   in:  {u32 handle, u32 revision, u32 function, u8 arg3[4084]}
//   out: {u32 length (counting itself), u8 data[4092]}  (data starts with a u32 status)
// Handle 0 is the root device (ARS functions), handle slot + 1 a DIMM (Intel DSM functions),
// handle 0x10000 QEMU's reserved root handle (function 1: Read FIT, as QEMU's _FIT uses it).
namespace dsm_status {
constexpr std::uint32_t success = DSM_SUCCESS, not_supported = DSM_NOT_SUPPORTED,
                        no_such_device = DSM_NO_SUCH_DEVICE, invalid_input = DSM_INVALID_INPUT;
}
constexpr std::size_t dsm_page_size = DSM_PAGE_SIZE;
constexpr std::uint32_t dsm_max_transfer = DSM_MAX_TRANSFER; // label bytes per call, as QEMU

struct smart_health {
    std::uint8_t health = 0;             // 0 healthy, 1 non-critical, 2 critical, 4 fatal
    std::uint8_t spares = 75;            // percent
    std::uint8_t life_used = 5;          // percent
    std::uint16_t media_temperature = 23 * 16; // 1/16 degree Celsius
    std::uint16_t ctrl_temperature = 25 * 16;
    std::uint32_t shutdown_count = 42;
    std::uint8_t shutdown_state = 0;     // 0 clean
};

class dsm_handler {
public:
    dsm_handler(std::vector<nvdimm*> dimms, std::vector<spa_range> ranges);

    // A hot-plugged DIMM and its range: its calls, scrubs of its range, its injected badranges.
    void add(nvdimm* dimm, const spa_range& range);
    // The FIT that Read FIT serves (the NFIT's structures, without its header). A new FIT
    // makes a read in progress (one that began at offset 0 before) answer DSM_FIT_CHANGED.
    void set_fit(std::vector<unsigned char> fit);
    const std::vector<unsigned char>& fit() const { return fit_; }

    // Runs the call in `page` (dsm_page_size bytes) and leaves the answer there. Never reads or
    // writes outside the page, whatever it holds.
    void call(unsigned char* page);

    // Bad ranges in SPA addresses, [start, end), sorted and merged.
    const std::map<std::uint64_t, std::uint64_t>& badranges() const { return bad_; }
    std::uint64_t calls() const { return calls_; }
    smart_health& health(std::uint32_t handle) { return health_[handle]; }

private:
    struct reply;
    void dimm_call(nvdimm& d, std::uint32_t function, const unsigned char* arg, reply& out);
    void root_call(std::uint32_t function, const unsigned char* arg, reply& out);
    void reserved_root_call(std::uint32_t function, const unsigned char* arg, reply& out);
    void add_badranges(const spa_range& r);
    const spa_range* range_holding(std::uint64_t address, std::uint64_t length) const;
    void add_bad(std::uint64_t start, std::uint64_t end);
    std::uint64_t clear_bad(std::uint64_t start, std::uint64_t end);

    std::vector<nvdimm*> dimms_;
    std::vector<spa_range> ranges_;
    std::map<std::uint64_t, std::uint64_t> bad_;
    std::map<std::uint32_t, smart_health> health_;
    bool ars_started_ = false;
    std::uint64_t ars_address_ = 0, ars_length_ = 0;
    std::uint64_t calls_ = 0;
    std::vector<unsigned char> fit_;
    bool fit_dirty_ = false; // changed since the last read at offset 0 (QEMU's fit_dirty)
};

} // namespace pmemvp::nvdimm
