// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pmem/timing_profile.h"

#include <cstdint>
#include <systemc>
#include <vector>

namespace pmemvp::pmem {

struct media_stats {
    std::uint64_t reads = 0;        // 64-byte line reads that reached the DIMM
    std::uint64_t writes = 0;       // 64-byte lines into the write-pending queue
    std::uint64_t flushes = 0;      // of those, written back by cbo.clean / cbo.flush
    std::uint64_t wpq_hits = 0;     // reads served by the write-pending queue
    std::uint64_t buffer_hits = 0;  // reads served by the on-DIMM buffer
    std::uint64_t media_reads = 0;  // media lines read, read-modify-write included
    std::uint64_t rmw_reads = 0;    // media lines read to merge a partial write
    std::uint64_t media_writes = 0; // media lines written
    std::uint64_t drains = 0;       // flush-hint drains of the write-pending queue
    std::uint64_t wpq_max = 0;      // most entries the queue held
    std::uint64_t wpq_sum = 0;      // entries found by each write, for the mean
    std::uint64_t media_line = 64;

    // Media bytes written per byte the host wrote (1 = none; 4 = 64-byte writes to 256-byte lines).
    double write_amplification() const {
        return writes ? static_cast<double>(media_writes * media_line) / (writes * 64.0) : 0.0;
    }
    double wpq_mean() const { return writes ? static_cast<double>(wpq_sum) / writes : 0.0; }
};

// One DIMM's side of the timing: the write-pending queue (WPQ) in front of it, an on-DIMM
// buffer of media lines that serves reads of a line fetched before and combines writes (the
// XPBuffer of Optane), and the media, whose reads and writes each take their bandwidth's share
// of time. A read that misses the buffer fetches a whole media line; a buffer line evicted with
// writes in it is written to media, read first when only partly written.
// Times are absolute simulated times; calls must come in the order the accesses are issued.
class media_timing {
public:
    explicit media_timing(const timing_profile& profile);

    // A 64-byte line read issued at `now`: when its data is there.
    sc_core::sc_time read(std::uint64_t offset, const sc_core::sc_time& now);
    // A 64-byte line write issued at `now`: when the write-pending queue accepts it.
    sc_core::sc_time write(std::uint64_t offset, const sc_core::sc_time& now);
    // A flush hint: when everything in the write-pending queue has left it.
    sc_core::sc_time drain(const sc_core::sc_time& now);
    unsigned wpq_occupancy(const sc_core::sc_time& now) const;
    // Power is lost: the queue and the buffer are saved to media and start empty.
    void power_cycle();

    const timing_profile& profile() const { return profile_; }
    const media_stats& stats() const { return stats_; }
    media_stats& stats() { return stats_; }

private:
    struct buffered_line {
        std::uint64_t index = ~0ull;  // media line number, ~0 = empty
        sc_core::sc_time ready;       // its data is in the buffer
        std::uint64_t written = 0;    // bit per 64-byte line written since fetched
        std::uint64_t used = 0;       // for LRU
    };
    struct wpq_entry {
        std::uint64_t line = ~0ull;
        sc_core::sc_time drained;     // leaves the queue
    };
    buffered_line* find(std::uint64_t index);
    // Frees the least recently used buffer line at `now` (writing it to media if it must);
    // returns it and when it is free.
    buffered_line& allocate(sc_core::sc_time& now);
    sc_core::sc_time media_read(const sc_core::sc_time& now);  // start of a media line read
    sc_core::sc_time media_write(const sc_core::sc_time& now); // start of a media line write

    timing_profile profile_;
    media_stats stats_;
    sc_core::sc_time buffer_hit_, media_read_time_, media_write_time_, line_drain_time_;
    std::uint64_t full_mask_;
    std::vector<buffered_line> buffer_;
    std::uint64_t use_clock_ = 0;
    buffered_line* last_ = nullptr; // the line found last
    std::vector<wpq_entry> wpq_; // a ring: wpq_next_ is the oldest entry
    std::size_t wpq_next_ = 0;
    sc_core::sc_time last_drain_, read_free_, write_free_;
};

} // namespace pmemvp::pmem
