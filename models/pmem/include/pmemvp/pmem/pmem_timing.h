// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/pmem/cpu_cache.h"
#include "pmemvp/pmem/media_timing.h"
#include "pmemvp/tlm/access_timing.h"

namespace pmemvp::pmem {

// The access timing of one DIMM as the CPU sees it: loads and stores go through the CPU cache;
// misses, write-backs (cbo.clean/flush, evictions) and writes past the cache (DMA) reach the
// DIMM's media timing. A load misses at most once per line; its data arrives at `ready`.
class pmem_timing final : public access_timing { // final: owners delete it as itself
public:
    // `id` tells this DIMM's lines apart from other DIMMs' in the shared cache.
    pmem_timing(cpu_cache& cache, media_timing& media, unsigned id);

    access_times load(std::uint64_t offset, unsigned length, const sc_core::sc_time& now) override;
    sc_core::sc_time store(std::uint64_t offset, unsigned length, const sc_core::sc_time& now) override;
    sc_core::sc_time write_through(std::uint64_t offset, unsigned length, const sc_core::sc_time& now) override;
    sc_core::sc_time cache_op(std::uint64_t offset, persist_op op, const sc_core::sc_time& now) override;
    sc_core::sc_time fence(const sc_core::sc_time& now) override { return cache_.fence(now); }

    media_timing& media() { return media_; }

private:
    std::uint64_t key(std::uint64_t offset) const { return id_bits_ | (offset / 64); }

    cpu_cache& cache_;
    media_timing& media_;
    std::uint64_t id_bits_;
};

} // namespace pmemvp::pmem
