// SPDX-License-Identifier: Apache-2.0
// Foundation benchmarks: the DMI path into a file-backed region against memcpy on the same
// mapping, b_transport through the router with a 1 us quantum keeper, and the host cost of
// persist(). Run: build/tests/bench/tlm_bench [--benchmark_min_time=...]
// PMEMVP_BENCH_DIR chooses where the 64 MiB backing file lives (default: TMPDIR or /tmp).
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <benchmark/benchmark.h>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <unistd.h>

using namespace pmemvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

constexpr std::uint64_t region_base = 0x1'0000'0000ull;
constexpr std::uint64_t region_size = 64ull << 20;

struct bench_initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<bench_initiator> socket{"socket"};
    tlm::tlm_dmi dmi;
    bool dmi_valid = false;
    explicit bench_initiator(const sc_core::sc_module_name& n) : sc_module(n) {
        socket.register_invalidate_direct_mem_ptr(this, &bench_initiator::invalidate);
    }
    void invalidate(sc_dt::uint64, sc_dt::uint64) { dmi_valid = false; }
    void acquire_dmi(std::uint64_t addr) {
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(addr);
        dmi_valid = socket->get_direct_mem_ptr(gp, dmi);
    }
};

struct platform : sc_core::sc_module {
    std::unique_ptr<backend::file_backend> file;
    std::unique_ptr<memory_target> mem;
    router bus{"bus"};
    bench_initiator cpu{"cpu"};

    explicit platform(const sc_core::sc_module_name& n, const std::string& dir) : sc_module(n) {
        file = std::make_unique<backend::file_backend>(backend::file_backend_options::parse(
            "id=bench,share=on,prealloc=on,size=64M,mem-path=" + dir));
        mem = std::make_unique<memory_target>("mem", file->data(), file->size(), true,
                                              sc_time(10, SC_NS), sc_time(10, SC_NS));
        bus.map(region_base, region_size, mem->socket, "pmem");
        cpu.socket.bind(bus.in);
    }
};

platform* top = nullptr;

// Sequential 64-byte accesses through the DMI pointer, with the range check and the latency
// accounting an ISS does per access.
void BM_dmi_write_64B(benchmark::State& state) {
    auto& cpu = top->cpu;
    cpu.acquire_dmi(region_base);
    unsigned char src[64];
    std::memset(src, 0xa5, sizeof src);
    sc_time local;
    const sc_time lat = cpu.dmi.get_write_latency();
    std::uint64_t addr = region_base;
    for (auto _ : state) {
        if (!cpu.dmi_valid || addr < cpu.dmi.get_start_address() ||
            addr + 63 > cpu.dmi.get_end_address())
            state.SkipWithError("DMI lost");
        std::memcpy(cpu.dmi.get_dmi_ptr() + (addr - cpu.dmi.get_start_address()), src, 64);
        local += lat;
        addr += 64;
        if (addr >= region_base + region_size) addr = region_base;
    }
    benchmark::DoNotOptimize(local);
    state.SetBytesProcessed(state.iterations() * 64);
}

void BM_dmi_read_64B(benchmark::State& state) {
    auto& cpu = top->cpu;
    cpu.acquire_dmi(region_base);
    unsigned char dst[64];
    sc_time local;
    const sc_time lat = cpu.dmi.get_read_latency();
    std::uint64_t addr = region_base;
    for (auto _ : state) {
        if (!cpu.dmi_valid || addr < cpu.dmi.get_start_address() ||
            addr + 63 > cpu.dmi.get_end_address())
            state.SkipWithError("DMI lost");
        std::memcpy(dst, cpu.dmi.get_dmi_ptr() + (addr - cpu.dmi.get_start_address()), 64);
        benchmark::DoNotOptimize(dst);
        local += lat;
        addr += 64;
        if (addr >= region_base + region_size) addr = region_base;
    }
    benchmark::DoNotOptimize(local);
    state.SetBytesProcessed(state.iterations() * 64);
}

void BM_memcpy_write_64B(benchmark::State& state) {
    unsigned char* base = top->file->data();
    unsigned char src[64];
    std::memset(src, 0x5a, sizeof src);
    std::uint64_t off = 0;
    for (auto _ : state) {
        std::memcpy(base + off, src, 64);
        benchmark::ClobberMemory();
        off = (off + 64) % region_size;
    }
    state.SetBytesProcessed(state.iterations() * 64);
}

void BM_memcpy_read_64B(benchmark::State& state) {
    unsigned char* base = top->file->data();
    unsigned char dst[64];
    std::uint64_t off = 0;
    for (auto _ : state) {
        std::memcpy(dst, base + off, 64);
        benchmark::DoNotOptimize(dst);
        off = (off + 64) % region_size;
    }
    state.SetBytesProcessed(state.iterations() * 64);
}

// 8-byte writes through the router to the file-backed target, timed by a quantum keeper with
// a 1 us global quantum: the target's 10 ns latency makes it sync every 100 transactions.
void BM_b_transport_write_8B(benchmark::State& state) {
    tlm_utils::tlm_quantumkeeper qk;
    qk.reset();
    tlm::tlm_generic_payload gp;
    std::uint64_t value = 0x0123456789abcdefull;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    std::uint64_t addr = region_base;
    for (auto _ : state) {
        gp.set_address(addr);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay = qk.get_local_time();
        top->cpu.socket->b_transport(gp, delay);
        qk.set(delay);
        if (qk.need_sync()) qk.sync();
        addr += 8;
        if (addr >= region_base + region_size) addr = region_base;
    }
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
        state.SkipWithError("b_transport failed");
    state.SetItemsProcessed(state.iterations());
}

// Host cost of making guest data durable: dirty `range` bytes, then persist them.
void BM_persist(benchmark::State& state) {
    const std::uint64_t range = static_cast<std::uint64_t>(state.range(0));
    auto& file = *top->file;
    std::uint64_t off = 0;
    unsigned char v = 1;
    for (auto _ : state) {
        state.PauseTiming();
        std::memset(file.data() + off, v++, range);
        state.ResumeTiming();
        file.persist(off, range);
        off = (off + range) % region_size;
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(range));
    state.SetLabel(std::string("sync: ") + backend::to_string(file.mode()));
}

BENCHMARK(BM_dmi_write_64B);
BENCHMARK(BM_memcpy_write_64B);
BENCHMARK(BM_dmi_read_64B);
BENCHMARK(BM_memcpy_read_64B);
BENCHMARK(BM_b_transport_write_8B);
BENCHMARK(BM_persist)->Arg(4096)->Arg(1 << 20)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Console output plus the figures the goals are stated in.
class summary_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            auto it = r.counters.find("bytes_per_second");
            if (it != r.counters.end()) bytes_per_second[r.benchmark_name()] = it->second;
            auto items = r.counters.find("items_per_second");
            if (items != r.counters.end()) items_per_second[r.benchmark_name()] = items->second;
        }
    }
    std::map<std::string, double> bytes_per_second, items_per_second;
};

struct runner : sc_core::sc_module {
    SC_HAS_PROCESS(runner);
    int failures = 0;
    explicit runner(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
    void run() {
        summary_reporter rep;
        benchmark::RunSpecifiedBenchmarks(&rep);
        auto ratio = [&](const char* a, const char* b) {
            double x = rep.bytes_per_second[a], y = rep.bytes_per_second[b];
            return y > 0 ? x / y : 0.0;
        };
        std::cout << "\nsummary (same run, same mapping, 64 MiB file, sync: "
                  << backend::to_string(top->file->mode()) << ")\n";
        if (rep.bytes_per_second.count("BM_dmi_write_64B")) {
            std::printf("  DMI write / memcpy write : %.2f  (goal >= 0.5)\n",
                        ratio("BM_dmi_write_64B", "BM_memcpy_write_64B"));
            std::printf("  DMI read  / memcpy read  : %.2f  (goal >= 0.5)\n",
                        ratio("BM_dmi_read_64B", "BM_memcpy_read_64B"));
        }
        if (rep.items_per_second.count("BM_b_transport_write_8B"))
            std::printf("  b_transport 8 B writes   : %.1f M/s  (goal >= 40 M/s)\n",
                        rep.items_per_second["BM_b_transport_write_8B"] / 1e6);
        sc_core::sc_stop();
    }
};

} // namespace

int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    tlm::tlm_global_quantum::instance().set(sc_time(1, sc_core::SC_US));
    const char* dir = std::getenv("PMEMVP_BENCH_DIR");
    if (!dir || !*dir) dir = std::getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    platform p("platform", dir);
    top = &p;
    runner r("runner");
    sc_core::sc_start();
    return 0;
}
