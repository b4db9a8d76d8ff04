// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pmem/pmem_timing.h"

namespace pmemvp::pmem {

using sc_core::sc_time;

pmem_timing::pmem_timing(cpu_cache& cache, media_timing& media, unsigned id)
    : cache_(cache), media_(media), id_bits_(static_cast<std::uint64_t>(id) << 48) {}

access_times pmem_timing::load(std::uint64_t offset, unsigned, const sc_time& now) {
    const std::uint64_t k = key(offset);
    if (const cpu_cache::line* l = cache_.find(k)) {
        ++cache_.stats().hits;
        return {now, std::max(now, l->ready)};
    }
    ++cache_.stats().misses;
    const sc_time issue = cache_.miss_slot(now);
    const std::uint64_t line = offset & ~63ull;
    const sc_time ready = media_.read(line, issue);
    cache_.miss_issued(ready);
    cache_.allocate(k, media_, line, issue).ready = ready;
    return {issue, ready};
}

sc_time pmem_timing::store(std::uint64_t offset, unsigned, const sc_time& now) {
    const std::uint64_t k = key(offset);
    cpu_cache::line* l = cache_.find(k);
    ++(l ? cache_.stats().hits : cache_.stats().misses);
    if (!l) l = &cache_.allocate(k, media_, offset & ~63ull, now);
    l->dirty = true;
    return now;
}

sc_time pmem_timing::write_through(std::uint64_t offset, unsigned length, const sc_time& now) {
    sc_time done = now;
    for (std::uint64_t line = offset & ~63ull; line < offset + length; line += 64) {
        if (cpu_cache::line* l = cache_.find(key(line))) cache_.remove(*l); // snooped away
        done = std::max(done, media_.write(line, now) + media_.profile().nt_write_latency);
    }
    return done;
}

sc_time pmem_timing::cache_op(std::uint64_t offset, persist_op op, const sc_time& now) {
    cpu_cache::line* l = cache_.find(key(offset));
    if (!l) return now;
    if (l->dirty && op != persist_op::inval) {
        ++media_.stats().flushes;
        cache_.writeback_issued(media_.write(l->offset, now) + media_.profile().write_latency);
        l->dirty = false;
    }
    if (op != persist_op::clean) cache_.remove(*l);
    return now;
}

} // namespace pmemvp::pmem
