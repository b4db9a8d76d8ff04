// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pmem/media_timing.h"

#include <cstdint>
#include <systemc>
#include <vector>

namespace pmemvp::pmem {

struct cpu_cache_stats {
    std::uint64_t hits = 0, misses = 0;
    std::uint64_t dirty_evictions = 0; // lines written back because the cache needed room
};

// The CPU's cache as persistent memory sees it: which lines are present (so a load hits and
// costs nothing beyond its instruction), which are dirty (written back when evicted or cleaned),
// how many misses are in flight (a load waits for a free slot), and when the last written-back
// line is acknowledged (what a fence waits for). Set-associative with LRU replacement; a store
// allocates without reading the line. Shared by every DIMM's timing.
class cpu_cache {
public:
    struct line {
        std::uint64_t key = ~0ull;       // unique per DIMM line; ~0 = empty
        sc_core::sc_time ready;          // data arrives (a miss in flight)
        media_timing* home = nullptr;    // the DIMM it belongs to
        std::uint64_t offset = 0;        // there
        bool dirty = false;
        std::uint64_t used = 0;
    };

    explicit cpu_cache(const timing_profile& profile);

    line* find(std::uint64_t key);
    // Makes room (writing a dirty victim back to its DIMM, posted) and returns the new line.
    line& allocate(std::uint64_t key, media_timing& home, std::uint64_t offset, const sc_core::sc_time& now);
    void remove(line& l) { l = line{}; }
    // Power is lost: the cache holds nothing.
    void clear();

    // When a miss issued at `now` gets a slot; then record when it completes.
    sc_core::sc_time miss_slot(const sc_core::sc_time& now) const;
    void miss_issued(const sc_core::sc_time& ready);
    void writeback_issued(const sc_core::sc_time& acknowledged);
    // When every miss and write-back issued so far is complete.
    sc_core::sc_time fence(const sc_core::sc_time& now) const;

    const cpu_cache_stats& stats() const { return stats_; }
    cpu_cache_stats& stats() { return stats_; }

private:
    std::vector<line> lines_;   // sets_ x ways_
    std::uint64_t sets_;
    unsigned ways_;
    std::uint64_t use_clock_ = 0;
    line* last_ = nullptr;      // the most recent line: consecutive accesses hit it
    std::vector<sc_core::sc_time> in_flight_; // ring of miss completion times
    std::size_t next_slot_ = 0;
    sc_core::sc_time last_complete_;
    cpu_cache_stats stats_;
};

} // namespace pmemvp::pmem
