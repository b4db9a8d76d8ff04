// SPDX-License-Identifier: Apache-2.0
// NVDIMM hot-plug at the model level, wired as a platform would: an nvdimm_root with one DIMM
// at elaboration and one with none, their root pages and dma sockets on a bus, their interrupt
// lines into the bench. DIMMs are plugged while the simulation is elaborated (between
// "quanta"), mapped with the router's run-time mappings, and used as a guest would: the root
// interrupt, Read FIT in several calls, the FIT changing during a read, the new DIMM's memory,
// DSM and flush hint, a power failure; and every error leaving the root as it was.
#include "pmemvp/nvdimm/nvdimm_root.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include "nfit.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using namespace pmemvp::nvdimm;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, control_base = 0x10100000, device_memory = 0x100000000ull;
constexpr std::uint64_t root_page = control_base + NVDIMM_ROOT_PAGE_OFFSET;
constexpr std::uint64_t gib = 1ull << 30;
// The second root, without DIMMs: its own pages and device memory.
constexpr std::uint64_t empty_control_base = 0x10200000, empty_root_page = empty_control_base + NVDIMM_ROOT_PAGE_OFFSET;
constexpr std::uint64_t empty_device_memory = 0x1000000000ull;

nvdimm_device_options dimm(const std::string& keyvals) {
    nvdimm_device_options o;
    o.dimm = nvdimm_options::parse(keyvals);
    o.timing.reset(); // untimed: this test is about plugging and wiring
    return o;
}

backend::file_backend_options file(const std::string& dir, const std::string& name, const char* size = "2M") {
    return backend::file_backend_options::parse("id=" + name + ",share=on,size=" + size + ",mem-path=" + dir + "/" +
                                                name + ".img");
}

nvdimm_root_options root_options() {
    nvdimm_root_options o;
    o.base = device_memory;
    o.control_base = control_base;
    o.capabilities = 2; // ADR
    o.slots = 4;
    o.device_memory_end = device_memory + 3 * gib; // room for three 1 GiB-aligned ranges
    o.dsm_windows = {{ram_base, 0x10000}};
    return o;
}

// A third root for a FIT of more than one page: many DIMMs with 16 flush hints each.
constexpr std::uint64_t many_control_base = 0x10300000, many_root_page = many_control_base + NVDIMM_ROOT_PAGE_OFFSET;

nvdimm_root_options many_root_options() {
    nvdimm_root_options o;
    o.base = 0x2000000000ull;
    o.control_base = many_control_base;
    return o;
}

nvdimm_root_options empty_root_options() {
    nvdimm_root_options o;
    o.base = empty_device_memory;
    o.control_base = empty_control_base;
    o.slots = 1;
    return o;
}

struct bench : sc_core::sc_module, irq_sink {
    std::string dir = test::make_temp_dir();
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    nvdimm_device nv0{"nv0", dimm("id=nv0,memdev=m0,slot=0"), file(dir, "m0")};
    nvdimm_root root{"root", root_options(), {&nv0}};
    nvdimm_root empty{"empty", empty_root_options(), {}};
    nvdimm_root many{"many", many_root_options(), {}};
    std::vector<std::unique_ptr<backend::file_backend>> many_files;
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    // Files for the DIMMs plugged later (a platform's memory-backend-file objects).
    backend::file_backend m1{file(dir, "m1", "4M"), backend::file_backend::start::committed};
    backend::file_backend m2{file(dir, "m2"), backend::file_backend::start::committed};
    backend::file_backend m3{file(dir, "m3"), backend::file_backend::start::committed};
    backend::file_backend m4{file(dir, "m4"), backend::file_backend::start::committed};
    bool root_irq = false, empty_irq = false;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_bytes.size(), ram.socket, "ram");
        bus.map(root.ranges()[0].base, root.ranges()[0].size, root.range_socket(0), "pmem0");
        bus.map(control_base, control_page::page_size, nv0.control, "control0");
        nv0.dma.bind(bus.in);
        bus.map(root_page, control_page::page_size, root.control, "root-page");
        root.dma.bind(bus.in);
        root.irq.bind(*this, 0);
        bus.map(empty_root_page, control_page::page_size, empty.control, "empty-root-page");
        empty.dma.bind(bus.in);
        empty.irq.bind(*this, 1);
        bus.map(many_root_page, control_page::page_size, many.control, "many-root-page");
        many.dma.bind(bus.in);
        cpu.bind(bus.in);
    }
    void set_irq(unsigned line, bool level) override { (line ? empty_irq : root_irq) = level; }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
        return test::tlm_access(*cpu.operator->(), cmd, addr, data, len);
    }
    void write64(std::uint64_t addr, std::uint64_t v) { ASSERT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 8), tlm::TLM_OK_RESPONSE); }
    void write32(std::uint64_t addr, std::uint32_t v) { ASSERT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 4), tlm::TLM_OK_RESPONSE); }
    std::uint32_t read32(std::uint64_t addr) {
        std::uint32_t v = 0;
        EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, &v, 4), tlm::TLM_OK_RESPONSE);
        return v;
    }

    // A DSM call through the page at `page`; the DSM page is RAM + 0x1000. Returns the output
    // {length, status, data...} as bytes (`length` of them).
    std::vector<unsigned char> dsm(std::uint64_t page, std::uint32_t handle, std::uint32_t function,
                                   const void* arg = nullptr, std::size_t arg_length = 0) {
        std::memset(&ram_bytes[0x1000], 0, DSM_PAGE_SIZE);
        const std::uint32_t header[3] = {handle, 1, function};
        std::memcpy(&ram_bytes[0x1000], header, sizeof header);
        if (arg_length) std::memcpy(&ram_bytes[0x1000 + DSM_IN_ARG], arg, arg_length);
        write64(page + NVDIMM_DSM_DOORBELL, ram_base + 0x1000);
        EXPECT_EQ(read32(page + NVDIMM_DSM_STATUS), 0u) << "the DSM page moved";
        std::uint32_t length = 0;
        std::memcpy(&length, &ram_bytes[0x1000], 4);
        EXPECT_GE(length, 8u);
        EXPECT_LE(length, DSM_PAGE_SIZE);
        return std::vector<unsigned char>(ram_bytes.begin() + 0x1000, ram_bytes.begin() + 0x1000 + std::min<std::uint32_t>(length, DSM_PAGE_SIZE));
    }
    static std::uint32_t status(const std::vector<unsigned char>& out) {
        std::uint32_t s = ~0u;
        if (out.size() >= 8) std::memcpy(&s, out.data() + 4, 4);
        return s;
    }
    // One Read FIT call at `offset`.
    std::vector<unsigned char> read_fit(std::uint64_t page, std::uint32_t offset) {
        return dsm(page, DSM_ROOT_FIT_HANDLE, DSM_FN_READ_FIT, &offset, 4);
    }
    // The whole FIT as a guest reads it: offsets kept by the caller, restart on FIT changed.
    std::vector<unsigned char> read_whole_fit(std::uint64_t page) {
        std::vector<unsigned char> fit;
        for (int attempts = 0; attempts < 4; ++attempts) {
            fit.clear();
            for (;;) {
                const auto out = read_fit(page, static_cast<std::uint32_t>(fit.size()));
                if (status(out) == DSM_FIT_CHANGED) break;
                EXPECT_EQ(status(out), 0u);
                if (out.size() == 8) return fit;
                fit.insert(fit.end(), out.begin() + 8, out.end());
            }
        }
        ADD_FAILURE() << "the FIT kept changing";
        return fit;
    }
    // Maps a plugged DIMM as a platform does: its memory and its control page.
    void map(const hotplug_result& r, std::uint64_t dimm_control_base) {
        ASSERT_TRUE(r) << r.error;
        const std::string name = "pmem" + std::to_string(r.range.index);
        ASSERT_EQ(bus.map_at_run_time(r.range.base, r.dimm->pmem_target(), name), "");
        ASSERT_EQ(bus.map_at_run_time(dimm_control_base + r.dimm->dimm().slot() * control_page::page_size,
                                      control_page::page_size, r.dimm->control_registers(), name + "-control"),
                  "");
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

nfit_info parse_fit(const std::vector<unsigned char>& fit) {
    nfit_info info{};
    EXPECT_EQ(nfit_parse_structures(fit.data(), fit.size(), &info), 0) << info.error;
    return info;
}

const nfit_dimm_info* dimm_with_handle(const nfit_info& info, std::uint32_t handle) {
    for (unsigned i = 0; i < info.ndimm; ++i)
        if (info.dimm[i].handle == handle) return &info.dimm[i];
    return nullptr;
}

hotplug_result* nv1_result() {
    static hotplug_result r;
    return &r;
}

} // namespace

TEST(nvdimm_hotplug, read_fit_serves_the_nfit_without_its_header) {
    const acpi::table nfit = tb().root.nfit();
    const std::vector<unsigned char> header_less(nfit.begin() + 40, nfit.end());
    EXPECT_EQ(tb().root.fit(), header_less);
    EXPECT_EQ(tb().read_whole_fit(root_page), header_less);
    const auto query = tb().dsm(root_page, DSM_ROOT_FIT_HANDLE, 0);
    EXPECT_EQ(bench::status(query), 0x3u) << "functions 0 and 1";
    EXPECT_EQ(parse_fit(header_less).ndimm, 1u);
    EXPECT_FALSE(tb().root_irq);
}

TEST(nvdimm_hotplug, a_plugged_dimm_gets_the_first_free_slot_and_the_next_aligned_range) {
    const hotplug_result r = tb().root.hotplug(dimm("id=nv1,memdev=m1,label-size=128K"), tb().m1);
    ASSERT_TRUE(r) << r.error;
    *nv1_result() = r;
    EXPECT_EQ(r.dimm->dimm().slot(), 1u);
    EXPECT_EQ(r.range.base, device_memory + gib) << "after nv0's range, 1 GiB aligned";
    EXPECT_EQ(r.range.size, (4u << 20) - (128u << 10));
    EXPECT_EQ(r.range.index, 4) << "QEMU's SPA index: handle * 2";
    EXPECT_EQ(r.range.dimms.at(0), &r.dimm->dimm());
    ASSERT_EQ(tb().root.ranges().size(), 2u);
    EXPECT_EQ(tb().root.cores().size(), 2u);
    EXPECT_EQ(tb().root.dimms().size(), 1u) << "the elaborated devices only";
    EXPECT_EQ(&tb().root.core_of(r.dimm->dimm()), r.dimm);
    EXPECT_EQ(tb().root.end(), device_memory + 2 * gib);
    tb().map(r, control_base);

    nfit_info info{};
    const acpi::table t = tb().root.nfit();
    ASSERT_EQ(nfit_parse(t.data(), t.size(), &info), 0) << info.error;
    ASSERT_EQ(info.nspa, 2u);
    ASSERT_EQ(info.ndimm, 2u);
    EXPECT_EQ(info.spa[1].base, device_memory + gib);
    EXPECT_EQ(info.spa[1].length, r.range.size);
    const nfit_dimm_info* d = dimm_with_handle(info, 2);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->spa_index, 4);
    EXPECT_EQ(d->serial, 0x123457u);
    ASSERT_EQ(d->hint_count, 1u);
    EXPECT_EQ(d->hints[0], control_base + 0x1000 + NVDIMM_FLUSH_HINT(0));
}

TEST(nvdimm_hotplug, the_rebuilt_nfit_disassembles_with_iasl) {
    if (std::system("iasl -v > /dev/null 2>&1") != 0) GTEST_SKIP() << "iasl is not installed: NOT checked";
    const acpi::table t = tb().root.nfit();
    const std::string dat = tb().dir + "/NFIT.dat", log = tb().dir + "/iasl.log";
    std::ofstream(dat, std::ios::binary).write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size()));
    const int status = std::system(("iasl -d '" + dat + "' > '" + log + "' 2>&1").c_str());
    const std::string all = test::read_file(log);
    EXPECT_EQ(status, 0) << all;
    EXPECT_EQ(all.find("rror"), std::string::npos) << all;
    EXPECT_EQ(all.find("arning"), std::string::npos) << all;
    const std::string dsl = test::read_file(tb().dir + "/NFIT.dsl");
    EXPECT_NE(dsl.find("0000000140000000"), std::string::npos) << "the plugged range's base: " << dsl;
}

TEST(nvdimm_hotplug, the_root_interrupt_says_fit_changed_once_enabled_until_acknowledged) {
    EXPECT_EQ(tb().read32(root_page + NVDIMM_IRQ_STATUS) & NVDIMM_IRQ_FIT_CHANGED, NVDIMM_IRQ_FIT_CHANGED);
    EXPECT_FALSE(tb().root_irq) << "not enabled yet";
    tb().write32(root_page + NVDIMM_IRQ_ENABLE, NVDIMM_IRQ_FIT_CHANGED | NVDIMM_IRQ_HEALTH);
    EXPECT_EQ(tb().read32(root_page + NVDIMM_IRQ_ENABLE), NVDIMM_IRQ_FIT_CHANGED) << "the root has no health bit";
    EXPECT_TRUE(tb().root_irq);
    tb().write32(root_page + NVDIMM_IRQ_STATUS, NVDIMM_IRQ_FIT_CHANGED);
    EXPECT_FALSE(tb().root_irq);
    EXPECT_EQ(tb().read32(root_page + NVDIMM_IRQ_STATUS), NVDIMM_IRQ_DSM_DONE) << "the Read FIT calls above";
}

TEST(nvdimm_hotplug, read_fit_takes_offsets_and_ends_with_no_bytes) {
    const std::vector<unsigned char> fit = tb().root.fit();
    ASSERT_GT(fit.size(), 200u);
    auto first = tb().read_fit(root_page, 0);
    ASSERT_EQ(bench::status(first), 0u);
    EXPECT_EQ(first.size(), 8 + fit.size()) << "the FIT fits one page";
    auto rest = tb().read_fit(root_page, 100);
    ASSERT_EQ(bench::status(rest), 0u);
    EXPECT_EQ(std::vector<unsigned char>(rest.begin() + 8, rest.end()),
              std::vector<unsigned char>(fit.begin() + 100, fit.end()));
    const auto end = tb().read_fit(root_page, static_cast<std::uint32_t>(fit.size()));
    EXPECT_EQ(bench::status(end), 0u);
    EXPECT_EQ(end.size(), 8u) << "no bytes at the end";
    const auto past = tb().read_fit(root_page, static_cast<std::uint32_t>(fit.size() + 1));
    EXPECT_EQ(bench::status(past), std::uint32_t(DSM_INVALID_INPUT));
}

TEST(nvdimm_hotplug, a_plug_during_a_read_answers_fit_changed_until_read_again_from_zero) {
    ASSERT_EQ(bench::status(tb().read_fit(root_page, 0)), 0u);
    const hotplug_result r = tb().root.hotplug(dimm("id=nv3,memdev=m2,slot=3,flush-hints=16"), tb().m2);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.dimm->dimm().slot(), 3u);
    EXPECT_EQ(r.range.base, device_memory + 2 * gib);
    tb().map(r, control_base);
    EXPECT_TRUE(tb().root_irq) << "enabled in an earlier test";
    const auto changed = tb().read_fit(root_page, 64);
    EXPECT_EQ(bench::status(changed), DSM_FIT_CHANGED);
    EXPECT_EQ(changed.size(), 8u);
    EXPECT_EQ(bench::status(tb().read_fit(root_page, 64)), DSM_FIT_CHANGED) << "until a read at 0";
    const std::vector<unsigned char> fit = tb().read_whole_fit(root_page);
    EXPECT_EQ(fit, tb().root.fit());
    const nfit_info info = parse_fit(fit);
    EXPECT_EQ(info.ndimm, 3u);
    const nfit_dimm_info* d = dimm_with_handle(info, 4);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->hint_count, 16u);
    tb().write32(root_page + NVDIMM_IRQ_STATUS, NVDIMM_IRQ_FIT_CHANGED);
    EXPECT_FALSE(tb().root_irq);
}

TEST(nvdimm_hotplug, read_fit_in_pieces_at_any_offset) {
    const std::vector<unsigned char> fit = tb().root.fit();
    std::vector<unsigned char> got;
    for (std::uint32_t offset = 0; offset < fit.size(); offset += 100) {
        const auto out = tb().read_fit(root_page, offset);
        ASSERT_EQ(bench::status(out), 0u) << "offset " << offset;
        EXPECT_EQ(out.size() - 8, fit.size() - offset);
        got.insert(got.end(), out.begin() + 8, out.begin() + 8 + std::min<std::size_t>(100, out.size() - 8));
    }
    EXPECT_EQ(got, fit);
}

TEST(nvdimm_hotplug, a_fit_of_more_than_a_page_takes_several_calls) {
    // 13 DIMMs with 16 flush hints each: 13 x 328 bytes of structures, more than a page.
    for (int i = 0; i < 13; ++i) {
        const std::string id = "many" + std::to_string(i);
        tb().many_files.push_back(std::make_unique<backend::file_backend>(file(tb().dir, id)));
        const hotplug_result r = tb().many.hotplug(dimm("id=" + id + ",memdev=" + id + ",flush-hints=16"),
                                                   *tb().many_files.back());
        ASSERT_TRUE(r) << r.error;
    }
    const std::vector<unsigned char> fit = tb().many.fit();
    ASSERT_GT(fit.size(), DSM_MAX_FIT_READ);
    const auto first = tb().read_fit(many_root_page, 0);
    ASSERT_EQ(bench::status(first), 0u);
    EXPECT_EQ(first.size(), DSM_PAGE_SIZE) << "a full page";
    const std::vector<unsigned char> whole = tb().read_whole_fit(many_root_page);
    EXPECT_EQ(whole, fit);
    const nfit_info info = parse_fit(whole);
    EXPECT_EQ(info.ndimm, 13u);
    EXPECT_EQ(info.nspa, 13u);
}

TEST(nvdimm_hotplug, errors_come_back_in_qemus_words_and_change_nothing) {
    nvdimm_root& root = tb().root;
    const auto fit = root.fit();
    const std::size_t ranges = root.ranges().size();
    auto error_of = [&](const std::string& keyvals, backend::file_backend& f) {
        const hotplug_result r = root.hotplug(dimm(keyvals), f);
        EXPECT_FALSE(r);
        EXPECT_EQ(r.dimm, nullptr);
        return r.error;
    };
    EXPECT_EQ(error_of("id=a,memdev=m3,slot=3", tb().m3), "-device nvdimm 'a': slot 3 is busy");
    EXPECT_EQ(error_of("id=a,memdev=m3,slot=5", tb().m3), "-device nvdimm 'a': invalid slot# 5, should be less than 4");
    EXPECT_EQ(error_of("id=nv1,memdev=m3", tb().m3), "Duplicate ID 'nv1' for device");
    EXPECT_EQ(error_of("id=a,memdev=m3,label-size=4M", tb().m3).find("-device nvdimm 'a': the size of memdev m3"), 0u)
        << "the DIMM's own checks";
    EXPECT_EQ(error_of("id=a,memdev=m3", tb().m3),
              "-device nvdimm 'a': not enough space, currently 0xc0000000 in use of total space for memory "
              "devices 0xc0000000");
    EXPECT_EQ(root.ranges().size(), ranges);
    EXPECT_EQ(root.cores().size(), 3u);
    EXPECT_EQ(root.fit(), fit);
    EXPECT_EQ(tb().read32(root_page + NVDIMM_IRQ_STATUS) & NVDIMM_IRQ_FIT_CHANGED, 0u);
    EXPECT_FALSE(tb().root_irq);
    ASSERT_EQ(bench::status(tb().read_fit(root_page, 0)), 0u);
    EXPECT_EQ(bench::status(tb().read_fit(root_page, 64)), 0u) << "the FIT is not dirty";
}

TEST(nvdimm_hotplug, the_plugged_dimm_serves_memory_dsm_and_flush_hints_as_a_guest_sees_them) {
    const hotplug_result& r = *nv1_result();
    ASSERT_NE(r.dimm, nullptr);
    tb().write64(r.range.base + 0x40, 0x686f74706c756721ull); // through the run-time mapping
    EXPECT_EQ(test::file_u64(tb().dir + "/m1.img", 0x40), 0x686f74706c756721ull);
    EXPECT_EQ(r.dimm->domain().non_durable_lines(), 1u) << "the DIMM's domain saw the store";
    // DSM through the new DIMM's own doorbell: its DSM pages go through the root's dma socket.
    const std::uint64_t page = control_base + r.dimm->dimm().slot() * control_page::page_size;
    const auto size = tb().dsm(page, r.dimm->dimm().handle(), DSM_FN_LABEL_SIZE);
    ASSERT_EQ(bench::status(size), 0u);
    std::uint32_t label_size = 0;
    std::memcpy(&label_size, size.data() + 8, 4);
    EXPECT_EQ(label_size, 128u << 10);
    // ... and through the root page, where a guest with no DIMM at boot makes its calls.
    EXPECT_EQ(bench::status(tb().dsm(root_page, r.dimm->dimm().handle(), DSM_FN_QUERY)), 0x73u);
    const std::uint64_t scrub[2] = {r.range.base, r.range.size};
    EXPECT_EQ(bench::status(tb().dsm(root_page, 0, DSM_FN_ARS_CAP, scrub, sizeof scrub)) & 0xffff, 0u)
        << "address range scrub knows the plugged range";
    tb().write64(page + NVDIMM_FLUSH_HINT(0), 1);
    EXPECT_EQ(r.dimm->control_registers().flush_hint_writes(), 1u);
}

TEST(nvdimm_hotplug, a_power_failure_covers_plugged_dimms) {
    const hotplug_result& r = *nv1_result();
    ASSERT_NE(r.dimm, nullptr);
    const auto findings = tb().root.power_fail(pmem::failure_policy{}, sc_core::sc_time_stamp());
    ASSERT_EQ(findings.size(), 1u) << "the store above, never cleaned";
    EXPECT_EQ(findings[0].first, r.dimm);
    EXPECT_EQ(test::file_u64(tb().dir + "/m1.img", 0x40), 0u) << "reverted in the file too";
}

TEST(nvdimm_hotplug, a_root_without_dimms_takes_one_and_runs_out_of_slots) {
    nvdimm_root& empty = tb().empty;
    EXPECT_TRUE(empty.ranges().empty());
    EXPECT_EQ(empty.end(), empty_device_memory);
    const auto none = tb().read_fit(empty_root_page, 0);
    EXPECT_EQ(bench::status(none), 0u);
    EXPECT_EQ(none.size(), 8u) << "an empty FIT";
    tb().write32(empty_root_page + NVDIMM_IRQ_ENABLE, NVDIMM_IRQ_FIT_CHANGED);
    EXPECT_FALSE(tb().empty_irq);

    const hotplug_result r = empty.hotplug(dimm("id=e0,memdev=m4"), tb().m4);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.range.base, empty_device_memory);
    EXPECT_EQ(r.dimm->dimm().slot(), 0u);
    EXPECT_TRUE(tb().empty_irq);
    EXPECT_FALSE(tb().root_irq) << "the other root is not concerned";
    tb().map(r, empty_control_base);
    const nfit_info info = parse_fit(tb().read_whole_fit(empty_root_page));
    ASSERT_EQ(info.nspa, 1u);
    ASSERT_EQ(info.ndimm, 1u);
    EXPECT_EQ(info.spa[0].base, empty_device_memory);
    EXPECT_EQ(info.dimm[0].hints[0], empty_control_base + NVDIMM_FLUSH_HINT(0));
    tb().write64(empty_device_memory, 42);
    EXPECT_EQ(test::file_u64(tb().dir + "/m4.img", 0), 42u);

    const hotplug_result full = empty.hotplug(dimm("id=e1,memdev=m3"), tb().m3);
    EXPECT_EQ(full.error, "-device nvdimm 'e1': no free slots available");
}

TEST(nvdimm_hotplug, reserve_until_moves_the_next_range_past_other_device_memory) {
    const std::uint64_t before = tb().empty.end();
    tb().empty.reserve_until(before + 5);
    EXPECT_EQ(tb().empty.end(), before + gib) << "aligned up";
    tb().empty.reserve_until(before);
    EXPECT_EQ(tb().empty.end(), before + gib) << "never back";
}
