// SPDX-License-Identifier: Apache-2.0
// The persistent-memory timing model: profiles and their parameters, the DIMM side (media,
// on-DIMM buffer, write-pending queue), the CPU cache in front of it, and a hart whose loads
// from timed memory overlap until their data is used.
#include "pmemvp/pmem/pmem_timing.h"
#include "pmemvp/riscv/hart.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"
#include "pmemvp/util/config_error.h"

#include <cstring>
#include <vector>

using namespace pmemvp;
using namespace pmemvp::pmem;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

namespace {

const timing_profile optane = timing_profile::named("optane");
sc_time ns(double v) { return sc_time(v, SC_NS); }
double in_ns(const sc_time& t) { return t.to_seconds() * 1e9; }

} // namespace

TEST(timing_profile, optane_carries_the_reference_figures) {
    EXPECT_EQ(optane.read_random, ns(305));
    EXPECT_EQ(optane.read_sequential, ns(169.4));
    EXPECT_EQ(optane.media_line, 256u);
    EXPECT_EQ(optane.write_buffer, 16u << 10);
    // Sequential = one media read then three buffer hits per 256-byte line.
    EXPECT_NEAR(in_ns(optane.buffer_hit()), (4 * 169.4 - 305) / 3, 0.01);
    EXPECT_EQ(timing_profile::named("dram").buffer_hit(), timing_profile::named("dram").read_sequential);
}

TEST(timing_profile, every_parameter_can_be_overridden) {
    const auto p = timing_profile::parse("dram,read-random=250ns,read-sequential=200ns,wpq-depth=64,"
                                         "media-line=128,write-buffer=8K,read-bandwidth=10GB/s,"
                                         "write-bandwidth=2500M,cpu-cache=2M,cpu-cache-ways=8,cpu-outstanding=10,"
                                         "write-latency=70ns,nt-write-latency=95ns,wpq-hit=40ns,wpq-drain=19.2G");
    EXPECT_EQ(p.name, "dram");
    EXPECT_EQ(p.read_random, ns(250));
    EXPECT_EQ(p.read_sequential, ns(200));
    EXPECT_EQ(p.wpq_depth, 64u);
    EXPECT_EQ(p.media_line, 128u);
    EXPECT_EQ(p.write_buffer, 8u << 10);
    EXPECT_DOUBLE_EQ(p.read_bandwidth, 10e9);
    EXPECT_DOUBLE_EQ(p.write_bandwidth, 2.5e9);
    EXPECT_DOUBLE_EQ(p.wpq_drain, 19.2e9);
    EXPECT_EQ(p.cpu_cache, 2u << 20);
    EXPECT_EQ(p.cpu_cache_ways, 8u);
    EXPECT_EQ(p.cpu_outstanding, 10u);
    EXPECT_EQ(p.write_latency, ns(70));
    EXPECT_EQ(p.nt_write_latency, ns(95));
    EXPECT_EQ(p.wpq_hit, ns(40));
    EXPECT_EQ(timing_profile::parse("").name, "optane");
    const std::string listing = optane.describe();
    for (const char* name : {"read-random=305ns", "wpq-depth=32", "media-line=256", "write-bandwidth=2.21GB/s"})
        EXPECT_NE(listing.find(name), std::string::npos) << listing;
}

TEST(timing_profile, bad_values_name_the_parameter_and_the_fix) {
    const std::pair<const char*, const char*> cases[] = {
        {"hbm", "unknown profile 'hbm'"},
        {"optane,read-random=fast", "read-random='fast' is not a time"},
        {"optane,read-bandwidth=0", "is not a bandwidth"},
        {"optane,wpq-depth=lots", "wpq-depth='lots' is not a number"},
        {"optane,latency=3ns", "latency"},
        {"optane,media-line=100", "media-line must be a power of two"},
        {"optane,write-buffer=128", "write-buffer must hold at least one media line"},
        {"optane,read-sequential=400ns", "read-sequential cannot exceed read-random"},
        {"optane,wpq-depth=0", "wpq-depth='0' is out of range; give 1 to 4096"},
        {"optane,wpq-depth=4294967360", "wpq-depth='4294967360' is out of range"},
        {"optane,cpu-cache-ways=1e30", "cpu-cache-ways"},
        {"optane,read-random=nans", "read-random"},
        {"optane,cpu-cache=1000", "cpu-cache must be a multiple"},
        {"optane,cpu-outstanding=0", "cpu-outstanding='0' is out of range; give 1 to 1024"},
    };
    for (const auto& [spec, text] : cases) {
        try {
            timing_profile::parse(spec);
            ADD_FAILURE() << spec << " was accepted";
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << spec << ": " << e.what();
        }
    }
}

TEST(media_timing, idle_reads_take_the_random_latency_and_the_buffer_serves_the_rest_of_a_line) {
    media_timing m(optane);
    const sc_time t = ns(1000);
    EXPECT_EQ(m.read(0, t), t + ns(305));
    // The other lines of the 256-byte media line: in flight, so they arrive with it.
    EXPECT_EQ(m.read(64, t), t + ns(305));
    // Later, from the buffer.
    const sc_time later = ns(5000);
    EXPECT_EQ(m.read(128, later), later + optane.buffer_hit());
    // A sequential walk averages the sequential latency.
    media_timing walk(optane);
    sc_time now = ns(0), total;
    for (std::uint64_t line = 0; line < 64; ++line) {
        const sc_time done = walk.read(line * 64, now);
        total += done - now;
        now = done + ns(100);
    }
    EXPECT_NEAR(in_ns(total) / 64, 169.4, 0.5);
    EXPECT_EQ(walk.stats().media_reads, 16u);
    EXPECT_EQ(walk.stats().buffer_hits, 48u);
}

TEST(media_timing, back_to_back_reads_are_limited_by_the_media_bandwidth) {
    media_timing m(optane);
    sc_time last;
    const unsigned n = 1000;
    for (unsigned i = 0; i < n; ++i) last = m.read(i * 4096ull, ns(0)); // all issued at once
    const double seconds = (last - optane.read_random).to_seconds();
    EXPECT_NEAR(n * 256.0 / seconds / 1e9, 6.5, 0.05);
}

TEST(media_timing, the_write_pending_queue_accepts_until_full_then_at_the_drain_rate) {
    media_timing m(optane);
    // Writes to distinct media lines: each needs a buffer line; once the buffer is full of
    // written lines, each costs a media write (256 B at 2.21 GB/s).
    sc_time accepted;
    for (unsigned i = 0; i < 2000; ++i) accepted = m.write(i * 4096ull, ns(0));
    EXPECT_EQ(m.stats().wpq_max, optane.wpq_depth);
    const double media_writes = static_cast<double>(m.stats().media_writes);
    EXPECT_EQ(media_writes, 2000 - 64) << "the 64-line buffer still holds the last ones";
    EXPECT_NEAR(accepted.to_seconds(), (2000 - 64 - optane.wpq_depth) * 256 / 2.21e9, 2e-7);
    EXPECT_EQ(m.stats().rmw_reads, m.stats().media_writes) << "64 of 256 bytes written: read-modify-write";
    EXPECT_NEAR(m.stats().write_amplification(), 4.0 * media_writes / 2000, 1e-9);
}

TEST(media_timing, full_media_lines_combine_in_the_buffer_without_read_modify_write) {
    media_timing m(optane);
    for (std::uint64_t line = 0; line < 64 * 1024 / 64; ++line) m.write(line * 64, ns(0));
    EXPECT_EQ(m.stats().rmw_reads, 0u);
    EXPECT_EQ(m.stats().media_writes, 64u * 1024 / 256 - 64);
    EXPECT_NEAR(m.stats().write_amplification(), 1.0 * (256 - 64) / 256, 1e-9);
}

TEST(media_timing, loads_of_lines_in_the_write_pending_queue_hit_there_and_a_drain_empties_it) {
    media_timing m(optane);
    for (unsigned i = 0; i < 200; ++i) m.write(i * 4096ull, ns(0));
    const sc_time now = ns(10);
    const sc_time empty = m.drain(now);
    EXPECT_GT(empty, now);
    EXPECT_GT(m.wpq_occupancy(now), 0u);
    EXPECT_EQ(m.wpq_occupancy(empty), 0u);
    const std::uint64_t queued = 199 * 4096ull; // the newest entry
    EXPECT_EQ(m.read(queued, now), now + optane.wpq_hit);
    EXPECT_EQ(m.stats().wpq_hits, 1u);
    EXPECT_EQ(m.stats().drains, 1u);
}

TEST(pmem_timing, loads_miss_once_per_line_and_misses_in_flight_are_bounded) {
    cpu_cache cache(optane);
    media_timing m(optane);
    pmem_timing t(cache, m, 0);
    const sc_time now = ns(100);
    const access_times first = t.load(0, 8, now);
    EXPECT_EQ(first.proceed, now);
    EXPECT_EQ(first.ready, now + ns(305));
    const access_times again = t.load(8, 8, now + ns(1));
    EXPECT_EQ(again.ready, first.ready) << "same line: waits for the same miss";
    EXPECT_EQ(cache.stats().misses, 1u);
    // 32 misses may be in flight; the 33rd waits for a slot.
    for (unsigned i = 1; i < optane.cpu_outstanding; ++i) EXPECT_EQ(t.load(i * 4096ull, 8, now).proceed, now);
    EXPECT_GT(t.load(1000 * 4096ull, 8, now).proceed, now);
}

TEST(pmem_timing, a_fence_waits_for_written_back_lines_to_reach_the_write_pending_queue) {
    cpu_cache cache(optane);
    media_timing m(optane);
    pmem_timing t(cache, m, 0);
    const sc_time now = ns(100);
    EXPECT_EQ(t.store(0, 8, now), now) << "stores are posted";
    EXPECT_EQ(t.fence(now), now) << "nothing written back yet";
    EXPECT_EQ(t.cache_op(0, persist_op::clean, now), now);
    EXPECT_EQ(t.fence(now), now + optane.write_latency);
    EXPECT_EQ(m.stats().flushes, 1u);
    // A clean line costs nothing more; cbo.clean kept it cached.
    t.cache_op(0, persist_op::clean, now + ns(500));
    EXPECT_EQ(m.stats().writes, 1u);
    EXPECT_EQ(t.load(0, 8, now + ns(500)).ready, now + ns(500));
    // cbo.flush drops it: the next load misses (in the write-pending queue or beyond).
    t.store(0, 8, now + ns(600));
    t.cache_op(0, persist_op::flush, now + ns(600));
    EXPECT_GT(t.load(0, 8, now + ns(601)).ready, now + ns(601));
    // cbo.inval drops a dirty line without writing it.
    t.store(4096, 8, now + ns(700));
    t.cache_op(4096, persist_op::inval, now + ns(700));
    EXPECT_EQ(m.stats().writes, 2u);
}

TEST(pmem_timing, dirty_lines_are_written_back_when_the_cache_needs_room) {
    timing_profile small = optane;
    small.cpu_cache = 64 * 4;
    small.cpu_cache_ways = 4; // one set of four lines
    cpu_cache cache(small);
    media_timing m(small);
    pmem_timing t(cache, m, 0);
    for (unsigned i = 0; i < 6; ++i) t.store(i * 64ull, 8, ns(i));
    EXPECT_EQ(cache.stats().dirty_evictions, 2u);
    EXPECT_EQ(m.stats().writes, 2u);
    EXPECT_EQ(m.stats().flushes, 0u);
    // DMA writes past the cache take the cached copy away and cost the non-temporal latency.
    EXPECT_EQ(t.write_through(5 * 64, 64, ns(1000)), ns(1000) + small.nt_write_latency);
    EXPECT_GT(t.load(5 * 64, 8, ns(2000)).ready, ns(2000));
}

TEST(pmem_timing, a_power_failure_empties_the_cache_and_the_dimm_buffers) {
    cpu_cache cache(optane);
    media_timing m(optane);
    pmem_timing t(cache, m, 0);
    t.load(0, 8, ns(0));
    EXPECT_EQ(t.load(0, 8, ns(1000)).ready, ns(1000)) << "cached";
    cache.clear();
    m.power_cycle();
    EXPECT_EQ(t.load(0, 8, ns(2000)).ready, ns(2000) + optane.read_random) << "from media again";
}

TEST(pmem_timing, the_same_accesses_give_the_same_times) {
    auto run = [] {
        cpu_cache cache(optane);
        media_timing m(optane);
        pmem_timing t(cache, m, 3);
        std::vector<sc_time> times;
        std::uint64_t x = 12345;
        sc_time now;
        for (int i = 0; i < 5000; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const std::uint64_t at = (x >> 20) % (64 << 20) & ~7ull;
            switch (x % 4) {
            case 0: now = t.load(at, 8, now).proceed; break;
            case 1: now = t.store(at, 8, now); break;
            case 2: now = t.cache_op(at, persist_op::clean, now); break;
            default: now = t.fence(now); break;
            }
            times.push_back(now);
            now += ns(3);
        }
        return times;
    };
    EXPECT_EQ(run(), run());
}

// A hart running from untimed RAM with a timed persistent memory next to it.
namespace {

std::uint32_t csrr_cycle(unsigned rd) { return (0xc00u << 20) | (2 << 12) | (rd << 7) | 0x73; }
std::uint32_t lui(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
std::uint32_t ld(unsigned rd, unsigned rs1, int imm) {
    return (static_cast<std::uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
}
std::uint32_t add(unsigned rd, unsigned rs1, unsigned rs2) { return (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33; }
constexpr std::uint32_t spin = 0x6f; // jal x0, 0
constexpr unsigned s0 = 8, s1 = 9, s2 = 18, a1 = 11, a2 = 12, a3 = 13, a4 = 14;

riscv::hart_config from_zero() {
    riscv::hart_config c;
    c.reset_pc = 0;
    return c;
}

struct bench : sc_core::sc_module {
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x1000);
    std::vector<unsigned char> pmem_bytes = std::vector<unsigned char>(1 << 20);
    cpu_cache cache{optane};
    media_timing media{optane};
    pmem_timing timing{cache, media, 0};
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    memory_target pmem{"pmem", pmem_bytes.data(), pmem_bytes.size(), true};
    riscv::hart cpu{"cpu", from_zero()};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(0x0, ram_bytes.size(), ram.socket, "ram");
        bus.map(0x100000, pmem_bytes.size(), pmem.socket, "pmem");
        pmem.set_access_timing(&timing);
        cpu.socket.bind(bus.in);
        const std::uint32_t code[] = {
            lui(a1, 0x100),
            // Two independent loads, then an add that needs both: one latency.
            csrr_cycle(s0), ld(a2, a1, 0), ld(a3, a1, 512), add(a4, a2, a3), csrr_cycle(s1),
            // The same with a use between the loads: two latencies.
            ld(a2, a1, 1024), add(a4, a4, a2), ld(a3, a1, 1536), add(a4, a4, a3), csrr_cycle(s2),
            spin};
        std::memcpy(ram_bytes.data(), code, sizeof code);
    }
};

} // namespace

TEST(hart_on_timed_memory, independent_misses_overlap_and_a_use_waits_for_the_data) {
    tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    bench b("b");
    sc_core::sc_start(sc_time(10, SC_US));
    const std::uint64_t overlapped = b.cpu.x(s1) - b.cpu.x(s0);
    const std::uint64_t serial = b.cpu.x(s2) - b.cpu.x(s1);
    // 1 GHz: a cycle is a nanosecond. The second miss starts when the media has read the
    // first line (256 B at 6.5 GB/s: 39.4 ns), plus a few instructions.
    EXPECT_GE(overlapped, 305u + 39);
    EXPECT_LE(overlapped, 305u + 40 + 6);
    EXPECT_GE(serial, 2 * 305u);
    EXPECT_LE(serial, 2 * 305u + 8);
    EXPECT_EQ(b.cache.stats().misses, 4u);
}
