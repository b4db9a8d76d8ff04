// SPDX-License-Identifier: Apache-2.0
// virtio_pmem_pci as a drop-in module, twice: on a PCI host that is not ours (its pci_endpoint
// sockets mapped on a plain bus, its INTx on an sc_signal<bool> through irq_out) and attached
// to our pci_host. The same C++ driver (examples/virtio-pmem-in-your-platform) probes both,
// writes and flushes; the data is in the files.
#include "pmemvp/pci/pci_host.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/irq_out.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"
#include "pmemvp/virtio/virtio_pmem_pci.h"

#include "virtio_pmem_driver.h"

#include <cstring>
#include <functional>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, config_base = 0x30000000, bar_base = 0x40000000,
                        pmem_base = 0x100000000ull;
constexpr std::uint64_t ecam_base = 0x50000000, host_window = 0x60000000, host_pmem = 0x140000000ull;
constexpr unsigned host_slot = 3;

virtio::virtio_pmem_options device_options(std::uint64_t memaddr) {
    auto o = virtio::virtio_pmem_options::parse("id=vp,memdev=m");
    o.memaddr = memaddr;
    return o;
}

backend::file_backend_options file(const std::string& path) {
    return backend::file_backend_options::parse("id=m,share=on,size=1M,mem-path=" + path);
}

struct bench : sc_core::sc_module {
    SC_HAS_PROCESS(bench);
    std::string dir = test::make_temp_dir();
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(0x20000);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    virtio::virtio_pmem_pci theirs{"theirs", device_options(pmem_base), file(dir + "/theirs.img")};
    pci::pci_host host{"host", host_window, 0x10000000, {{ram_base, 0x20000}}};
    virtio::virtio_pmem_pci ours{"ours", device_options(host_pmem), file(dir + "/ours.img")};
    irq_out irq{"irq"};
    sc_core::sc_signal<bool> intx{"intx"};
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    std::function<void()> job;
    sc_core::sc_event go;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_bytes.size(), ram.socket, "ram");
        // The device on "their" host: config space, BAR 4 and the range on the plain bus.
        bus.map(config_base, 0x1000, theirs.pci.config, "theirs-config");
        bus.map(bar_base, PMEMVP_VIRTIO_BAR_SIZE, theirs.pci.bar[PMEMVP_VIRTIO_BAR], "theirs-bar4");
        bus.map(pmem_base, theirs.size(), theirs.memory, "theirs-pmem");
        theirs.pci.dma.bind(bus.in);
        theirs.pci.intx.bind(irq);
        irq.out(intx);
        // The same device on our PCI host.
        bus.map(ecam_base, 0x10000000, host.ecam, "ecam");
        bus.map(host_window, 0x10000000, host.mmio, "host-window");
        bus.map(host_pmem, ours.size(), ours.memory, "ours-pmem");
        host.dma.bind(bus.in);
        ours.attach(host, host_slot);
        cpu.bind(bus.in);
        SC_THREAD(run);
    }
    void run() {
        for (;;) {
            wait(go);
            job();
        }
    }
    // Runs `f` in the CPU's thread (it may wait) until it is done.
    void in_thread(std::function<void()> f) {
        job = std::move(f);
        go.notify(sc_core::SC_ZERO_TIME);
        sc_core::sc_start();
    }
    virtio_pmem_driver::bus_access access() {
        auto transfer = [this](tlm::tlm_command cmd, std::uint64_t a, void* d, unsigned n) {
            sc_core::sc_time delay;
            const bool ok = test::tlm_access(*cpu.operator->(), cmd, a, d, n, &delay) == tlm::TLM_OK_RESPONSE;
            wait(delay);
            return ok;
        };
        return {[=](std::uint64_t a, void* d, unsigned n) { return transfer(tlm::TLM_READ_COMMAND, a, d, n); },
                [=](std::uint64_t a, void* d, unsigned n) { return transfer(tlm::TLM_WRITE_COMMAND, a, d, n); }};
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(virtio_pmem_pci, on_a_host_that_is_not_ours_a_driver_writes_and_flushes_with_the_interrupt) {
    auto& t = tb();
    std::string error;
    std::uint32_t response = 1;
    bool saw_interrupt = false;
    t.in_thread([&] {
        virtio_pmem_driver driver(t.access(), config_base, bar_base, ram_base);
        error = driver.probe();
        if (!error.empty()) return;
        EXPECT_EQ(driver.start, pmem_base);
        EXPECT_EQ(driver.size, 1u << 20);
        const char text[] = "durable on their host";
        t.access().write(driver.start + 0x100, const_cast<char*>(text), sizeof text);
        response = driver.flush([&] {
            if (!t.intx.read()) sc_core::wait(t.intx.value_changed_event());
            saw_interrupt = saw_interrupt || t.intx.read();
        });
    });
    ASSERT_EQ(error, "");
    EXPECT_EQ(response, VIRTIO_PMEM_RESP_OK);
    EXPECT_TRUE(saw_interrupt) << "the flush's used buffer raised INTx on the sc_signal";
    EXPECT_FALSE(t.intx.read()) << "reading the ISR lowered it";
    EXPECT_EQ(t.theirs.flushes(), 1u);
    EXPECT_EQ(test::read_file(t.dir + "/theirs.img").substr(0x100, 21), "durable on their host");
    EXPECT_EQ(t.theirs.domain().non_durable_lines(), 0u) << "the flush made it durable";
}

TEST(virtio_pmem_pci, attached_to_our_host_the_same_driver_works_through_ecam) {
    auto& t = tb();
    std::string error;
    std::uint32_t response = 1;
    t.in_thread([&] {
        virtio_pmem_driver driver(t.access(), ecam_base + (host_slot << 15), host_window, ram_base + 0x8000);
        error = driver.probe();
        if (!error.empty()) return;
        const char text[] = "durable on ours";
        t.access().write(driver.start, const_cast<char*>(text), sizeof text);
        response = driver.flush([] { sc_core::wait(sc_core::sc_time(1, sc_core::SC_US)); }); // polled
    });
    ASSERT_EQ(error, "");
    EXPECT_EQ(response, VIRTIO_PMEM_RESP_OK);
    EXPECT_EQ(test::read_file(t.dir + "/ours.img").substr(0, 15), "durable on ours");
}

TEST(virtio_pmem_pci, a_bar_access_with_memory_decode_off_is_a_master_abort) {
    std::uint32_t v = 0;
    tb().in_thread([&] {
        std::uint16_t off = 0;
        tb().access().write(config_base + 0x04, &off, 2);
    });
    EXPECT_EQ(test::tlm_access(*tb().cpu.operator->(), tlm::TLM_READ_COMMAND, bar_base, &v, 4),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(virtio_pmem_pci, a_power_failure_reverts_what_no_flush_covered) {
    auto& t = tb();
    const char text[] = "never flushed";
    ASSERT_EQ(test::tlm_access(*t.cpu.operator->(), tlm::TLM_WRITE_COMMAND, pmem_base + 0x2000,
                               const_cast<char*>(text), sizeof text), tlm::TLM_OK_RESPONSE);
    const auto findings = t.theirs.power_fail(pmem::failure_policy{}, sc_core::sc_time_stamp());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].address, 0x2000u);
    EXPECT_EQ(test::read_file(t.dir + "/theirs.img").substr(0x2000, 5), std::string(5, '\0'));
    EXPECT_EQ(test::read_file(t.dir + "/theirs.img").substr(0x100, 21), "durable on their host") << "flushed: kept";
}
