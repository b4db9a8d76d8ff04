// SPDX-License-Identifier: Apache-2.0
// nvdimm_device as a drop-in module, wired as another platform would: its memory and control
// sockets on a bus, DSM pages in RAM through its dma socket, its interrupt on a plain
// sc_signal<bool> through irq_out. Persistence (what a power failure keeps, in the file too),
// DMI withdrawal, DSM and its interrupt, health events, flush hints and the timing inside.
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/irq_out.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <cstring>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using namespace pmemvp::nvdimm;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, pmem_base = 0x100000000ull, control_base = 0x10100000;
constexpr std::uint64_t pmem_none_base = 0x140000000ull, control_none = control_base + 0x1000;

nvdimm_device_options dimm_options(const std::string& keyvals, pmem::domain_kind kind, std::uint64_t base) {
    nvdimm_device_options o;
    o.dimm = nvdimm_options::parse(keyvals);
    o.persistence = kind;
    o.base = base;
    o.dsm_windows = {{ram_base, 0x10000}};
    return o;
}

backend::file_backend_options file_options(const std::string& path) {
    return backend::file_backend_options::parse("id=m,share=on,size=4M,mem-path=" + path);
}

// Two DIMMs: `adr` (slot 0, ADR, timed, DSM and interrupt wired) and `none` (slot 1, domain
// none, untimed, its dma socket left unbound).
struct bench : sc_core::sc_module {
    std::string dir = test::make_temp_dir();
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    nvdimm_device adr{"adr", dimm_options("id=nv0,memdev=m,label-size=128K", pmem::domain_kind::adr, pmem_base),
                      file_options(dir + "/adr.img")};
    nvdimm_device none{"none", [] {
                           auto o = dimm_options("id=nv1,memdev=m,slot=1,flush-hints=2", pmem::domain_kind::none, pmem_none_base);
                           o.timing.reset();
                           return o;
                       }(),
                       file_options(dir + "/none.img")};
    irq_out irq{"irq"};
    sc_core::sc_signal<bool> irq_line{"irq_line"};
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    unsigned invalidations = 0;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_bytes.size(), ram.socket, "ram");
        bus.map(pmem_base, adr.pmem_size(), adr.memory, "pmem0");
        bus.map(control_base, control_page::page_size, adr.control, "control0");
        bus.map(pmem_none_base, none.pmem_size(), none.memory, "pmem1");
        bus.map(control_none, control_page::page_size, none.control, "control1");
        adr.dma.bind(bus.in);
        adr.irq.bind(irq);
        irq.out(irq_line);
        cpu.register_invalidate_direct_mem_ptr(this, &bench::invalidate);
        cpu.bind(bus.in);
    }
    void invalidate(sc_dt::uint64, sc_dt::uint64) { ++invalidations; }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                                    sc_core::sc_time* delay = nullptr) {
        return test::tlm_access(*cpu.operator->(), cmd, addr, data, len, delay);
    }
    void write64(std::uint64_t addr, std::uint64_t v) { ASSERT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 8), tlm::TLM_OK_RESPONSE); }
    void write32(std::uint64_t addr, std::uint32_t v) { ASSERT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 4), tlm::TLM_OK_RESPONSE); }
    std::uint32_t read32(std::uint64_t addr) {
        std::uint32_t v = 0;
        access(tlm::TLM_READ_COMMAND, addr, &v, 4);
        return v;
    }
    std::uint64_t read64(std::uint64_t addr) {
        std::uint64_t v = 0;
        access(tlm::TLM_READ_COMMAND, addr, &v, 8);
        return v;
    }
    // cbo.clean of the line, then a fence, both as transactions (a plain TLM initiator's persist).
    void persist(std::uint64_t addr, persist_op op = persist_op::clean) {
        for (persist_op o : {op, persist_op::fence}) {
            persistence_extension ext(o, 0x1234);
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_IGNORE_COMMAND);
            gp.set_address(addr & ~63ull);
            gp.set_data_length(o == persist_op::fence ? 0 : 64);
            gp.set_streaming_width(o == persist_op::fence ? 0 : 64);
            gp.set_extension(&ext);
            sc_core::sc_time delay;
            cpu->b_transport(gp, delay);
            gp.clear_extension(&ext);
            ASSERT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
        }
    }
    // Runs the delta cycles pending now (irq_out drives its signal one delta after the change).
    void settle() {
        while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(sc_core::SC_ZERO_TIME);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(nvdimm_device, memory_socket_reaches_the_file) {
    tb().write64(pmem_base + 0x40, 0x1111111111111111ull);
    EXPECT_EQ(tb().read64(pmem_base + 0x40), 0x1111111111111111ull);
    EXPECT_EQ(test::file_u64(tb().dir + "/adr.img", 0x40), 0x1111111111111111ull) << "the mapping is the file";
    EXPECT_EQ(tb().adr.pmem_size(), (4u << 20) - (128u << 10)) << "labels at the end, as in QEMU";
}

TEST(nvdimm_device, a_power_failure_keeps_persisted_lines_and_reverts_the_rest_in_the_file) {
    auto& t = tb();
    t.persist(pmem_base + 0x40); // the line written by the test above
    t.write64(pmem_base + 0x1000, 0xaaaaaaaaaaaaaaaaull);
    t.persist(pmem_base + 0x1000);
    t.write64(pmem_base + 0x2000, 0xbbbbbbbbbbbbbbbbull); // never written back
    EXPECT_EQ(t.adr.domain().non_durable_lines(), 1u);
    const unsigned before = t.invalidations;
    const auto findings = t.adr.power_fail(pmem::failure_policy{}, sc_core::sc_time_stamp());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].what, pmem::finding::kind::not_durable);
    EXPECT_EQ(findings[0].address, 0x2000u);
    EXPECT_EQ(t.read64(pmem_base + 0x1000), 0xaaaaaaaaaaaaaaaaull) << "persisted: kept";
    EXPECT_EQ(t.read64(pmem_base + 0x2000), 0u) << "lost";
    EXPECT_EQ(test::file_u64(t.dir + "/adr.img", 0x2000), 0u) << "the file has the durable content back";
    EXPECT_EQ(test::file_u64(t.dir + "/adr.img", 0x1000), 0xaaaaaaaaaaaaaaaaull);
    EXPECT_GT(t.invalidations, before) << "DMI pointers withdrawn";
}

TEST(nvdimm_device, timing_is_inside_and_optional) {
    sc_core::sc_time timed, untimed;
    std::uint64_t v = 0;
    tb().access(tlm::TLM_READ_COMMAND, pmem_base + 0x300000, &v, 8, &timed);
    tb().access(tlm::TLM_READ_COMMAND, pmem_none_base + 0x300000, &v, 8, &untimed);
    EXPECT_GE(timed, sc_core::sc_time(100, sc_core::SC_NS)) << "an Optane load miss";
    EXPECT_EQ(untimed, sc_core::SC_ZERO_TIME);
}

TEST(nvdimm_device, dsm_through_the_doorbell_and_its_interrupt_on_an_sc_signal) {
    auto& t = tb();
    t.write32(control_base + NVDIMM_IRQ_ENABLE, NVDIMM_IRQ_DSM_DONE);
    const std::uint32_t call[3] = {1 /* handle: slot 0 */, 1, DSM_FN_LABEL_SIZE};
    std::memcpy(&t.ram_bytes[0x1000], call, sizeof call);
    t.write64(control_base + NVDIMM_DSM_DOORBELL, ram_base + 0x1000);
    std::uint32_t out[4];
    std::memcpy(out, &t.ram_bytes[0x1000], sizeof out);
    EXPECT_EQ(out[0], 16u) << "length";
    EXPECT_EQ(out[1], std::uint32_t(DSM_SUCCESS));
    EXPECT_EQ(out[2], 128u * 1024) << "label size";
    EXPECT_EQ(t.read32(control_base + NVDIMM_DSM_STATUS), 0u);
    t.settle();
    EXPECT_TRUE(t.irq_line.read()) << "DSM done, enabled: the signal is high";
    t.write32(control_base + NVDIMM_IRQ_STATUS, NVDIMM_IRQ_DSM_DONE); // write 1 to clear
    t.settle();
    EXPECT_FALSE(t.irq_line.read());
}

TEST(nvdimm_device, a_health_change_raises_its_interrupt_and_dsm_reports_it) {
    auto& t = tb();
    t.write32(control_base + NVDIMM_IRQ_ENABLE, NVDIMM_IRQ_HEALTH);
    smart_health h;
    h.health = 2; // critical
    h.spares = 7;
    t.adr.set_health(h);
    t.settle();
    EXPECT_TRUE(t.irq_line.read());
    EXPECT_EQ(t.read32(control_base + NVDIMM_IRQ_STATUS), std::uint32_t(NVDIMM_IRQ_HEALTH));
    const std::uint32_t call[3] = {1, 1, DSM_FN_SMART};
    std::memcpy(&t.ram_bytes[0x1000], call, sizeof call);
    t.write64(control_base + NVDIMM_DSM_DOORBELL, ram_base + 0x1000);
    EXPECT_EQ(t.ram_bytes[0x1000 + 4 + 4 + 8], 2) << "health";
    EXPECT_EQ(t.ram_bytes[0x1000 + 4 + 4 + 9], 7) << "spares";
    t.write32(control_base + NVDIMM_IRQ_ENABLE, 0);
    t.settle();
    EXPECT_FALSE(t.irq_line.read()) << "masked";
}

TEST(nvdimm_device, a_flush_hint_drains_the_write_pending_queue_of_domain_none) {
    auto& t = tb();
    t.write64(pmem_none_base + 0x80, 42);
    t.persist(pmem_none_base + 0x80);
    EXPECT_EQ(t.none.domain().state_of(0x80), pmem::persistence_domain::line_state::queued)
        << "written back and fenced: in the queue, not yet durable under domain none";
    t.write64(control_none + NVDIMM_FLUSH_HINT(1), 1);
    EXPECT_TRUE(t.none.domain().durable(0x80));
    EXPECT_EQ(t.none.control_registers().flush_hint_writes(), 1u);
}

TEST(nvdimm_device, a_doorbell_without_a_bound_dma_socket_fails_with_a_warning) {
    test::expect_report warning(sc_core::SC_WARNING, "dma socket is not bound");
    tb().write64(control_none + NVDIMM_DSM_DOORBELL, ram_base + 0x1000);
    EXPECT_EQ(warning.count(), 1u);
    EXPECT_EQ(tb().read32(control_none + NVDIMM_DSM_STATUS), 1u);
}
