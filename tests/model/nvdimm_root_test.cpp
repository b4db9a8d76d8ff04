// SPDX-License-Identifier: Apache-2.0
// nvdimm_root over three nvdimm_devices, wired as another platform would: an interleave set of
// two DIMMs and one DIMM alone. The SPA layout, the NFIT (parsed back with the guest's own
// parser), striping into both DIMMs' files, root DSM calls through a DIMM's doorbell, and a
// power failure through the root.
#include "pmemvp/nvdimm/nvdimm_root.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include "nfit.h"

#include <cstring>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using namespace pmemvp::nvdimm;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, control_base = 0x10100000, device_memory = 0x100000000ull;

nvdimm_device_options dimm(const std::string& keyvals) {
    nvdimm_device_options o;
    o.dimm = nvdimm_options::parse(keyvals);
    o.timing.reset(); // untimed: this test is about layout and wiring
    return o;
}

backend::file_backend_options file(const std::string& dir, const std::string& name) {
    return backend::file_backend_options::parse("id=" + name + ",share=on,size=2M,mem-path=" + dir + "/" + name + ".img");
}

nvdimm_root_options root_options() {
    nvdimm_root_options o;
    o.interleave_sets = {interleave_options::parse("id=set,dimms=nv1:nv0,granularity=4K")};
    o.base = device_memory;
    o.control_base = control_base;
    o.capabilities = 2; // ADR
    return o;
}

struct bench : sc_core::sc_module {
    std::string dir = test::make_temp_dir();
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    nvdimm_device nv0{"nv0", dimm("id=nv0,memdev=m0,slot=0"), file(dir, "m0")};
    nvdimm_device nv1{"nv1", dimm("id=nv1,memdev=m1,slot=1"), file(dir, "m1")};
    nvdimm_device nv2{"nv2", dimm("id=nv2,memdev=m2,slot=2,flush-hints=2"), file(dir, "m2")};
    nvdimm_root root{"root", root_options(), {&nv0, &nv1, &nv2}};
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_bytes.size(), ram.socket, "ram");
        for (std::size_t i = 0; i < root.ranges().size(); ++i)
            bus.map(root.ranges()[i].base, root.ranges()[i].size, root.range_socket(i), "pmem" + std::to_string(i));
        for (nvdimm_device* d : root.dimms()) {
            bus.map(control_base + d->dimm().slot() * control_page::page_size, control_page::page_size, d->control,
                    "control" + std::to_string(d->dimm().slot()));
            d->dma.bind(bus.in);
        }
        cpu.bind(bus.in);
    }
    void write64(std::uint64_t addr, std::uint64_t v) {
        ASSERT_EQ(test::tlm_access(*cpu.operator->(), tlm::TLM_WRITE_COMMAND, addr, &v, 8), tlm::TLM_OK_RESPONSE);
    }
    // A DSM call through `slot`'s doorbell, its page at RAM + 0x1000; the output words.
    std::vector<std::uint32_t> dsm(unsigned slot, std::uint32_t handle, std::uint32_t function,
                                   std::vector<std::uint64_t> args) {
        std::memset(&ram_bytes[0x1000], 0, DSM_PAGE_SIZE);
        const std::uint32_t header[3] = {handle, 1, function};
        std::memcpy(&ram_bytes[0x1000], header, sizeof header);
        if (!args.empty()) std::memcpy(&ram_bytes[0x1000 + DSM_IN_ARG], args.data(), 8 * args.size());
        write64(control_base + slot * control_page::page_size + NVDIMM_DSM_DOORBELL, ram_base + 0x1000);
        std::vector<std::uint32_t> out(8);
        std::memcpy(out.data(), &ram_bytes[0x1000], 32);
        return out;
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(nvdimm_root, lays_out_the_interleave_set_then_single_dimms_aligned) {
    const auto& r = tb().root.ranges();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].base, device_memory);
    EXPECT_EQ(r[0].size, 2 * (2u << 20));
    EXPECT_EQ(r[0].granularity, 4096u);
    EXPECT_EQ(r[0].dimms[0], &tb().nv1.dimm()) << "in the set's order";
    EXPECT_EQ(r[1].base, device_memory + (1ull << 30));
    EXPECT_EQ(r[1].dimms[0], &tb().nv2.dimm());
    EXPECT_EQ(tb().root.end(), device_memory + (2ull << 30));
    EXPECT_NE(tb().root.interleave_target(0), nullptr);
    EXPECT_EQ(tb().root.interleave_target(1), nullptr);
}

TEST(nvdimm_root, the_nfit_describes_ranges_dimms_interleave_and_flush_hints) {
    const acpi::table t = tb().root.nfit();
    nfit_info info{};
    ASSERT_EQ(nfit_parse(t.data(), t.size(), &info), 0) << info.error;
    ASSERT_EQ(info.nspa, 2u);
    ASSERT_EQ(info.ndimm, 3u);
    EXPECT_EQ(info.spa[0].base, device_memory);
    EXPECT_TRUE(info.spa[0].persistent);
    EXPECT_EQ(info.capabilities, 2u);
    for (unsigned i = 0; i < info.ndimm; ++i) {
        const nfit_dimm_info& d = info.dimm[i];
        const unsigned slot = d.handle - 1;
        EXPECT_EQ(d.interleave_ways, slot == 2 ? 1 : 2) << "handle " << d.handle;
        ASSERT_GE(d.hint_count, 1u);
        EXPECT_EQ(d.hints[0], control_base + slot * 0x1000 + NVDIMM_FLUSH_HINT(0));
        EXPECT_EQ(d.hint_count, slot == 2 ? 2u : 1u);
    }
}

TEST(nvdimm_root, the_interleave_set_stripes_into_both_dimms_files) {
    tb().write64(device_memory + 0x10, 0x1111);        // stripe 0: nv1 (first in the set)
    tb().write64(device_memory + 0x1000 + 0x10, 0x2222); // stripe 1: nv0
    tb().write64(device_memory + 0x2000 + 0x10, 0x3333); // stripe 2: nv1 at 4K
    EXPECT_EQ(test::file_u64(tb().dir + "/m1.img", 0x10), 0x1111u);
    EXPECT_EQ(test::file_u64(tb().dir + "/m0.img", 0x10), 0x2222u);
    EXPECT_EQ(test::file_u64(tb().dir + "/m1.img", 0x1010), 0x3333u);
    EXPECT_EQ(tb().nv1.domain().non_durable_lines(), 2u) << "each DIMM's own domain tracks its lines";
    EXPECT_EQ(tb().nv0.domain().non_durable_lines(), 1u);
}

TEST(nvdimm_root, root_dsm_calls_reach_the_shared_mailbox_through_any_doorbell) {
    // ARS capabilities for the second range, asked through nv0's page.
    auto out = tb().dsm(0, 0, DSM_FN_ARS_CAP, {device_memory + (1ull << 30), 2u << 20});
    EXPECT_EQ(out[1] & 0xffff, std::uint32_t(DSM_SUCCESS)) << "a range of the root";
    out = tb().dsm(0, 0, DSM_FN_ARS_CAP, {0x5000000000ull, 4096});
    EXPECT_EQ(out[1], std::uint32_t(DSM_INVALID_INPUT)) << "not a range of the root";
    out = tb().dsm(0, 3, DSM_FN_QUERY, {}); // nv2's handle through nv0's page
    EXPECT_EQ(out[1], 0x03u) << "functions 0, 1 (no labels)";
    EXPECT_EQ(&tb().nv0.dsm(), &tb().root.dsm());
}

TEST(nvdimm_root, a_power_failure_reverts_each_dimms_lines_and_names_the_dimm) {
    const auto findings = tb().root.power_fail(pmem::failure_policy{}, sc_core::sc_time_stamp());
    ASSERT_EQ(findings.size(), 3u) << "the three lines written above";
    EXPECT_EQ(findings[0].first, &tb().nv1);
    EXPECT_EQ(findings[2].first, &tb().nv0);
    EXPECT_EQ(test::file_u64(tb().dir + "/m1.img", 0x10), 0u);
    EXPECT_EQ(test::file_u64(tb().dir + "/m0.img", 0x10), 0u);
}
