// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pmem/cpu_cache.h"

#include <algorithm>

namespace pmemvp::pmem {

using sc_core::sc_time;

cpu_cache::cpu_cache(const timing_profile& profile)
    : lines_(profile.cpu_cache / 64), sets_(profile.cpu_cache / 64 / profile.cpu_cache_ways),
      ways_(profile.cpu_cache_ways), in_flight_(profile.cpu_outstanding) {}

cpu_cache::line* cpu_cache::find(std::uint64_t key) {
    if (last_ && last_->key == key) return last_;
    line* set = &lines_[(key & (sets_ - 1)) * ways_];
    for (unsigned w = 0; w < ways_; ++w)
        if (set[w].key == key) {
            set[w].used = ++use_clock_;
            return last_ = &set[w];
        }
    return nullptr;
}

cpu_cache::line& cpu_cache::allocate(std::uint64_t key, media_timing& home, std::uint64_t offset,
                                     const sc_time& now) {
    line* set = &lines_[(key & (sets_ - 1)) * ways_];
    line* victim = std::min_element(set, set + ways_, [](const line& a, const line& b) { return a.used < b.used; });
    if (victim->key != ~0ull && victim->dirty) {
        ++stats_.dirty_evictions;
        victim->home->write(victim->offset, now);
    }
    *victim = line{key, now, &home, offset, false, ++use_clock_};
    return *(last_ = victim);
}

void cpu_cache::clear() {
    std::fill(lines_.begin(), lines_.end(), line{});
    last_ = nullptr;
}

sc_time cpu_cache::miss_slot(const sc_time& now) const { return std::max(now, in_flight_[next_slot_]); }

void cpu_cache::miss_issued(const sc_time& ready) {
    in_flight_[next_slot_] = ready;
    next_slot_ = (next_slot_ + 1) % in_flight_.size();
    last_complete_ = std::max(last_complete_, ready);
}

void cpu_cache::writeback_issued(const sc_time& acknowledged) {
    last_complete_ = std::max(last_complete_, acknowledged);
}

sc_time cpu_cache::fence(const sc_time& now) const { return std::max(now, last_complete_); }

} // namespace pmemvp::pmem
