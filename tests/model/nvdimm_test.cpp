// SPDX-License-Identifier: Apache-2.0
// NVDIMM device, DSM mailbox protocol (every function, every error, randomized malformed
// pages), the control page's doorbell and flush hints over TLM, and the striped memory.
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"
#include "pmemvp/tlm/striped_memory_target.h"
#include "pmemvp/util/config_error.h"

#include <cstring>
#include <memory>
#include <random>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using namespace pmemvp::nvdimm;

namespace {

std::unique_ptr<backend::file_backend> make_backend(const std::string& dir, const std::string& id,
                                                    const std::string& extra = "") {
    return std::make_unique<backend::file_backend>(backend::file_backend_options::parse(
        "id=" + id + ",share=on,size=4M,mem-path=" + dir + "/" + id + ".img" + extra));
}

struct page {
    unsigned char bytes[dsm_page_size] = {};
    page(std::uint32_t handle, std::uint32_t function, std::uint32_t revision = 1) {
        std::memcpy(bytes, &handle, 4);
        std::memcpy(bytes + 4, &revision, 4);
        std::memcpy(bytes + 8, &function, 4);
    }
    template <typename T> void arg(std::size_t at, T v) { std::memcpy(bytes + 12 + at, &v, sizeof v); }
    std::uint32_t length() const { std::uint32_t v; std::memcpy(&v, bytes, 4); return v; }
    template <typename T = std::uint32_t> T out(std::size_t at) const { T v; std::memcpy(&v, bytes + 4 + at, sizeof v); return v; }
};

struct dimms_fixture : ::testing::Test {
    std::string dir = test::make_temp_dir();
    std::unique_ptr<backend::file_backend> b0 = make_backend(dir, "m0");
    std::unique_ptr<backend::file_backend> b1 = make_backend(dir, "m1");
    std::unique_ptr<nvdimm::nvdimm> d0, d1;
    std::unique_ptr<dsm_handler> dsm;

    void SetUp() override {
        auto o0 = nvdimm_options::parse("id=nv0,memdev=m0,label-size=128K,badrange=0x2000+0x200");
        auto o1 = nvdimm_options::parse("id=nv1,memdev=m1");
        d0 = std::make_unique<nvdimm::nvdimm>(o0, *b0, 0);
        d1 = std::make_unique<nvdimm::nvdimm>(o1, *b1, 1);
        spa_range r0{d0->spa_index(), 0x100000000ull, d0->pmem_size(), 0, {d0.get()}};
        spa_range r1{d1->spa_index(), 0x140000000ull, d1->pmem_size(), 0, {d1.get()}};
        dsm = std::make_unique<dsm_handler>(std::vector<nvdimm::nvdimm*>{d0.get(), d1.get()},
                                            std::vector<spa_range>{r0, r1});
    }
    page call(page p) { dsm->call(p.bytes); return p; }
};

} // namespace

TEST(nvdimm_device, geometry_and_identifiers_follow_qemu) {
    const std::string dir = test::make_temp_dir();
    auto b = make_backend(dir, "m");
    nvdimm::nvdimm d(nvdimm_options::parse("id=nv,memdev=m,label-size=128K"), *b, 3);
    EXPECT_EQ(d.handle(), 4u);
    EXPECT_EQ(d.spa_index(), 8);
    EXPECT_EQ(d.dcr_index(), 9);
    EXPECT_EQ(d.serial(), 0x123459u);
    EXPECT_EQ(d.pmem_size(), (4u << 20) - (128u << 10)); // ALIGN_DOWN(size - label, 4K)
    EXPECT_EQ(d.labels(), b->data() + b->size() - (128 << 10));
}

TEST(nvdimm_device, option_and_geometry_errors_name_the_problem) {
    auto error_of = [](auto fn) {
        try { fn(); } catch (const config_error& e) { return std::string(e.what()); }
        return std::string("accepted");
    };
    EXPECT_NE(error_of([] { nvdimm_options::parse("id=x"); }).find("'memdev' property must be set"), std::string::npos);
    EXPECT_NE(error_of([] { nvdimm_options::parse("memdev=m,label-size=64K"); }).find("at least 0x20000"), std::string::npos);
    EXPECT_NE(error_of([] { nvdimm_options::parse("memdev=m,slot=16"); }).find("invalid slot# 16"), std::string::npos);
    EXPECT_NE(error_of([] { nvdimm_options::parse("memdev=m,badrange=12"); }).find("'badrange'"), std::string::npos);
    EXPECT_NE(error_of([] { nvdimm_options::parse("memdev=m,colour=blue"); }).find("'colour'"), std::string::npos);
    const std::string dir = test::make_temp_dir();
    auto small = std::make_unique<backend::file_backend>(backend::file_backend_options::parse(
        "id=s,share=on,size=128K,mem-path=" + dir + "/s.img"));
    EXPECT_NE(error_of([&] { nvdimm::nvdimm(nvdimm_options::parse("id=a,memdev=s,label-size=128K"), *small, 0); })
                  .find("too small to contain nvdimm label"), std::string::npos);
    test::write_file(dir + "/ro.img", 1 << 20, 0);
    auto ro = std::make_unique<backend::file_backend>(backend::file_backend_options::parse(
        "id=ro,readonly=on,size=1M,mem-path=" + dir + "/ro.img"));
    EXPECT_NE(error_of([&] { nvdimm::nvdimm(nvdimm_options::parse("id=b,memdev=ro"), *ro, 0); })
                  .find("'unarmed' property must be 'on'"), std::string::npos);
    EXPECT_NE(error_of([&] { nvdimm::nvdimm(nvdimm_options::parse("id=c,memdev=s,badrange=0x40000+1"), *small, 0); })
                  .find("outside"), std::string::npos);
    EXPECT_NE(error_of([] { interleave_options::parse("id=i,dimms=a"); }).find("two or more"), std::string::npos);
    EXPECT_NE(error_of([] { interleave_options::parse("id=i,dimms=a:b,granularity=100"); }).find("power of two"), std::string::npos);
}

TEST_F(dimms_fixture, function_0_lists_the_supported_functions) {
    EXPECT_EQ(call(page(1, 0)).out(0), 0x73u) << "0, 1, 4, 5, 6 with labels";
    EXPECT_EQ(call(page(2, 0)).out(0), 0x03u) << "0, 1 without labels";
    EXPECT_EQ(call(page(0, 0)).out(0), 0x1fu) << "root: 0..4";
}

TEST_F(dimms_fixture, label_size_read_and_write) {
    auto p = call(page(1, 4));
    EXPECT_EQ(p.length(), 16u);
    EXPECT_EQ(p.out(0), dsm_status::success);
    EXPECT_EQ(p.out(4), 128u * 1024);
    EXPECT_EQ(p.out(8), 4076u);

    page w(1, 6);
    w.arg<std::uint32_t>(0, 100);
    w.arg<std::uint32_t>(4, 5);
    std::memcpy(w.bytes + 12 + 8, "label", 5);
    EXPECT_EQ(call(w).out(0), dsm_status::success);
    EXPECT_EQ(std::memcmp(d0->labels() + 100, "label", 5), 0);
    // ... and it is in the backing file's last 128 KiB.
    const std::string file = test::read_file(b0->path());
    EXPECT_EQ(file.substr(file.size() - (128 << 10) + 100, 5), "label");

    page r(1, 5);
    r.arg<std::uint32_t>(0, 100);
    r.arg<std::uint32_t>(4, 5);
    const auto got = call(r);
    EXPECT_EQ(got.length(), 4u + 4 + 5);
    EXPECT_EQ(std::memcmp(got.bytes + 8, "label", 5), 0);
}

TEST_F(dimms_fixture, label_bounds_are_invalid_input) {
    for (auto [offset, length] : {std::pair<std::uint32_t, std::uint32_t>{0, 4077},
                                  {128 * 1024 - 4, 8},
                                  {0xffffffff, 2}}) {
        for (std::uint32_t fn : {5u, 6u}) {
            page p(1, fn);
            p.arg(0, offset);
            p.arg(4, length);
            EXPECT_EQ(call(p).out(0), dsm_status::invalid_input) << fn << " " << offset << "+" << length;
        }
    }
}

TEST_F(dimms_fixture, errors_unknown_handle_revision_function_and_no_labels) {
    EXPECT_EQ(call(page(7, 4)).out(0), dsm_status::no_such_device);
    EXPECT_EQ(call(page(1, 4, 2)).out(0), dsm_status::not_supported) << "revision 2";
    EXPECT_EQ(call(page(1, 99)).out(0), dsm_status::not_supported);
    EXPECT_EQ(call(page(2, 4)).out(0), dsm_status::not_supported) << "no label area";
    EXPECT_EQ(call(page(0, 42)).out(0), dsm_status::not_supported);
}

TEST(dsm, writes_to_a_read_only_dimm_are_refused) {
    const std::string dir = test::make_temp_dir();
    test::write_file(dir + "/ro.img", 1 << 20, 0x5a);
    backend::file_backend b(backend::file_backend_options::parse("id=ro,readonly=on,size=1M,mem-path=" + dir + "/ro.img"));
    nvdimm::nvdimm d(nvdimm_options::parse("id=r,memdev=ro,unarmed=on,label-size=128K"), b, 0);
    dsm_handler h({&d}, {spa_range{d.spa_index(), 0x100000000ull, d.pmem_size(), 0, {&d}}});
    page p(1, 6);
    p.arg<std::uint32_t>(0, 0);
    p.arg<std::uint32_t>(4, 4);
    h.call(p.bytes);
    EXPECT_EQ(p.out(0), dsm_status::not_supported);
    EXPECT_EQ(test::read_file(dir + "/ro.img"), std::string(1 << 20, '\x5a'));
}

TEST_F(dimms_fixture, smart_health_has_nfit_test_values) {
    const auto p = call(page(1, 1));
    EXPECT_EQ(p.length(), 4u + 4 + 128);
    EXPECT_EQ(p.out(0), dsm_status::success);
    EXPECT_EQ(p.out<std::uint8_t>(4 + 9), 75) << "spares";
    EXPECT_EQ(p.out<std::uint8_t>(4 + 10), 5) << "life used";
    EXPECT_EQ(p.out<std::uint16_t>(4 + 12), 23 * 16) << "media temperature";
    EXPECT_EQ(p.out<std::uint16_t>(4 + 14), 25 * 16);
    EXPECT_EQ(p.out<std::uint32_t>(4 + 16), 42u) << "shutdown count";
}

TEST_F(dimms_fixture, ars_reports_and_clears_injected_bad_ranges) {
    page cap(0, 1);
    cap.arg<std::uint64_t>(0, 0x100000000ull);
    cap.arg<std::uint64_t>(8, d0->pmem_size());
    auto c = call(cap);
    EXPECT_EQ(c.out(0), dsm_status::success | (2u << 16)) << "persistent scrub supported";
    EXPECT_EQ(c.out(8), 256u) << "clear error unit";
    page outside(0, 1);
    outside.arg<std::uint64_t>(0, 0x80000000ull);
    outside.arg<std::uint64_t>(8, 0x1000);
    EXPECT_EQ(call(outside).out(0), dsm_status::invalid_input);

    EXPECT_EQ(call(page(0, 3)).out(0), 2u << 16) << "no scrub has run";
    page start(0, 2);
    start.arg<std::uint64_t>(0, 0x100000000ull);
    start.arg<std::uint64_t>(8, d0->pmem_size());
    start.arg<std::uint16_t>(16, 2);
    EXPECT_EQ(call(start).out(0), dsm_status::success);
    auto s = call(page(0, 3));
    EXPECT_EQ(s.out(0), dsm_status::success);
    ASSERT_EQ(s.out(44), 1u) << "one record";
    EXPECT_EQ(s.out(48), 1u) << "handle of nv0";
    EXPECT_EQ(s.out<std::uint64_t>(56), 0x100002000ull);
    EXPECT_EQ(s.out<std::uint64_t>(64), 0x200u);

    page misaligned(0, 4);
    misaligned.arg<std::uint64_t>(0, 0x100002010ull);
    misaligned.arg<std::uint64_t>(8, 0x100);
    EXPECT_EQ(call(misaligned).out(0), dsm_status::invalid_input);
    page clear(0, 4);
    clear.arg<std::uint64_t>(0, 0x100002000ull);
    clear.arg<std::uint64_t>(8, 0x100);
    auto cl = call(clear);
    EXPECT_EQ(cl.out(0), dsm_status::success);
    EXPECT_EQ(cl.out<std::uint64_t>(8), 0x100u);
    s = call(page(0, 3));
    ASSERT_EQ(s.out(44), 1u);
    EXPECT_EQ(s.out<std::uint64_t>(56), 0x100002100ull) << "half of the range is left";
    EXPECT_EQ(s.out<std::uint64_t>(64), 0x100u);
}

TEST_F(dimms_fixture, randomized_malformed_pages_never_break_the_protocol) {
    std::mt19937_64 rng(20261122);
    for (int i = 0; i < 20000; ++i) {
        page p(static_cast<std::uint32_t>(rng() % 4), static_cast<std::uint32_t>(rng() % 10),
               static_cast<std::uint32_t>(rng() % 3));
        for (std::size_t b = 12; b < 64; ++b) p.bytes[b] = static_cast<unsigned char>(rng());
        if (rng() % 2) p.arg<std::uint32_t>(4, static_cast<std::uint32_t>(rng() % 5000)); // plausible lengths
        const std::uint32_t fn = p.out(8 - 4);
        if (fn == 6 && p.out(0 - 0) == 1) continue; // skip random label writes: they are fine but noisy
        dsm->call(p.bytes);
        ASSERT_GE(p.length(), 4u);
        ASSERT_LE(p.length(), dsm_page_size);
    }
}

namespace {

// An NVDIMM in slot 2 on a bus with RAM for DSM pages, its control page where the virt
// platform puts slot 2's.
struct bench : sc_core::sc_module {
    std::string dir = test::make_temp_dir();
    std::unique_ptr<backend::file_backend> backend = make_backend(dir, "mc");
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    std::unique_ptr<nvdimm_device> dimm;
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    std::vector<unsigned char> way_a = std::vector<unsigned char>(0x4000);
    std::vector<unsigned char> way_b = std::vector<unsigned char>(0x4000);
    striped_memory_target striped{"striped", {way_a.data(), way_b.data()}, 0x4000, 0x1000, true};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        nvdimm_device_options o;
        o.dimm = nvdimm_options::parse("id=nv,memdev=mc,label-size=128K,flush-hints=2,slot=2");
        o.base = 0x100000000ull;
        dimm = std::make_unique<nvdimm_device>("nv", o, *backend);
        bus.map(0x80000000, ram_bytes.size(), ram.socket, "ram");
        bus.map(0x10100000 + 2 * control_page::page_size, control_page::page_size, dimm->control, "nvdimm");
        dimm->dma.bind(bus.in);
        bus.map(0x200000000ull, striped.size(), striped.socket, "striped");
        cpu.bind(bus.in);
    }
    tlm::tlm_response_status write64(std::uint64_t addr, std::uint64_t v) {
        return test::tlm_access(*cpu.operator->(), tlm::TLM_WRITE_COMMAND, addr, &v, 8);
    }
    std::uint32_t read32(std::uint64_t addr) {
        std::uint32_t v = 0;
        test::tlm_access(*cpu.operator->(), tlm::TLM_READ_COMMAND, addr, &v, 4);
        return v;
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(control_page, doorbell_runs_the_call_in_guest_memory) {
    const std::uint64_t page_addr = 0x80001000, control = 0x10100000 + 2 * 0x1000;
    page p(3, 4); // slot 2 -> handle 3
    std::memcpy(&tb().ram_bytes[0x1000], p.bytes, sizeof p.bytes);
    EXPECT_EQ(tb().write64(control, page_addr), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().read32(control + 8), 0u) << "dsm_status";
    std::uint32_t out[4];
    std::memcpy(out, &tb().ram_bytes[0x1000], sizeof out);
    EXPECT_EQ(out[0], 16u);
    EXPECT_EQ(out[1], dsm_status::success);
    EXPECT_EQ(out[2], 128u * 1024);
    EXPECT_GE(tb().read32(control + 0xc), 1u) << "dsm_calls";
}

TEST(control_page, a_doorbell_outside_memory_is_reported_not_fatal) {
    const std::uint64_t control = 0x10100000 + 2 * 0x1000;
    test::expect_report warning(sc_core::SC_WARNING, "cannot be read");
    EXPECT_EQ(tb().write64(control, 0x40000000), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(warning.count(), 1u);
    EXPECT_EQ(tb().read32(control + 8), 1u);
    EXPECT_EQ(tb().write64(control, 0x8000fff8), tlm::TLM_OK_RESPONSE) << "a page crossing the end of RAM";
    EXPECT_EQ(warning.count(), 2u);
    EXPECT_EQ(tb().read32(control + 8), 1u);
}

TEST(control_page, a_doorbell_page_outside_the_dma_windows_is_refused_and_never_written) {
    const std::uint64_t control = 0x10100000 + 2 * 0x1000;
    // A DSM page in persistent memory (here the striped memory stands for it) would put the
    // reply into the user's file: with RAM as the only window it is refused.
    tb().dimm->control_registers().set_dma_windows({{0x80000000, tb().ram_bytes.size()}});
    page p(3, 4);
    std::memcpy(tb().way_a.data(), p.bytes, sizeof p.bytes);
    const std::vector<unsigned char> before = tb().way_a;
    {
        test::expect_report warning(sc_core::SC_WARNING, "is not in RAM");
        EXPECT_EQ(tb().write64(control, 0x200000000ull), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(warning.count(), 1u);
    }
    EXPECT_EQ(tb().read32(control + 8), 1u) << "dsm_status";
    EXPECT_EQ(tb().way_a, before) << "nothing written into the memory";
    // RAM still works.
    std::memcpy(&tb().ram_bytes[0x1000], p.bytes, sizeof p.bytes);
    EXPECT_EQ(tb().write64(control, 0x80001000), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().read32(control + 8), 0u);
    tb().dimm->control_registers().set_dma_windows({});
}

TEST(control_page, flush_hint_writes_are_counted) {
    const std::uint64_t hints = 0x10100000 + 2 * 0x1000 + control_page::flush_hint_offset;
    EXPECT_EQ(tb().write64(hints, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().write64(hints + 8, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(tb().dimm->control_registers().flush_hint_writes(), 2u);
    EXPECT_EQ(tb().write64(hints + 16, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "only two hints";
    EXPECT_EQ(tb().write64(0x10100000, 0x80000000), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "slot 0 is empty";
}

TEST(striped_memory, lines_alternate_between_ways_and_dmi_is_per_line) {
    auto& a = tb().way_a;
    auto& b = tb().way_b;
    auto& t = tb().striped;
    EXPECT_EQ(t.host_address(0x0000), a.data());
    EXPECT_EQ(t.host_address(0x1000), b.data());
    EXPECT_EQ(t.host_address(0x2004), a.data() + 0x1004);
    EXPECT_EQ(t.host_address(0x3fff), b.data() + 0x1fff);
    // An access across a line boundary is split between the ways.
    std::uint64_t v = 0x1122334455667788ull;
    EXPECT_EQ(test::tlm_access(*tb().cpu.operator->(), tlm::TLM_WRITE_COMMAND, 0x200000ffcull, &v, 8),
              tlm::TLM_OK_RESPONSE);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    EXPECT_EQ(a[0xffc], 0x88);
    EXPECT_EQ(b[0x000], 0x44);
    tlm::tlm_dmi dmi;
    gp.set_address(0x200003008ull);
    ASSERT_TRUE(tb().cpu->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x200003000ull);
    EXPECT_EQ(dmi.get_end_address(), 0x200003fffull);
    EXPECT_EQ(dmi.get_dmi_ptr(), b.data() + 0x1000);
}

TEST(striped_memory, a_cache_block_operation_names_the_observer_of_the_lines_way) {
    struct recording_observer : store_observer {
        std::vector<std::uint64_t> cleaned;
        void before_store(std::uint64_t, std::uint64_t, std::uint64_t) override {}
        void cache_op(std::uint64_t offset, persist_op, std::uint64_t) override { cleaned.push_back(offset); }
    } way_a, way_b;
    tb().striped.set_store_observers({&way_a, &way_b});
    persistence_extension ext(persist_op::clean, 0x80000000);
    store_observer_extension observer_ext;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_address(0x200001040ull); // way b, its offset 0x40
    gp.set_data_length(64);
    gp.set_streaming_width(64);
    gp.set_extension(&ext);
    gp.set_extension(&observer_ext);
    sc_core::sc_time delay;
    tb().cpu->b_transport(gp, delay);
    gp.clear_extension(&ext);
    gp.clear_extension(&observer_ext);
    tb().striped.set_store_observers({});
    EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
    EXPECT_TRUE(way_a.cleaned.empty());
    EXPECT_EQ(way_b.cleaned, std::vector<std::uint64_t>{0x40});
    EXPECT_EQ(observer_ext.hook, &way_b);
}
