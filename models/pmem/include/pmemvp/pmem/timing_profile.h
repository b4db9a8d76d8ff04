// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

namespace pmemvp::pmem {

// The timing parameters of a persistent-memory DIMM and of the CPU side that reaches it: data,
// not code, so architects can sweep them. Sources are in docs/timing.md.
struct timing_profile {
    std::string name;
    // Idle load latency of a 64-byte line that misses the CPU cache, walking lines randomly
    // (every read goes to media) and sequentially (the rest of a media line is in the on-DIMM
    // buffer). The buffer-hit latency follows from the two.
    sc_core::sc_time read_random, read_sequential;
    sc_core::sc_time write_latency;    // a written-back line reaches the write-pending queue
    sc_core::sc_time nt_write_latency; // a write past the cache (DMA) reaches it
    sc_core::sc_time wpq_hit;          // a load of a line still in the write-pending queue
    unsigned wpq_depth = 0;            // 64-byte entries
    double wpq_drain = 0;              // bytes/s from the queue into the DIMM (the channel)
    std::uint64_t media_line = 0;      // bytes; smaller writes are read-modify-write
    std::uint64_t write_buffer = 0;    // bytes of the on-DIMM write-combining buffer
    double read_bandwidth = 0;         // bytes/s of media reads, per DIMM
    double write_bandwidth = 0;        // bytes/s of media writes, per DIMM
    std::uint64_t cpu_cache = 0;       // bytes of CPU cache in front of persistent memory
    unsigned cpu_cache_ways = 0;
    unsigned cpu_outstanding = 0;      // line misses the CPU keeps in flight

    // Latency of a read whose media line is in the on-DIMM buffer.
    sc_core::sc_time buffer_hit() const;
    unsigned lines_per_media_line() const { return static_cast<unsigned>(media_line / 64); }

    // "optane" (default), "dram", "nvdimm-n"; then comma-separated overrides:
    // "optane,read-random=250ns,wpq-depth=64". Throws config_error naming the fix.
    static timing_profile parse(const std::string& spec);
    static timing_profile named(const std::string& name);
    static std::vector<std::string> names();
    // One line per parameter: name, value in this profile, meaning.
    std::string describe() const;
    // Throws config_error when the values cannot work together.
    void validate() const;
};

} // namespace pmemvp::pmem
