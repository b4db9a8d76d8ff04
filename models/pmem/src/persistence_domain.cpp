// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/pmem/persistence_domain.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace pmemvp::pmem {

std::optional<domain_kind> parse_domain(const std::string& text) {
    if (text == "eadr") return domain_kind::eadr;
    if (text == "adr") return domain_kind::adr;
    if (text == "none") return domain_kind::none;
    return std::nullopt;
}

std::optional<failure_policy> failure_policy::parse(const std::string& text) {
    if (text == "lose-all") return failure_policy{};
    if (text.rfind("random:", 0) != 0) return std::nullopt;
    const auto colon = text.find(':', 7);
    if (colon == std::string::npos) return std::nullopt;
    try {
        std::size_t used = 0;
        failure_policy p;
        p.seed = std::stoull(text.substr(7, colon - 7), &used);
        if (used != colon - 7) return std::nullopt;
        p.survival = std::stod(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1 || p.survival < 0 || p.survival > 1) return std::nullopt;
        return p;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

const char* to_string(finding::kind k) {
    switch (k) {
    case finding::kind::not_durable: return "store not durable";
    case finding::kind::flush_unwritten: return "flush of a line never written";
    case finding::kind::redundant_flush: return "redundant flush of a durable line";
    case finding::kind::flush_without_fence: return "flush never followed by a fence";
    }
    return "?";
}

const char* to_string(persistence_domain::event e) {
    switch (e) {
    case persistence_domain::event::clean: return "clean";
    case persistence_domain::event::fence: return "fence";
    case persistence_domain::event::drain: return "drain";
    case persistence_domain::event::flush: return "flush";
    }
    return "?";
}

persistence_domain::persistence_domain(unsigned char* memory, std::uint64_t size, domain_kind kind)
    : memory_(memory), size_(size), kind_(kind), state_((size + line - 1) / line),
      written_((state_.size() + 63) / 64), slot_(kind == domain_kind::eadr ? 0 : state_.size()) {}

persistence_domain::saved_line& persistence_domain::save(std::uint64_t index) {
    std::uint32_t record;
    if (!free_.empty()) {
        record = free_.back();
        free_.pop_back();
    } else {
        record = static_cast<std::uint32_t>(pool_.size());
        pool_.emplace_back();
        owner_.push_back(~0ull);
    }
    slot_[index] = record + 1;
    owner_[record] = index;
    return pool_[record];
}

std::vector<std::uint64_t> persistence_domain::saved_lines() const {
    std::vector<std::uint64_t> lines;
    lines.reserve(pool_.size() - free_.size());
    for (std::uint64_t owner : owner_)
        if (owner != ~0ull) lines.push_back(owner);
    std::sort(lines.begin(), lines.end()); // the same order on every run
    return lines;
}

bool persistence_domain::is_durable(state s) const {
    switch (kind_) {
    case domain_kind::eadr: return true;
    case domain_kind::adr: return s == durable_state || s == queued;
    case domain_kind::none: return s == durable_state;
    }
    return false;
}

void persistence_domain::set_state(std::uint64_t index, state s) {
    const state old = static_cast<state>(state_[index]);
    if (old == s) return;
    if (clock_ || !watched_.empty()) note_change(index, old, s);
    awaiting_fence_count_ += (s == written_back) - (old == written_back);
    queued_count_ += (s == queued) - (old == queued);
    non_durable_count_ += !is_durable(s) - !is_durable(old);
    state_[index] = s;
}

bool persistence_domain::durable(std::uint64_t offset) const {
    return is_durable(static_cast<state>(state_[offset / line]));
}

void persistence_domain::make_durable(std::uint64_t index) {
    set_state(index, durable_state);
    if (const std::uint32_t record = slot_[index]) {
        owner_[record - 1] = ~0ull;
        free_.push_back(record - 1);
        slot_[index] = 0;
    }
}

void persistence_domain::before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t pc) {
    if (length == 0 || offset >= size_) return;
    const std::uint64_t last = std::min(offset + length, size_) - 1;
    for (std::uint64_t i = offset / line; i <= last / line; ++i) {
        written_[i / 64] |= 1ull << (i % 64);
        if (clock_) note_store(i, pc);
        if (kind_ == domain_kind::eadr) continue; // the cache is durable
        if (state_[i] == dirty) continue;          // the common case: one byte compare
        if (state_[i] == durable_state) {
            if (prepare_store_) prepare_store_(i * line);
            saved_line& s = save(i);
            std::memcpy(s.bytes.data(), memory_ + i * line, std::min(line, size_ - i * line));
            s.store_pc = pc;
        }
        // A store to a written-back or queued line dirties it in the cache again.
        set_state(i, dirty);
    }
}

namespace {
persistence_domain::line_state public_state(std::uint8_t s) {
    return static_cast<persistence_domain::line_state>(s); // the same order
}
} // namespace

persistence_domain::line_state persistence_domain::state_of(std::uint64_t offset) const {
    return offset < size_ ? public_state(state_[offset / line]) : line_state::durable;
}

void persistence_domain::keep_history(std::function<sc_core::sc_time()> clock) { clock_ = std::move(clock); }

const persistence_domain::line_history* persistence_domain::history(std::uint64_t offset) const {
    const auto h = history_.find(offset / line);
    return h == history_.end() ? nullptr : &h->second;
}

std::optional<std::uint64_t> persistence_domain::first_store_pc(std::uint64_t offset) const {
    if (offset >= size_ || !slot_.size() || !slot_[offset / line]) return std::nullopt;
    return saved(offset / line).store_pc;
}

void persistence_domain::watch_line(std::uint64_t offset, bool on) {
    if (on) watched_.insert(offset / line);
    else watched_.erase(offset / line);
}

void persistence_domain::note_store(std::uint64_t index, std::uint64_t pc) {
    line_history& h = history_[index];
    h.stored = true;
    h.last_store_pc = pc;
    h.last_store_time = clock_();
}

void persistence_domain::note_change(std::uint64_t index, state from, state to) {
    if (clock_) history_[index].state_since = clock_();
    if (to != dirty && on_watched_change && watched_.count(index))
        on_watched_change(index * line, public_state(from), public_state(to));
}

void persistence_domain::clean(std::uint64_t offset, std::uint64_t pc, const sc_core::sc_time& now) {
    if (offset >= size_) return;
    const std::uint64_t i = offset / line;
    const bool ever_written = written_[i / 64] >> (i % 64) & 1;
    if (!ever_written) {
        findings_.push_back({finding::kind::flush_unwritten, pc, i * line, now});
        return;
    }
    if (kind_ == domain_kind::eadr || state_[i] == durable_state || state_[i] == queued) {
        findings_.push_back({finding::kind::redundant_flush, pc, i * line, now});
        return;
    }
    if (state_[i] == dirty) {
        set_state(i, written_back);
        saved(i).clean_pc = pc;
        written_back_.push_back(i);
        if (on_event) on_event(event::clean, pc);
    }
}

void persistence_domain::cache_op(std::uint64_t offset, persist_op op, std::uint64_t pc) {
    if (op == persist_op::clean || op == persist_op::flush)
        clean(offset, pc, sc_core::sc_time_stamp());
    else if (op == persist_op::inval)
        invalidate(offset);
}

void persistence_domain::invalidate(std::uint64_t offset) {
    if (offset >= size_ || kind_ == domain_kind::eadr) return;
    const std::uint64_t i = offset / line;
    if (state_[i] != dirty) return;
    std::memcpy(memory_ + i * line, saved(i).bytes.data(), std::min(line, size_ - i * line));
    make_durable(i);
}

void persistence_domain::fence(std::uint64_t pc, const sc_core::sc_time&) {
    if (on_event && awaiting_fence_count_ > 0) on_event(event::fence, pc);
    // Written-back lines have reached the memory controller's write-pending queue.
    for (std::uint64_t i : written_back_) {
        if (state_[i] != written_back) continue; // stored to again since
        if (kind_ == domain_kind::adr) {
            make_durable(i);
        } else {
            set_state(i, queued);
            queued_.push_back(i);
        }
    }
    written_back_.clear();
}

void persistence_domain::drain(const sc_core::sc_time&) {
    if (on_event && queued_count_ > 0) on_event(event::drain, 0);
    for (std::uint64_t i : queued_)
        if (state_[i] == queued) make_durable(i);
    queued_.clear();
}

void persistence_domain::persist_all() {
    if (on_event && non_durable_lines() > 0) on_event(event::flush, 0);
    for (std::uint64_t i : saved_lines()) make_durable(i);
    written_back_.clear();
    queued_.clear();
}

void persistence_domain::report_unfinished(std::vector<finding>& out, const sc_core::sc_time& now) const {
    out.reserve(out.size() + count_at_end()); // one allocation: no copies as it grows
    for (std::uint64_t i : saved_lines()) {
        const saved_line& s = saved(i);
        if (state_[i] == written_back)
            out.push_back({finding::kind::flush_without_fence, s.clean_pc, i * line, now});
        out.push_back({finding::kind::not_durable, s.store_pc, i * line, now});
    }
}

std::vector<finding> persistence_domain::check_at_end(const sc_core::sc_time& now) const {
    std::vector<finding> out;
    report_unfinished(out, now);
    return out;
}

std::vector<finding> persistence_domain::power_fail(const failure_policy& policy, const sc_core::sc_time& now) {
    std::vector<finding> out;
    report_unfinished(out, now);
    std::mt19937_64 rng(policy.seed);
    std::uniform_real_distribution<double> chance(0, 1);
    for (finding& f : out) {
        if (f.what != finding::kind::not_durable) continue;
        const std::uint64_t i = f.address / line;
        const bool survives = policy.survival > 0 && chance(rng) < policy.survival;
        f.survived = survives;
        if (!survives) {
            const saved_line& s = saved(i);
            std::memcpy(memory_ + i * line, s.bytes.data(), std::min(line, size_ - i * line));
        }
    }
    // After the failure every byte is what the media holds: durable. Only saved lines can be in
    // another state, so this costs O(non-durable lines), not O(memory).
    for (std::uint64_t i : saved_lines()) make_durable(i);
    written_back_.clear();
    queued_.clear();
    return out;
}

} // namespace pmemvp::pmem
