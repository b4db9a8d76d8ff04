// SPDX-License-Identifier: Apache-2.0
// Persistence-domain costs at model level: 8-byte stores with and without tracking (the hook
// the ISS will call before each pmem store), and a power failure of a 1 GiB memory with
// 1 MiB of non-durable lines.
#include "pmemvp/pmem/persistence_domain.h"

#include <benchmark/benchmark.h>
#include <cstring>
#include <sys/mman.h>

using namespace pmemvp::pmem;

namespace {

constexpr std::uint64_t small = 64ull << 20, big = 1ull << 30;

unsigned char* map(std::uint64_t size) {
    return static_cast<unsigned char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE,
                                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
}

// Sequential 8-byte stores over 64 MiB, untracked: the baseline.
void BM_stores_untracked(benchmark::State& state) {
    unsigned char* m = map(small);
    std::uint64_t off = 0, v = 0;
    for (auto _ : state) {
        std::memcpy(m + off, &v, 8);
        ++v;
        off = (off + 8) % small;
    }
    benchmark::DoNotOptimize(m);
    state.SetItemsProcessed(state.iterations());
    munmap(m, small);
}

// The same loop as a correct guest under ADR runs it: each line written (8 stores) is cleaned,
// and every 64 lines a fence makes them durable. The domain does all its per-store work.
void BM_stores_tracked_adr(benchmark::State& state) {
    unsigned char* m = map(small);
    persistence_domain d(m, small, domain_kind::adr);
    std::uint64_t off = 0, v = 0;
    const sc_core::sc_time now;
    for (auto _ : state) {
        d.before_store(off, 8, 0x80000000);
        std::memcpy(m + off, &v, 8);
        ++v;
        off = (off + 8) % small;
        if (off % 64 == 0) {
            d.clean(off - 64 + (off == 0 ? small : 0), 0x80000004, now);
            if (off % 4096 == 0) d.fence(0x80000008, now);
        }
    }
    benchmark::DoNotOptimize(m);
    state.SetItemsProcessed(state.iterations());
    state.SetLabel(std::to_string(d.non_durable_lines()) + " lines non-durable at the end");
    munmap(m, small);
}

void BM_power_fail_1GiB_1MiB_dirty(benchmark::State& state) {
    unsigned char* m = map(big);
    persistence_domain d(m, big, domain_kind::adr);
    const sc_core::sc_time now;
    for (auto _ : state) {
        state.PauseTiming();
        for (std::uint64_t off = 0; off < (1u << 20); off += 64) // 16,384 lines spread over 1 GiB
            d.before_store(off * 1024 % big, 8, 0x80000000);
        state.ResumeTiming();
        benchmark::DoNotOptimize(d.power_fail({}, now));
    }
    state.SetLabel("16384 non-durable lines");
    munmap(m, big);
}

BENCHMARK(BM_stores_untracked);
BENCHMARK(BM_stores_tracked_adr);
BENCHMARK(BM_power_fail_1GiB_1MiB_dirty)->Unit(benchmark::kMillisecond);

} // namespace

// libsystemc supplies main(): start from sc_main.
int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
