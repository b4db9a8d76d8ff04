// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/access_timing.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/read_only_notice.h"
#include "pmemvp/tlm/store_observer.h"

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <utility>
#include <vector>

namespace pmemvp {

// Where offset `addr` of an interleave set of `ways` at `granularity` lies: the way and the
// offset in it.
inline std::pair<unsigned, std::uint64_t> locate_stripe(std::uint64_t addr, unsigned ways,
                                                        std::uint64_t granularity) {
    const std::uint64_t stripe = addr / granularity;
    return {static_cast<unsigned>(stripe % ways), (stripe / ways) * granularity + addr % granularity};
}

// A memory interleaved across several host buffers ("ways") at a fixed granularity: address a
// lies in way (a / granularity) % ways, at offset (a / (granularity * ways)) * granularity +
// a % granularity. Accesses that cross a stripe are split; DMI is granted one stripe at a time.
class striped_memory_target : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<striped_memory_target> socket;

    // Every way holds `way_size` bytes, a multiple of `granularity`.
    striped_memory_target(const sc_core::sc_module_name& name, std::vector<unsigned char*> ways,
                          std::uint64_t way_size, std::uint64_t granularity, bool writable);

    std::uint64_t size() const { return way_size_ * ways_.size(); }
    unsigned char* host_address(std::uint64_t addr) const;
    void invalidate_dmi() { socket->invalidate_direct_mem_ptr(0, size() - 1); }
    // One observer per way, told of writes and cache-block operations in that way's offsets.
    void set_store_observers(std::vector<store_observer*> observers) { observers_ = std::move(observers); }
    // One timing per way, in that way's offsets (see memory_target::set_access_timing).
    void set_access_timings(std::vector<access_timing*> timings) { timings_ = std::move(timings); }
    // What this memory is, for the warning a refused write gives.
    void set_description(std::string text) { read_only_.set_description(std::move(text)); }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);
    unsigned copy(tlm::tlm_generic_payload& gp, bool allow_write);
    // The way holding `addr` and the offset there.
    std::pair<unsigned, std::uint64_t> locate(std::uint64_t addr) const;

    logger log_;
    read_only_notice read_only_;
    std::vector<unsigned char*> ways_;
    std::uint64_t way_size_;
    std::uint64_t granularity_;
    bool writable_;
    std::vector<store_observer*> observers_;
    std::vector<access_timing*> timings_;
};

} // namespace pmemvp
