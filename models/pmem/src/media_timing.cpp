// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pmem/media_timing.h"

#include <algorithm>

namespace pmemvp::pmem {

using sc_core::sc_time;

namespace {
sc_time transfer_time(double bytes, double bytes_per_second) {
    return sc_time(bytes / bytes_per_second, sc_core::SC_SEC);
}
} // namespace

media_timing::media_timing(const timing_profile& profile)
    : profile_(profile), buffer_hit_(profile.buffer_hit()),
      media_read_time_(transfer_time(static_cast<double>(profile.media_line), profile.read_bandwidth)),
      media_write_time_(transfer_time(static_cast<double>(profile.media_line), profile.write_bandwidth)),
      line_drain_time_(transfer_time(64, profile.wpq_drain)),
      full_mask_(profile.lines_per_media_line() >= 64 ? ~0ull : (1ull << profile.lines_per_media_line()) - 1),
      buffer_(std::max<std::uint64_t>(1, profile.write_buffer / profile.media_line)),
      wpq_(profile.wpq_depth) {
    stats_.media_line = profile.media_line;
}

media_timing::buffered_line* media_timing::find(std::uint64_t index) {
    // Sequential accesses stay in one media line: try the last one found first.
    if (last_ && last_->index == index) return last_;
    for (auto& b : buffer_)
        if (b.index == index) return last_ = &b;
    return nullptr;
}

sc_time media_timing::media_read(const sc_time& now) {
    const sc_time start = std::max(now, read_free_);
    read_free_ = start + media_read_time_;
    ++stats_.media_reads;
    return start;
}

sc_time media_timing::media_write(const sc_time& now) {
    const sc_time start = std::max(now, write_free_);
    write_free_ = start + media_write_time_;
    ++stats_.media_writes;
    return start;
}

media_timing::buffered_line& media_timing::allocate(sc_time& now) {
    auto victim = std::min_element(buffer_.begin(), buffer_.end(),
                                   [](const auto& a, const auto& b) { return a.used < b.used; });
    if (victim->index != ~0ull && victim->written) {
        if (victim->written != full_mask_) {
            ++stats_.rmw_reads; // merge the bytes nobody wrote
            media_read(now);
        }
        // The line is free once its write to media has started.
        now = std::max(now, media_write(now));
    }
    *victim = buffered_line{};
    victim->used = ++use_clock_;
    return *(last_ = &*victim);
}

sc_time media_timing::read(std::uint64_t offset, const sc_time& now) {
    ++stats_.reads;
    const std::uint64_t line = offset / 64;
    for (const auto& e : wpq_)
        if (e.line == line && e.drained > now) {
            ++stats_.wpq_hits;
            return now + profile_.wpq_hit;
        }
    const std::uint64_t index = offset / profile_.media_line;
    if (buffered_line* b = find(index)) {
        ++stats_.buffer_hits;
        b->used = ++use_clock_;
        return std::max(now + buffer_hit_, b->ready);
    }
    sc_time start = now;
    buffered_line& b = allocate(start);
    b.index = index;
    b.ready = media_read(start) + profile_.read_random;
    return b.ready;
}

sc_time media_timing::write(std::uint64_t offset, const sc_time& now) {
    ++stats_.writes;
    wpq_entry& slot = wpq_[wpq_next_]; // the oldest entry must have left to make room
    const sc_time accept = std::max(now, slot.drained);
    const std::uint64_t occupancy = wpq_occupancy(accept) + 1;
    stats_.wpq_sum += occupancy;
    stats_.wpq_max = std::max(stats_.wpq_max, occupancy);

    // Entries leave in order, one line transfer each, into the buffer.
    sc_time drained = std::max(accept, last_drain_) + line_drain_time_;
    const std::uint64_t index = offset / profile_.media_line;
    buffered_line* b = find(index);
    if (!b) {
        b = &allocate(drained);
        b->index = index;
        b->ready = drained;
    }
    b->used = ++use_clock_;
    b->written |= 1ull << ((offset % profile_.media_line) / 64);
    last_drain_ = drained;
    slot = {offset / 64, drained};
    wpq_next_ = (wpq_next_ + 1) % wpq_.size();
    return accept;
}

sc_time media_timing::drain(const sc_time& now) {
    ++stats_.drains;
    return std::max(now, last_drain_);
}

void media_timing::power_cycle() {
    std::fill(buffer_.begin(), buffer_.end(), buffered_line{});
    last_ = nullptr;
    std::fill(wpq_.begin(), wpq_.end(), wpq_entry{});
}

unsigned media_timing::wpq_occupancy(const sc_time& now) const {
    // Entries leave in order: drain times rise from the oldest (wpq_next_) to the newest, so
    // the entries still queued are the newest n. Binary search for n.
    const std::size_t depth = wpq_.size();
    auto newest = [&](std::size_t k) -> const wpq_entry& { return wpq_[(wpq_next_ + depth - 1 - k) % depth]; };
    std::size_t lo = 0, hi = depth; // newest(k) is queued for k < n
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (newest(mid).drained > now) lo = mid + 1;
        else hi = mid;
    }
    return static_cast<unsigned>(lo);
}

} // namespace pmemvp::pmem
