// SPDX-License-Identifier: Apache-2.0
// The persistence domain: what a power failure keeps in each domain, the checker's findings
// with their PCs, and reproducible random survival.
#include "pmemvp/pmem/persistence_domain.h"
#include "pmemvp/test/harness.h"

#include <cstring>
#include <tuple>
#include <vector>

using namespace pmemvp::pmem;
using sc_core::sc_time;

namespace {

const sc_time t0 = sc_core::SC_ZERO_TIME;

struct memory {
    std::vector<unsigned char> bytes = std::vector<unsigned char>(64 * 1024, 0);
    // A store as the hart does it: tell the domain first, then write.
    void store(persistence_domain& d, std::uint64_t at, const char* text, std::uint64_t pc) {
        d.before_store(at, std::strlen(text), pc);
        std::memcpy(&bytes[at], text, std::strlen(text));
    }
    std::string at(std::uint64_t offset, std::size_t n) const {
        return std::string(reinterpret_cast<const char*>(&bytes[offset]), n);
    }
};

std::vector<finding::kind> kinds(const std::vector<finding>& f) {
    std::vector<finding::kind> k;
    for (const auto& x : f) k.push_back(x.what);
    return k;
}

} // namespace

TEST(persistence_domain, adr_loses_a_store_that_was_never_cleaned) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 128, "lost", 0x80001000);
    EXPECT_FALSE(d.durable(128));
    const auto f = d.power_fail({}, t0);
    EXPECT_EQ(m.at(128, 4), std::string(4, '\0'));
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].what, finding::kind::not_durable);
    EXPECT_EQ(f[0].pc, 0x80001000u);
    EXPECT_EQ(f[0].address, 128u);
}

TEST(persistence_domain, adr_keeps_a_cleaned_and_fenced_store) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 64, "kept", 0x10);
    d.clean(64, 0x14, t0);
    d.fence(0x18, t0);
    EXPECT_TRUE(d.durable(64));
    EXPECT_EQ(d.non_durable_lines(), 0u);
    EXPECT_TRUE(d.power_fail({}, t0).empty());
    EXPECT_EQ(m.at(64, 4), "kept");
}

TEST(persistence_domain, adr_clean_without_fence_is_lost_and_reported) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 0, "unfenced", 0x20);
    d.clean(0, 0x24, t0);
    const auto f = d.power_fail({}, t0);
    EXPECT_EQ(m.at(0, 8), std::string(8, '\0'));
    EXPECT_EQ(kinds(f), (std::vector<finding::kind>{finding::kind::flush_without_fence, finding::kind::not_durable}));
    EXPECT_EQ(f[0].pc, 0x24u) << "the flush";
    EXPECT_EQ(f[1].pc, 0x20u) << "the store";
}

TEST(persistence_domain, none_needs_a_drain_after_the_fence) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::none);
    m.store(d, 256, "queued", 0x30);
    d.clean(256, 0x34, t0);
    d.fence(0x38, t0);
    EXPECT_FALSE(d.durable(256)) << "in the write-pending queue, which 'none' does not protect";
    d.drain(t0);
    EXPECT_TRUE(d.durable(256));
    m.store(d, 512, "undrained", 0x40);
    d.clean(512, 0x44, t0);
    d.fence(0x48, t0);
    d.power_fail({}, t0);
    EXPECT_EQ(m.at(256, 6), "queued");
    EXPECT_EQ(m.at(512, 9), std::string(9, '\0'));
}

TEST(persistence_domain, eadr_stores_are_durable_at_once_and_flushes_redundant) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::eadr);
    m.store(d, 0, "cached", 0x50);
    EXPECT_TRUE(d.durable(0));
    d.clean(0, 0x54, t0);
    EXPECT_TRUE(d.power_fail({}, t0).empty());
    EXPECT_EQ(m.at(0, 6), "cached");
    ASSERT_EQ(d.findings().size(), 1u);
    EXPECT_EQ(d.findings()[0].what, finding::kind::redundant_flush);
}

TEST(persistence_domain, a_failure_restores_the_last_durable_bytes_not_zeros) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 0, "v1", 0x60);
    d.clean(0, 0x64, t0);
    d.fence(0x68, t0);
    m.store(d, 0, "v2", 0x70);
    m.store(d, 0, "v3", 0x74);
    d.power_fail({}, t0);
    EXPECT_EQ(m.at(0, 2), "v1");
}

TEST(persistence_domain, a_store_after_the_clean_dirties_the_line_again) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 0, "a", 0x80);
    d.clean(0, 0x84, t0);
    m.store(d, 1, "b", 0x88);
    d.fence(0x8c, t0);
    EXPECT_FALSE(d.durable(0));
    d.power_fail({}, t0);
    EXPECT_EQ(m.at(0, 2), std::string(2, '\0'));
}

TEST(persistence_domain, checker_flags_flushes_of_unwritten_and_durable_lines) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    d.clean(4096, 0x90, t0);
    m.store(d, 0, "x", 0x94);
    d.clean(0, 0x98, t0);
    d.fence(0x9c, t0);
    d.clean(0, 0xa0, t0);
    ASSERT_EQ(d.findings().size(), 2u);
    EXPECT_EQ(d.findings()[0].what, finding::kind::flush_unwritten);
    EXPECT_EQ(d.findings()[0].pc, 0x90u);
    EXPECT_EQ(d.findings()[0].address, 4096u);
    EXPECT_EQ(d.findings()[1].what, finding::kind::redundant_flush);
    EXPECT_EQ(d.findings()[1].pc, 0xa0u);
    EXPECT_TRUE(d.check_at_end(t0).empty());
}

TEST(persistence_domain, stores_spanning_lines_track_each_line) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 60, "0123456789", 0xb0); // bytes 60..69: lines 0 and 1
    d.clean(0, 0xb4, t0);
    d.fence(0xb8, t0);
    EXPECT_TRUE(d.durable(0));
    EXPECT_FALSE(d.durable(64));
    d.power_fail({}, t0);
    EXPECT_EQ(m.at(60, 4), "0123");
    EXPECT_EQ(m.at(64, 6), std::string(6, '\0'));
}

TEST(persistence_domain, random_survival_is_reproducible_per_seed) {
    auto survivors = [](std::uint64_t seed) {
        memory m;
        persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
        for (std::uint64_t i = 0; i < 256; ++i) m.store(d, i * 64, "s", 0x100 + i);
        d.power_fail({0.5, seed}, t0);
        std::string kept;
        for (std::uint64_t i = 0; i < 256; ++i) kept += m.bytes[i * 64] == 's' ? '1' : '0';
        return kept;
    };
    const std::string a = survivors(7), b = survivors(7), c = survivors(8);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    const auto ones = std::count(a.begin(), a.end(), '1');
    EXPECT_GT(ones, 80);
    EXPECT_LT(ones, 176);
}

TEST(failure_policy, parses_lose_all_and_random) {
    EXPECT_EQ(failure_policy::parse("lose-all")->survival, 0);
    auto p = failure_policy::parse("random:42:0.25");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->seed, 42u);
    EXPECT_EQ(p->survival, 0.25);
    for (const char* bad : {"", "random", "random:42", "random:x:0.5", "random:1:2", "random:1:0.5x", "keep-all"})
        EXPECT_FALSE(failure_policy::parse(bad)) << bad;
    EXPECT_EQ(parse_domain("adr"), domain_kind::adr);
    EXPECT_FALSE(parse_domain("cpu"));
}

TEST(persistence_domain, cbo_inval_drops_a_dirty_line_back_to_its_durable_bytes) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 0, "old", 0xc0);
    d.clean(0, 0xc4, t0);
    d.fence(0xc8, t0);
    m.store(d, 0, "new", 0xcc);
    d.cache_op(0, pmemvp::persist_op::inval, 0xd0);
    EXPECT_EQ(m.at(0, 3), "old");
    EXPECT_TRUE(d.durable(0));
}

TEST(persistence_domain, counts_for_traces_follow_the_states) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::none);
    m.store(d, 0, "a", 1);
    m.store(d, 64, "b", 2);
    EXPECT_EQ(d.non_durable_count(), 2u);
    d.clean(0, 3, t0);
    EXPECT_EQ(d.awaiting_fence_count(), 1u);
    d.fence(4, t0);
    EXPECT_EQ(d.awaiting_fence_count(), 0u);
    EXPECT_EQ(d.queued_count(), 1u);
    EXPECT_EQ(d.non_durable_count(), 2u) << "queued is not durable in domain none";
    d.drain(t0);
    EXPECT_EQ(d.queued_count(), 0u);
    EXPECT_EQ(d.non_durable_count(), 1u);
    d.power_fail({}, t0);
    EXPECT_EQ(d.non_durable_count(), 0u);
}

TEST(persistence_domain, stores_are_prepared_once_per_line_until_it_is_durable_again) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::none);
    std::vector<std::uint64_t> prepared;
    d.prepare_stores_with([&](std::uint64_t offset) { prepared.push_back(offset); });
    m.store(d, 4096 + 70, "a", 0x10); // line 4096 + 64: durable, prepared
    m.store(d, 4096 + 80, "b", 0x14); // already dirty: not again
    m.store(d, 130, "c", 0x18);       // line 128
    d.persist_all();                  // a flush: durable again, so the next store is prepared
    m.store(d, 4096 + 64, "d", 0x1c);
    EXPECT_EQ(prepared, (std::vector<std::uint64_t>{4096 + 64, 128, 4096 + 64}));
}

TEST(persistence_domain, count_at_end_counts_what_check_at_end_lists) {
    for (domain_kind kind : {domain_kind::eadr, domain_kind::adr, domain_kind::none}) {
        memory m;
        persistence_domain d(m.bytes.data(), m.bytes.size(), kind);
        m.store(d, 0, "never cleaned", 0x10);
        m.store(d, 256, "cleaned only", 0x14);
        d.clean(256, 0x18, t0);
        m.store(d, 512, "cleaned and fenced", 0x1c);
        d.clean(512, 0x20, t0);
        d.fence(0x24, t0);
        EXPECT_EQ(d.count_at_end(), d.check_at_end(t0).size()) << static_cast<int>(kind);
    }
}

TEST(persistence_domain, a_line_is_dirty_then_written_back_then_queued_then_on_media) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::none);
    using state = persistence_domain::line_state;
    EXPECT_EQ(d.state_of(0x100), state::durable);
    m.store(d, 0x104, "x", 0x80000010);
    EXPECT_EQ(d.state_of(0x13f), state::dirty) << "the whole 64-byte line";
    EXPECT_EQ(d.state_of(0x140), state::durable);
    EXPECT_EQ(d.first_store_pc(0x100), 0x80000010u);
    d.clean(0x100, 0x80000020, t0);
    EXPECT_EQ(d.state_of(0x100), state::written_back);
    d.fence(0x80000024, t0);
    EXPECT_EQ(d.state_of(0x100), state::queued);
    d.drain(t0);
    EXPECT_EQ(d.state_of(0x100), state::durable);
    EXPECT_FALSE(d.first_store_pc(0x100)) << "durable: no store to name";
    EXPECT_EQ(d.state_of(1ull << 40), state::durable) << "outside: nothing to say";
}

TEST(persistence_domain, history_and_watched_lines_report_stores_and_state_changes) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    using state = persistence_domain::line_state;
    sc_time now(10, sc_core::SC_NS);
    d.keep_history([&] { return now; });
    std::vector<std::tuple<std::uint64_t, state, state>> changes;
    d.on_watched_change = [&](std::uint64_t offset, state from, state to) { changes.emplace_back(offset, from, to); };
    d.watch_line(0x208, true); // the line at 0x200
    m.store(d, 0x200, "a", 0x80000100);
    now = sc_time(20, sc_core::SC_NS);
    m.store(d, 0x201, "b", 0x80000104); // a second store to a dirty line is recorded too
    m.store(d, 0x300, "c", 0x80000108); // not watched
    const auto* h = d.history(0x23f);
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->last_store_pc, 0x80000104u);
    EXPECT_EQ(h->last_store_time, sc_time(20, sc_core::SC_NS));
    EXPECT_EQ(h->state_since, sc_time(10, sc_core::SC_NS)) << "dirty since the first store";
    EXPECT_TRUE(changes.empty()) << "becoming dirty is a store: data watchpoints report it";
    now = sc_time(30, sc_core::SC_NS);
    d.clean(0x200, 0x8000010c, now);
    d.clean(0x300, 0x80000110, now);
    now = sc_time(40, sc_core::SC_NS);
    d.fence(0x80000114, now);
    using change = std::tuple<std::uint64_t, state, state>;
    EXPECT_EQ(changes, (std::vector<change>{{0x200, state::dirty, state::written_back},
                                            {0x200, state::written_back, state::durable}}));
    EXPECT_EQ(d.history(0x200)->state_since, sc_time(40, sc_core::SC_NS));
    d.watch_line(0x200, false);
    m.store(d, 0x200, "d", 0x80000118);
    d.clean(0x200, 0x8000011c, now);
    EXPECT_EQ(changes.size(), 2u) << "no longer watched";
    EXPECT_EQ(d.history(0x1000), nullptr) << "never stored";
}

TEST(persistence_domain, without_history_nothing_is_recorded) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    m.store(d, 0x200, "a", 0x80000100);
    EXPECT_EQ(d.history(0x200), nullptr);
}

TEST(persistence_domain, reports_only_the_events_that_change_a_line) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::none);
    std::vector<std::pair<persistence_domain::event, std::uint64_t>> events;
    d.on_event = [&](persistence_domain::event e, std::uint64_t pc) { events.emplace_back(e, pc); };
    d.fence(0x10, t0);              // nothing written back: no event
    d.drain(t0);                    // nothing queued: none
    m.store(d, 64, "a", 0x20);
    d.clean(64, 0x24, t0);          // dirty -> written back
    d.clean(64, 0x28, t0);          // already written back: none
    d.fence(0x2c, t0);              // written back -> queued
    d.drain(t0);                    // queued -> media
    d.persist_all();                // everything durable: none
    m.store(d, 128, "b", 0x30);
    d.persist_all();                // a virtio-pmem flush with a dirty line
    using e = persistence_domain::event;
    const std::vector<std::pair<e, std::uint64_t>> expected{
        {e::clean, 0x24}, {e::fence, 0x2c}, {e::drain, 0}, {e::flush, 0}};
    EXPECT_EQ(events, expected);
    EXPECT_STREQ(to_string(e::drain), "drain");
}

TEST(persistence_domain, a_power_failure_marks_the_lines_kept_by_chance) {
    memory m;
    persistence_domain d(m.bytes.data(), m.bytes.size(), domain_kind::adr);
    for (std::uint64_t i = 0; i < 64; ++i) m.store(d, i * 64, "x", 0x40 + i);
    const auto f = d.power_fail(*failure_policy::parse("random:7:0.5"), t0);
    ASSERT_EQ(f.size(), 64u);
    unsigned kept = 0;
    for (const auto& x : f) {
        kept += x.survived;
        EXPECT_EQ(m.at(x.address, 1), x.survived ? "x" : std::string(1, '\0')) << x.address;
    }
    EXPECT_GT(kept, 10u);
    EXPECT_LT(kept, 54u);
    for (const auto& x : d.power_fail({}, t0)) EXPECT_FALSE(x.survived); // lose-all: none kept
}
