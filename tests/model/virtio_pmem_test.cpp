// SPDX-License-Identifier: Apache-2.0
// PCI host + virtio PCI transport + virtio-pmem over TLM: config space, BAR sizing and decode,
// the capability list, feature negotiation, a flush with its simulated cost, INTx, and the
// simulated timeline staying the same when the host's sync is slow.
#include "pmemvp/pci/pci_host.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"
#include "pmemvp/virtio/virtio_pci.h"
#include "pmemvp/virtio/virtio_pmem.h"

#include <chrono>
#include <cstring>
#include <thread>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, ecam_base = 0x30000000, mmio_base = 0x40000000;
constexpr std::uint64_t pmem_base = 0x100000000ull, bar_base = 0x40000000;
constexpr unsigned slot = 1;
constexpr std::uint64_t desc_at = ram_base + 0x1000, avail_at = ram_base + 0x2000,
                        used_at = ram_base + 0x3000, req_at = ram_base + 0x4000, resp_at = ram_base + 0x4010;

struct level_recorder : irq_sink {
    bool level[64] = {};
    void set_irq(unsigned line, bool l) override { level[line] = l; }
};

struct bench : sc_core::sc_module {
    std::string dir = test::make_temp_dir();
    backend::file_backend file{backend::file_backend_options::parse("id=m,share=on,size=1M,mem-path=" + dir + "/vp.img")};
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x10000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    pci::pci_host host{"pcie", mmio_base, 0x40000000, {{ram_base, 0x10000}}};
    virtio::virtio_pmem pmem{"pmem", virtio::virtio_pmem_options::parse("id=vp,memdev=m"), file, pmem_base};
    virtio::virtio_pci transport{"pmem.pci", pmem, host};
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    level_recorder irqs;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_bytes.size(), ram.socket, "ram");
        bus.map(ecam_base, 0x10000000, host.ecam, "ecam");
        bus.map(mmio_base, 0x40000000, host.mmio, "mmio");
        bus.map_at_run_time(pmem_base, pmem.pmem_target(), "pmem");
        host.dma.bind(bus.in);
        cpu.bind(bus.in);
        for (unsigned i = 0; i < 4; ++i) host.intx[i].bind(irqs, 32 + i);
        host.attach(transport, slot);
    }
    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, std::uint64_t& v, unsigned len) {
        return test::tlm_access(*cpu.operator->(), cmd, addr, &v, len);
    }
    std::uint64_t rd(std::uint64_t addr, unsigned len) { std::uint64_t v = 0; access(tlm::TLM_READ_COMMAND, addr, v, len); return v; }
    void wr(std::uint64_t addr, std::uint64_t v, unsigned len) { access(tlm::TLM_WRITE_COMMAND, addr, v, len); }
    std::uint64_t cfg(unsigned off, unsigned len) { return rd(ecam_base + (slot << 15) + off, len); }
    void cfg_w(unsigned off, std::uint64_t v, unsigned len) { wr(ecam_base + (slot << 15) + off, v, len); }
    template <typename T> void put(std::uint64_t a, T v) { std::memcpy(&ram_bytes[a - ram_base], &v, sizeof v); }
    template <typename T> T get(std::uint64_t a) { T v; std::memcpy(&v, &ram_bytes[a - ram_base], sizeof v); return v; }

    // BAR 4 at bar_base, decode + bus master on, driver set up with `features`.
    void bring_up(std::uint64_t features) {
        cfg_w(0x20, bar_base, 4);
        cfg_w(0x24, 0, 4);
        cfg_w(0x04, 0x6, 2);
        wr(bar_base + 20, 0, 1);                // reset
        wr(bar_base + 20, 1 | 2, 1);            // ACKNOWLEDGE | DRIVER
        wr(bar_base + 8, 0, 4);
        wr(bar_base + 12, features & 0xffffffff, 4);
        wr(bar_base + 8, 1, 4);
        wr(bar_base + 12, features >> 32, 4);
        wr(bar_base + 20, 1 | 2 | 8, 1);        // FEATURES_OK
    }
    void set_up_queue() {
        wr(bar_base + 22, 0, 2);
        wr(bar_base + 24, 8, 2);
        wr(bar_base + 32, desc_at, 8);
        wr(bar_base + 40, avail_at, 8);
        wr(bar_base + 48, used_at, 8);
        wr(bar_base + 28, 1, 2);
        wr(bar_base + 20, 1 | 2 | 8 | 4, 1);    // DRIVER_OK
    }
    // Offers one flush request (descriptors 0 and 1) and notifies.
    void flush(std::uint16_t avail_idx) {
        put<std::uint64_t>(desc_at, req_at);
        put<std::uint32_t>(desc_at + 8, 4);
        put<std::uint16_t>(desc_at + 12, 1);
        put<std::uint16_t>(desc_at + 14, 1);
        put<std::uint64_t>(desc_at + 16, resp_at);
        put<std::uint32_t>(desc_at + 24, 4);
        put<std::uint16_t>(desc_at + 28, 2);
        put<std::uint32_t>(req_at, 0);
        put<std::uint32_t>(resp_at, 0xdead);
        put<std::uint16_t>(avail_at + 4 + 2 * ((avail_idx - 1) % 8), 0);
        put<std::uint16_t>(avail_at + 2, avail_idx);
        wr(bar_base + 0x3000, 0, 2);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

// Runs until the used index reaches `idx`; the simulated time it took.
sc_time run_until_used(std::uint16_t idx) {
    const sc_time start = sc_core::sc_time_stamp();
    for (int i = 0; i < 1000 && tb().get<std::uint16_t>(used_at + 2) != idx; ++i)
        sc_core::sc_start(sc_time(1, SC_US));
    return sc_core::sc_time_stamp() - start;
}

} // namespace

TEST(pci, config_header_matches_qemu_virtio_pmem_pci) {
    EXPECT_EQ(tb().cfg(0x00, 2), 0x1af4u);
    EXPECT_EQ(tb().cfg(0x02, 2), 0x105bu);
    EXPECT_EQ(tb().cfg(0x08, 1), 1u) << "revision";
    EXPECT_EQ(tb().cfg(0x08, 4) >> 8, 0x00ff00u) << "class";
    EXPECT_EQ(tb().cfg(0x2c, 2), 0x1af4u);
    EXPECT_EQ(tb().cfg(0x2e, 2), 0x1100u);
    EXPECT_EQ(tb().cfg(0x3d, 1), 1u) << "INTA";
    EXPECT_EQ(tb().rd(ecam_base + (7 << 15), 4), 0xffffffffu) << "an empty slot reads all ones";
}

TEST(pci, bar_sizing_and_read_only_fields) {
    tb().cfg_w(0x20, 0xffffffff, 4);
    tb().cfg_w(0x24, 0xffffffff, 4);
    EXPECT_EQ(tb().cfg(0x20, 4), 0xffffc00cu) << "16 KiB, 64-bit, prefetchable";
    EXPECT_EQ(tb().cfg(0x24, 4), 0xffffffffu);
    EXPECT_EQ(tb().cfg(0x10, 4), 0u) << "no BAR 0";
    tb().cfg_w(0x00, 0x12345678, 4);
    EXPECT_EQ(tb().cfg(0x00, 2), 0x1af4u) << "vendor id is read-only";
}

TEST(pci, capability_list_walk) {
    ASSERT_TRUE(tb().cfg(0x06, 2) & 0x10);
    std::vector<unsigned> types;
    unsigned notify_multiplier = 0;
    for (unsigned at = tb().cfg(0x34, 1), guard = 0; at && guard < 16; at = tb().cfg(at + 1, 1), ++guard) {
        ASSERT_EQ(tb().cfg(at, 1), 0x09u);
        EXPECT_EQ(tb().cfg(at + 4, 1), 4u) << "in BAR 4";
        types.push_back(tb().cfg(at + 3, 1));
        if (types.back() == 2) notify_multiplier = tb().cfg(at + 16, 4);
    }
    EXPECT_EQ(types, (std::vector<unsigned>{1, 3, 4, 2})) << "COMMON, ISR, DEVICE, NOTIFY";
    EXPECT_EQ(notify_multiplier, 4u);
}

TEST(pci, memory_decode_off_means_no_response) {
    tb().cfg_w(0x20, bar_base, 4);
    tb().cfg_w(0x24, 0, 4);
    tb().cfg_w(0x04, 0x0, 2);
    std::uint64_t v = 0;
    EXPECT_EQ(tb().access(tlm::TLM_READ_COMMAND, bar_base + 18, v, 2), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    tb().cfg_w(0x04, 0x6, 2);
    EXPECT_EQ(tb().access(tlm::TLM_READ_COMMAND, bar_base + 18, v, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 1u) << "num_queues";
}

TEST(virtio, a_driver_without_version_1_is_refused) {
    tb().bring_up(0);
    EXPECT_FALSE(tb().rd(bar_base + 20, 1) & 8) << "FEATURES_OK not set";
    tb().bring_up((1ull << 32) | (1ull << 40)); // a feature the device does not offer
    EXPECT_FALSE(tb().rd(bar_base + 20, 1) & 8);
    tb().bring_up(1ull << 32);
    EXPECT_TRUE(tb().rd(bar_base + 20, 1) & 8);
    tb().wr(bar_base + 4, 0, 4); // device_feature_select 1: VERSION_1 offered
    tb().wr(bar_base + 0, 1, 4);
    EXPECT_TRUE(tb().rd(bar_base + 4, 4) & 1);
    EXPECT_EQ(tb().rd(bar_base + 24, 2), 128u) << "queue size reads the maximum";
}

TEST(virtio, config_space_gives_start_and_size) {
    EXPECT_EQ(tb().rd(bar_base + 0x2000, 4), 0u);
    EXPECT_EQ(tb().rd(bar_base + 0x2004, 4), 1u) << "start 0x1_0000_0000";
    EXPECT_EQ(tb().rd(bar_base + 0x2008, 4), 1u << 20) << "size";
}

TEST(virtio_pmem, flush_costs_fixed_plus_per_page_and_interrupts) {
    tb().bring_up(1ull << 32);
    tb().set_up_queue();
    // Dirty three pages through the memory (b_transport writes land in the dirty log).
    for (std::uint64_t page : {0, 1, 7}) tb().wr(pmem_base + page * 4096 + 8, 0x55, 8);
    EXPECT_EQ(tb().pmem.dirty().dirty_pages(), 3u);
    tb().flush(1);
    const sc_time took = run_until_used(1);
    EXPECT_EQ(tb().get<std::uint32_t>(resp_at), 0u);
    EXPECT_EQ(tb().pmem.last_flush_latency(), sc_time(20 + 3, SC_US));
    EXPECT_LE(took, sc_time(24, SC_US));
    EXPECT_EQ(tb().pmem.dirty().dirty_pages(), 0u);
    EXPECT_TRUE(tb().irqs.level[32 + slot % 4]) << "INTx for slot 1, pin A";
    EXPECT_EQ(tb().rd(bar_base + 0x1000, 1), 1u) << "ISR: used buffer";
    EXPECT_FALSE(tb().irqs.level[32 + slot % 4]) << "reading ISR lowers INTx";
    EXPECT_EQ(tb().rd(bar_base + 0x1000, 1), 0u);
}

TEST(virtio_pmem, a_slow_host_does_not_move_the_simulated_timeline) {
    tb().pmem.host_sync = [](const std::vector<std::pair<std::uint64_t, std::uint64_t>>&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        return true;
    };
    tb().wr(pmem_base + 8, 1, 8);
    tb().flush(2);
    const auto wall = std::chrono::steady_clock::now();
    run_until_used(2);
    EXPECT_GE(std::chrono::steady_clock::now() - wall, std::chrono::milliseconds(150)) << "the response waited for the host";
    EXPECT_EQ(tb().pmem.last_flush_latency(), sc_time(21, SC_US)) << "20 us + one page, as with a fast host";
}

TEST(virtio_pmem, a_failing_host_sync_answers_minus_one) {
    tb().pmem.host_sync = [](const auto&) { return false; };
    tb().flush(3);
    run_until_used(3);
    EXPECT_EQ(tb().get<std::uint32_t>(resp_at), 0xffffffffu);
}

TEST(virtio_pmem, malformed_request_needs_reset_and_interrupts) {
    tb().put<std::uint16_t>(desc_at + 12, 0); // the request loses its response descriptor
    tb().put<std::uint16_t>(avail_at + 4 + 2 * 3, 0);
    tb().put<std::uint16_t>(avail_at + 2, 4);
    tb().rd(bar_base + 0x1000, 1); // clear ISR
    test::expect_report warning(sc_core::SC_WARNING, "request not proper");
    tb().wr(bar_base + 0x3000, 0, 2);
    sc_core::sc_start(sc_time(1, SC_US));
    EXPECT_EQ(warning.count(), 1u);
    EXPECT_TRUE(tb().rd(bar_base + 20, 1) & 64) << "DEVICE_NEEDS_RESET";
    EXPECT_EQ(tb().rd(bar_base + 0x1000, 1), 2u) << "configuration change";
    tb().wr(bar_base + 20, 0, 1);
    EXPECT_EQ(tb().rd(bar_base + 20, 1), 0u) << "a reset clears it";
}

TEST(virtio_pmem, dma_outside_ram_is_refused_by_the_host) {
    std::uint64_t before = tb().host.rejected_dma();
    unsigned char buf[4];
    sc_time t;
    EXPECT_FALSE(tb().host.dma_read(tb().transport, 0x10000000, buf, 4, t)) << "the UART is not RAM";
    EXPECT_FALSE(tb().host.dma_read(tb().transport, ram_base + 0xfffe, buf, 4, t)) << "straddles the end";
    EXPECT_EQ(tb().host.rejected_dma(), before + 2);
}
