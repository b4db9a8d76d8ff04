// SPDX-License-Identifier: Apache-2.0
// pcie_root_port behind our pci_host, driven through ECAM the way a driver (Linux pciehp or a
// bare-metal one) does: the type-1 header and the PCI Express capability, bus numbers and ECAM
// routing to the secondary bus, the hot-plug events and their INTx, command completion, the
// attention button and the power-off callback, window decoding, DMA and INTx through the port.
// A hot-plug port sits at device 1 (slot 5); a second port at device 2 (slot 6) has a function
// cold-plugged during elaboration.
#include "pmemvp/pci/pci_host.h"
#include "pmemvp/pci/pcie_root_port.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <cstring>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

using namespace pmemvp;
namespace cap = pci::pcie;

namespace {

constexpr std::uint64_t ram_base = 0x80000000, ram_size = 0x10000;
constexpr std::uint64_t ecam_base = 0x30000000, mmio_base = 0x40000000, mmio_size = 0x40000000;
constexpr std::uint64_t mmio64_base = 0x1000000000ull, mmio64_size = 0x100000000ull;
constexpr unsigned hot_dev = 1, cold_dev = 2, hot_slot = 5, cold_slot = 6;
constexpr unsigned hot_bus = 1, cold_bus = 3;
constexpr unsigned pcie_cap = pci::pcie_root_port::capability_offset;
constexpr std::uint16_t fn_vendor = 0x1234, fn_device = 0xabcd;
constexpr std::uint32_t bar_magic = 0x5eedf00d;

// A minimal endpoint: one 64-bit prefetchable 16 KiB BAR 0 that reads as a magic word, an
// INTx pin, and DMA through the host.
class test_function : public pci::pci_device {
public:
    test_function(std::string name, pci::pci_upstream& upstream, unsigned pin)
        : pci_device(std::move(name), fn_vendor, fn_device, 1, 0x058000, fn_vendor, 1), upstream_(upstream) {
        declare_bar64(0, 0x4000, true);
        config_bytes()[pci::cfg::interrupt_pin] = static_cast<std::uint8_t>(pin);
    }
    void bar_access(unsigned, std::uint64_t offset, tlm::tlm_generic_payload& gp, sc_core::sc_time&) override {
        ++accesses;
        if (gp.is_read()) {
            const std::uint32_t v = bar_magic + static_cast<std::uint32_t>(offset);
            std::memcpy(gp.get_data_ptr(), &v, std::min<unsigned>(4, gp.get_data_length()));
        }
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    void interrupt(bool level) {
        set_intx(level);
        upstream_.update_intx();
    }
    unsigned accesses = 0;

private:
    pci::pci_upstream& upstream_;
};

struct level_recorder : irq_sink {
    bool level[4] = {};
    void set_irq(unsigned line, bool l) override { level[line] = l; }
};

struct bench : sc_core::sc_module {
    std::vector<unsigned char> ram_bytes = std::vector<unsigned char>(ram_size);
    router bus{"bus"};
    memory_target ram{"ram", ram_bytes.data(), ram_bytes.size(), true};
    pci::pci_host host{"pcie", mmio_base, mmio_size, {{ram_base, ram_size}}, mmio64_base, mmio64_size};
    pci::pcie_root_port hot{"rp1", hot_slot, 1};
    pci::pcie_root_port cold{"rp2", cold_slot, 2};
    test_function fn{"fn", host, 1};            // plugged at run time into `hot`
    test_function cold_fn{"cold_fn", host, 2};  // INTB, cold-plugged into `cold`
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    level_recorder irqs;
    unsigned invalidations = 0;

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        bus.map(ram_base, ram_size, ram.socket, "ram");
        bus.map(ecam_base, 0x10000000, host.ecam, "ecam");
        bus.map(mmio_base, mmio_size, host.mmio, "mmio");
        bus.map(mmio64_base, mmio64_size, host.mmio64, "mmio64");
        host.dma.bind(bus.in);
        cpu.bind(bus.in);
        cpu.register_invalidate_direct_mem_ptr(this, &bench::invalidate);
        for (unsigned i = 0; i < 4; ++i) host.intx[i].bind(irqs, i);
        host.attach(hot, hot_dev);
        host.attach(cold, cold_dev);
        cold.plug(cold_fn); // before the simulation starts: a cold plug
    }
    void invalidate(sc_dt::uint64, sc_dt::uint64) { ++invalidations; }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, std::uint64_t& v, unsigned len) {
        return test::tlm_access(*cpu.operator->(), cmd, addr, &v, len);
    }
    std::uint64_t rd(std::uint64_t addr, unsigned len) {
        std::uint64_t v = 0;
        EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, v, len), tlm::TLM_OK_RESPONSE) << std::hex << addr;
        return v;
    }
    void wr(std::uint64_t addr, std::uint64_t v, unsigned len) {
        EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, v, len), tlm::TLM_OK_RESPONSE) << std::hex << addr;
    }
    static std::uint64_t ecam(unsigned bus_nr, unsigned dev, unsigned reg) {
        return ecam_base + (std::uint64_t{bus_nr} << 20 | dev << 15 | reg);
    }
    // The hot-plug port's registers, as the guest sees them.
    std::uint64_t port_rd(unsigned reg, unsigned len) { return rd(ecam(0, hot_dev, reg), len); }
    void port_wr(unsigned reg, std::uint64_t v, unsigned len) { wr(ecam(0, hot_dev, reg), v, len); }
    std::uint16_t sltsta() { return static_cast<std::uint16_t>(port_rd(pcie_cap + cap::slot_status, 2)); }
    std::uint16_t sltctl() { return static_cast<std::uint16_t>(port_rd(pcie_cap + cap::slot_control, 2)); }
    void set_sltctl(std::uint16_t v) { port_wr(pcie_cap + cap::slot_control, v, 2); }
    void clear_sltsta(std::uint16_t bits) { port_wr(pcie_cap + cap::slot_status, bits, 2); }

    // The hot-plug slot as Linux leaves an empty one: bus numbers assigned, power and
    // indicators off, no events pending, interrupts as `control` says.
    void empty_slot(std::uint16_t control = 0) {
        hot.unplug();
        hot.on_power_off(nullptr);
        port_wr(pci::cfg::primary_bus, 0 | hot_bus << 8 | hot_bus << 16, 4);
        set_sltctl(cap::sltctl_attention_off | cap::sltctl_power_indicator_off | cap::sltctl_power_off | control);
        clear_sltsta(0xffff);
        fn.interrupt(false);
    }
    // The slot powered and the function plugged, link up, events cleared.
    void powered_function() {
        empty_slot();
        set_sltctl(cap::sltctl_attention_off | cap::sltctl_power_indicator_on);
        hot.plug(fn);
        clear_sltsta(0xffff);
    }
    // The function's BAR 0 at `bar`, memory decode on.
    void program_function_bar(std::uint64_t bar) {
        wr(ecam(hot_bus, 0, pci::cfg::bar0), bar & 0xffffffff, 4);
        wr(ecam(hot_bus, 0, pci::cfg::bar0 + 4), bar >> 32, 4);
        wr(ecam(hot_bus, 0, pci::cfg::command), pci::cfg::command_memory | pci::cfg::command_master, 2);
    }
    // The port's memory window [base, limit] (1 MiB granules).
    void memory_window(std::uint32_t base, std::uint32_t limit) {
        port_wr(pci::cfg::memory_base, (base >> 16 & 0xfff0) | (limit >> 16 & 0xfff0) << 16, 4);
    }
    void prefetch_window(std::uint64_t base, std::uint64_t limit) {
        port_wr(pci::cfg::prefetch_base, (base >> 16 & 0xfff0) | (limit >> 16 & 0xfff0) << 16, 4);
        port_wr(pci::cfg::prefetch_base_upper, base >> 32, 4);
        port_wr(pci::cfg::prefetch_limit_upper, limit >> 32, 4);
    }
    void port_command(std::uint16_t command) { port_wr(pci::cfg::command, command, 2); }
    tlm::tlm_response_status bar_read(std::uint64_t addr, std::uint64_t& v) {
        v = 0;
        return access(tlm::TLM_READ_COMMAND, addr, v, 4);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

// The line pin `pin` of a function at `device` on bus 0 raises: (pin - 1 + device) mod 4.
unsigned line(unsigned pin, unsigned device) { return (pin - 1 + device) % 4; }

} // namespace

TEST(pcie_root_port, is_a_type1_bridge_with_qemus_ids) {
    auto& t = tb();
    EXPECT_EQ(t.port_rd(pci::cfg::vendor_id, 4), 0x000c1b36u);
    EXPECT_EQ(t.port_rd(pci::cfg::revision, 4), 0x06040000u) << "class 0604 00, revision 0";
    EXPECT_EQ(t.port_rd(pci::cfg::header_type, 1), 0x01u);
    EXPECT_EQ(t.port_rd(pci::cfg::interrupt_pin, 1), 2u) << "INTB: not the line of the device in its slot";
    EXPECT_TRUE(t.port_rd(pci::cfg::status, 2) & pci::cfg::status_capabilities);
    // No BARs: writing all ones reads back zero.
    t.port_wr(pci::cfg::bar0, 0xffffffff, 4);
    t.port_wr(pci::cfg::bar0 + 4, 0xffffffff, 4);
    EXPECT_EQ(t.port_rd(pci::cfg::bar0, 4), 0u);
    EXPECT_EQ(t.port_rd(pci::cfg::bar0 + 4, 4), 0u);
    // Bus numbers are plain read/write.
    t.port_wr(pci::cfg::primary_bus, 0x00070400, 4);
    EXPECT_EQ(t.port_rd(pci::cfg::primary_bus, 4), 0x00070400u);
    EXPECT_EQ(t.hot.secondary_bus(), 4u);
    EXPECT_EQ(t.hot.subordinate_bus(), 7u);
    // No I/O window: its registers stay zero.
    t.port_wr(pci::cfg::io_base, 0xf0f0, 2);
    EXPECT_EQ(t.port_rd(pci::cfg::io_base, 2), 0u);
    // Windows: address bits 31:20 only; the prefetchable one says it is 64-bit.
    t.port_wr(pci::cfg::memory_base, 0xffffffff, 4);
    EXPECT_EQ(t.port_rd(pci::cfg::memory_base, 4), 0xfff0fff0u);
    t.port_wr(pci::cfg::prefetch_base, 0xffffffff, 4);
    EXPECT_EQ(t.port_rd(pci::cfg::prefetch_base, 4), 0xfff1fff1u);
    t.memory_window(0x40100000, 0x401fffff);
    EXPECT_EQ(t.hot.memory_window().base, 0x40100000u);
    EXPECT_EQ(t.hot.memory_window().limit, 0x401fffffu);
    t.prefetch_window(0x1000000000ull, 0x10ffffffffull);
    EXPECT_EQ(t.hot.prefetch_window().base, 0x1000000000ull);
    EXPECT_EQ(t.hot.prefetch_window().limit, 0x10ffffffffull);
    t.port_wr(pci::cfg::bridge_control, 0x0003, 2);
    EXPECT_EQ(t.port_rd(pci::cfg::bridge_control, 2), 0x0003u);
    t.port_wr(pci::cfg::bridge_control, 0, 2);
}

TEST(pcie_root_port, a_driver_finds_the_pcie_capability_and_reads_the_slot) {
    auto& t = tb();
    // Walk the capability list as Linux's pci_find_capability does.
    unsigned at = static_cast<unsigned>(t.port_rd(pci::cfg::capabilities, 1)), found = 0;
    for (unsigned hops = 0; at && hops < 48; ++hops) {
        if (t.port_rd(at, 1) == cap::capability_id) found = at;
        at = static_cast<unsigned>(t.port_rd(at + 1, 1)) & ~3u;
    }
    ASSERT_NE(found, 0u);
    const std::uint64_t flags = t.port_rd(found + cap::flags, 2);
    EXPECT_EQ(flags & 0xf, 2u) << "capability version 2";
    EXPECT_EQ(flags >> 4 & 0xf, 4u) << "Root Port";
    EXPECT_TRUE(flags & 0x100) << "Slot Implemented";
    const std::uint64_t sltcap = t.port_rd(found + cap::slot_capabilities, 4);
    EXPECT_EQ(sltcap >> 19, hot_slot) << "physical slot number";
    EXPECT_EQ(sltcap & 0x7f, 0x5bu) << "button, power controller, no MRL, both indicators, no surprise, hot-plug capable";
    EXPECT_FALSE(sltcap & cap::sltcap_interlock);
    EXPECT_FALSE(sltcap & cap::sltcap_no_command_completed);
    EXPECT_EQ(t.cold.config_read(found + cap::slot_capabilities, 4) >> 19, cold_slot);
    const std::uint64_t lnkcap = t.port_rd(found + cap::link_capabilities, 4);
    EXPECT_TRUE(lnkcap & cap::lnkcap_dll_active_reporting);
    EXPECT_EQ(lnkcap >> 24, 1u) << "port number";
    const std::uint64_t lnksta = t.port_rd(found + cap::link_status, 2);
    EXPECT_EQ(lnksta & 0xf, 1u) << "2.5 GT/s";
    EXPECT_EQ(lnksta >> 4 & 0x3f, 1u) << "x1";
    EXPECT_EQ(t.port_rd(found + cap::root_control, 4), 0u);
    EXPECT_EQ(t.port_rd(found + cap::root_status, 4), 0u);
}

TEST(pcie_root_port, a_cold_plugged_function_is_powered_and_linked_without_events) {
    auto& t = tb();
    EXPECT_EQ(t.cold.plugged(), &t.cold_fn);
    EXPECT_TRUE(t.cold.powered());
    EXPECT_TRUE(t.cold.link_active());
    EXPECT_EQ(t.cold.slot_status(), cap::sltsta_presence) << "present, no events";
    EXPECT_EQ(t.cold.slot_control() & cap::sltctl_power_indicator, cap::sltctl_power_indicator_on);
    EXPECT_FALSE(t.cold.intx_asserted());
    // Until the guest numbers the bus, nothing reaches the function.
    EXPECT_EQ(t.rd(bench::ecam(cold_bus, 0, 0), 4), 0xffffffffu);
    t.wr(bench::ecam(0, cold_dev, pci::cfg::primary_bus), 0 | cold_bus << 8 | cold_bus << 16, 4);
    EXPECT_EQ(t.rd(bench::ecam(cold_bus, 0, 0), 4), std::uint32_t{fn_device} << 16 | fn_vendor);
}

TEST(pcie_root_port, an_empty_slot_is_powered_off_and_its_bus_reads_all_ones) {
    auto& t = tb();
    t.empty_slot();
    EXPECT_EQ(t.hot.plugged(), nullptr);
    EXPECT_FALSE(t.hot.powered());
    EXPECT_FALSE(t.hot.link_active());
    EXPECT_FALSE(t.sltsta() & cap::sltsta_presence);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), 0xffffffffu);
}

TEST(pcie_root_port, ecam_reaches_device_0_of_the_secondary_bus_only) {
    auto& t = tb();
    t.powered_function();
    t.port_wr(pci::cfg::primary_bus, 0 | hot_bus << 8 | (hot_bus + 1) << 16, 4); // subordinate 2
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), std::uint32_t{fn_device} << 16 | fn_vendor);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 1, 0), 4), 0xffffffffu) << "device 1: nothing behind a root port";
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0) + (1 << 12), 4), 0xffffffffu) << "function 1";
    EXPECT_EQ(t.rd(bench::ecam(hot_bus + 1, 0, 0), 4), 0xffffffffu) << "bus 2: subordinate, but nothing there";
    EXPECT_EQ(t.rd(bench::ecam(7, 0, 0), 4), 0xffffffffu);
    // Config writes reach it: its BAR sizes.
    t.wr(bench::ecam(hot_bus, 0, pci::cfg::bar0), 0xffffffff, 4);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, pci::cfg::bar0), 4), 0xffffc00cu);
    // Renumbering moves it.
    t.port_wr(pci::cfg::secondary_bus, 9, 1);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), 0xffffffffu);
    EXPECT_EQ(t.rd(bench::ecam(9, 0, 0), 2), fn_vendor);
}

TEST(pcie_root_port, functions_are_listed_in_bus_order) {
    auto& t = tb();
    t.powered_function();
    t.wr(bench::ecam(0, cold_dev, pci::cfg::primary_bus), 0 | cold_bus << 8 | cold_bus << 16, 4);
    std::vector<std::string> seen;
    t.host.for_each_function([&](unsigned b, unsigned d, unsigned f, const pci::pci_device& fn) {
        seen.push_back(std::to_string(b) + ":" + std::to_string(d) + "." + std::to_string(f) + " " + fn.name());
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"0:1.0 rp1", "0:2.0 rp2", "1:0.0 fn", "3:0.0 cold_fn"}));
    std::vector<unsigned> slots;
    t.host.for_each_root_port([&](unsigned d, const pci::pcie_root_port& p) { slots.push_back(d * 100 + p.slot()); });
    EXPECT_EQ(slots, (std::vector<unsigned>{105, 206}));
    EXPECT_EQ(t.host.root_port(hot_dev), &t.hot);
    EXPECT_EQ(t.host.root_port(3), nullptr);
}

TEST(pcie_root_port, plugging_into_an_unpowered_slot_signals_presence_and_the_button) {
    auto& t = tb();
    const unsigned port_line = line(2, hot_dev);
    t.empty_slot(cap::sltctl_interrupt_enable | cap::sltctl_presence_enable | cap::sltctl_button_enable |
                 cap::sltctl_link_enable);
    t.clear_sltsta(0xffff); // the Command Completed of empty_slot's write (CCIE is off)
    ASSERT_FALSE(t.irqs.level[port_line]);
    t.hot.plug(t.fn);
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence | cap::sltsta_presence_changed | cap::sltsta_button);
    EXPECT_FALSE(t.hot.link_active()) << "no power, no link";
    EXPECT_TRUE(t.irqs.level[port_line]) << "INTB of device 1 is line 2";
    for (unsigned l = 0; l < 4; ++l) {
        if (l != port_line) { EXPECT_FALSE(t.irqs.level[l]) << l; }
    }
    EXPECT_TRUE(t.port_rd(pci::cfg::status, 2) & pci::cfg::status_interrupt);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), 0xffffffffu) << "link down: not reachable yet";
    // The guest clears the events (RW1C; a 0 leaves a bit alone): the line drops.
    t.clear_sltsta(cap::sltsta_presence_changed);
    EXPECT_TRUE(t.irqs.level[port_line]) << "the button is still pending";
    t.clear_sltsta(cap::sltsta_button | cap::sltsta_presence);
    EXPECT_FALSE(t.irqs.level[port_line]);
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence) << "presence detect state is read-only";
    // The guest powers the slot: the link comes up (DLLSC), the command completes.
    t.set_sltctl(t.sltctl() & ~cap::sltctl_power_off);
    EXPECT_TRUE(t.hot.powered());
    EXPECT_TRUE(t.hot.link_active());
    EXPECT_TRUE(t.port_rd(pcie_cap + cap::link_status, 2) & cap::lnksta_dll_active);
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence | cap::sltsta_link_changed | cap::sltsta_command_completed);
    EXPECT_TRUE(t.irqs.level[port_line]) << "DLLSC with DLLSCE";
    t.clear_sltsta(cap::sltsta_link_changed | cap::sltsta_command_completed);
    EXPECT_FALSE(t.irqs.level[port_line]);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 2), fn_vendor);
}

TEST(pcie_root_port, plugging_into_a_powered_slot_brings_the_link_up) {
    auto& t = tb();
    const unsigned port_line = line(2, hot_dev);
    t.empty_slot(cap::sltctl_interrupt_enable | cap::sltctl_presence_enable);
    t.set_sltctl(t.sltctl() & ~cap::sltctl_power_off);
    t.clear_sltsta(0xffff);
    t.hot.plug(t.fn);
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence | cap::sltsta_presence_changed | cap::sltsta_link_changed)
        << "no button: the guest need not power anything";
    EXPECT_TRUE(t.hot.link_active());
    EXPECT_TRUE(t.irqs.level[port_line]) << "PDC with PDCE";
    // The port's INTx disable masks its hot-plug interrupt.
    t.port_command(pci::cfg::command_intx_disable);
    EXPECT_FALSE(t.irqs.level[port_line]);
    t.port_command(0);
    EXPECT_TRUE(t.irqs.level[port_line]);
    // Without HPIE, events stay pending but raise nothing.
    t.set_sltctl(t.sltctl() & ~cap::sltctl_interrupt_enable);
    EXPECT_FALSE(t.irqs.level[port_line]);
    t.clear_sltsta(0xffff);
}

TEST(pcie_root_port, every_slot_control_write_completes_a_command) {
    auto& t = tb();
    const unsigned port_line = line(2, hot_dev);
    t.empty_slot();
    t.clear_sltsta(0xffff);
    EXPECT_FALSE(t.sltsta() & cap::sltsta_command_completed);
    t.set_sltctl(cap::sltctl_power_off | cap::sltctl_power_indicator_off | (1u << 6)); // attention indicator on
    EXPECT_EQ(t.sltctl() & cap::sltctl_attention_indicator, 1u << 6);
    EXPECT_TRUE(t.sltsta() & cap::sltsta_command_completed);
    EXPECT_FALSE(t.irqs.level[port_line]) << "CCIE off";
    t.clear_sltsta(cap::sltsta_command_completed);
    // With CCIE and HPIE the completion interrupts (Linux waits for it).
    t.set_sltctl(cap::sltctl_power_off | cap::sltctl_power_indicator_off | cap::sltctl_attention_off |
                 cap::sltctl_command_enable | cap::sltctl_interrupt_enable);
    EXPECT_TRUE(t.irqs.level[port_line]);
    t.clear_sltsta(cap::sltsta_command_completed);
    EXPECT_FALSE(t.irqs.level[port_line]);
    // Read-only Slot Control bits stay clear (no MRL, no interlock, no power fault detection).
    t.set_sltctl(0xffff);
    EXPECT_EQ(t.sltctl(), 0x17f9u);
    t.clear_sltsta(0xffff);
    t.empty_slot();
}

TEST(pcie_root_port, device_del_presses_the_button_and_power_off_calls_back_before_unplug) {
    auto& t = tb();
    const unsigned port_line = line(2, hot_dev);
    t.powered_function();
    t.set_sltctl(t.sltctl() | cap::sltctl_interrupt_enable | cap::sltctl_button_enable | cap::sltctl_link_enable);
    t.clear_sltsta(0xffff);
    unsigned calls = 0;
    bool link_was_down = false, still_plugged = false;
    t.hot.on_power_off([&](pci::pci_device& f) {
        ++calls;
        EXPECT_EQ(&f, &t.fn);
        link_was_down = !t.hot.link_active();
        still_plugged = t.hot.plugged() == &t.fn;
        t.hot.unplug(); // teardown done: the function goes
    });
    t.hot.request_unplug();
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence | cap::sltsta_button);
    EXPECT_TRUE(t.irqs.level[port_line]);
    t.clear_sltsta(cap::sltsta_button);
    EXPECT_FALSE(t.irqs.level[port_line]);
    EXPECT_EQ(calls, 0u) << "a button press alone removes nothing";
    // The guest (pciehp after its 5 s) turns slot power off.
    t.set_sltctl(t.sltctl() | cap::sltctl_power_off);
    EXPECT_EQ(calls, 1u);
    EXPECT_TRUE(link_was_down);
    EXPECT_TRUE(still_plugged);
    EXPECT_EQ(t.hot.plugged(), nullptr);
    EXPECT_FALSE(t.sltsta() & cap::sltsta_presence);
    EXPECT_TRUE(t.sltsta() & cap::sltsta_presence_changed);
    EXPECT_TRUE(t.sltsta() & cap::sltsta_link_changed);
    EXPECT_TRUE(t.sltsta() & cap::sltsta_command_completed);
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), 0xffffffffu);
    // Power off again, or on and off with the slot empty: no callback.
    t.set_sltctl(t.sltctl() & ~cap::sltctl_power_off);
    t.set_sltctl(t.sltctl() | cap::sltctl_power_off);
    EXPECT_EQ(calls, 1u);
    t.empty_slot();
}

TEST(pcie_root_port, the_platform_may_unplug_after_the_callback_returns) {
    auto& t = tb();
    t.powered_function();
    pci::pci_device* to_tear_down = nullptr;
    t.hot.on_power_off([&](pci::pci_device& f) { to_tear_down = &f; });
    t.set_sltctl(t.sltctl() | cap::sltctl_power_off);
    ASSERT_EQ(to_tear_down, &t.fn);
    EXPECT_EQ(t.hot.plugged(), &t.fn) << "still plugged while the platform tears down";
    EXPECT_FALSE(t.hot.link_active());
    EXPECT_EQ(t.rd(bench::ecam(hot_bus, 0, 0), 4), 0xffffffffu) << "but unreachable";
    t.clear_sltsta(0xffff);
    t.hot.unplug();
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence_changed) << "no DLLSC: the link was down already";
    t.empty_slot();
}

TEST(pcie_root_port, unplug_with_the_link_up_is_a_surprise_removal) {
    auto& t = tb();
    t.powered_function();
    const unsigned before = t.invalidations;
    t.hot.unplug();
    EXPECT_EQ(t.sltsta(), cap::sltsta_presence_changed | cap::sltsta_link_changed);
    EXPECT_FALSE(t.hot.link_active());
    EXPECT_GT(t.invalidations, before) << "DMI into its BARs is dropped";
    t.empty_slot();
}

TEST(pcie_root_port, a_bar_decodes_only_inside_a_window_of_an_enabled_port) {
    auto& t = tb();
    std::uint64_t v;
    t.powered_function();
    t.memory_window(0xfff00000, 0); // closed
    t.prefetch_window(0xfff00000, 0);
    // In the 32-bit window.
    const std::uint64_t bar32 = 0x40100000;
    t.program_function_bar(bar32);
    t.port_command(pci::cfg::command_memory);
    EXPECT_EQ(t.bar_read(bar32, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "both windows closed";
    t.memory_window(0x40100000, 0x401fffff);
    EXPECT_EQ(t.bar_read(bar32 + 8, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, bar_magic + 8);
    t.port_command(0);
    EXPECT_EQ(t.bar_read(bar32, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "port memory space disabled";
    t.port_command(pci::cfg::command_memory);
    t.program_function_bar(0x40200000);
    EXPECT_EQ(t.bar_read(0x40200000, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "outside the window";
    t.memory_window(0x40100000, 0x402fffff);
    EXPECT_EQ(t.bar_read(0x40200000, v), tlm::TLM_OK_RESPONSE);
    // In the 64-bit window above RAM, through the 64-bit prefetchable window (as Linux does).
    t.memory_window(0xfff00000, 0);
    const std::uint64_t bar64 = mmio64_base + 0x200000;
    t.program_function_bar(bar64);
    EXPECT_EQ(t.bar_read(bar64, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    t.prefetch_window(mmio64_base, mmio64_base + 0xfffff);
    EXPECT_EQ(t.bar_read(bar64, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "window ends below the BAR";
    t.prefetch_window(mmio64_base, mmio64_base + 0x3fffff);
    EXPECT_EQ(t.bar_read(bar64 + 0x10, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, bar_magic + 0x10);
    EXPECT_EQ(t.bar_read(bar64 + 0x4000, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "past the BAR";
    // Gone with the function.
    const unsigned accesses = t.fn.accesses;
    t.hot.unplug();
    EXPECT_EQ(t.bar_read(bar64 + 0x10, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(t.fn.accesses, accesses);
    t.port_command(0);
    t.empty_slot();
}

TEST(pcie_root_port, dma_needs_the_ports_bus_master_enable) {
    auto& t = tb();
    t.powered_function();
    t.program_function_bar(0x40100000); // memory + bus master on the function
    t.ram_bytes[0x100] = 0xa5;
    unsigned char byte = 0;
    sc_core::sc_time delay;
    const std::uint64_t rejected = t.host.rejected_dma();
    t.port_command(pci::cfg::command_memory);
    EXPECT_FALSE(t.host.dma_read(t.fn, ram_base + 0x100, &byte, 1, delay));
    EXPECT_EQ(t.host.rejected_dma(), rejected + 1);
    t.port_command(pci::cfg::command_memory | pci::cfg::command_master);
    EXPECT_TRUE(t.host.dma_read(t.fn, ram_base + 0x100, &byte, 1, delay));
    EXPECT_EQ(byte, 0xa5);
    t.set_sltctl(t.sltctl() | cap::sltctl_power_off); // link down
    EXPECT_FALSE(t.host.dma_read(t.fn, ram_base + 0x100, &byte, 1, delay));
    t.port_command(0);
    t.empty_slot();
}

TEST(pcie_root_port, a_functions_intx_is_swizzled_through_the_port) {
    auto& t = tb();
    t.powered_function();
    t.program_function_bar(0x40100000);
    // fn: INTA at device 0 behind the port at device 1: line (0 + 0 + 1) mod 4 = 1.
    t.fn.interrupt(true);
    EXPECT_TRUE(t.irqs.level[1]);
    EXPECT_FALSE(t.irqs.level[0] || t.irqs.level[2] || t.irqs.level[3]);
    t.fn.interrupt(false);
    EXPECT_FALSE(t.irqs.level[1]);
    // cold_fn: INTB behind the port at device 2: line (1 + 0 + 2) mod 4 = 3.
    t.cold_fn.interrupt(true);
    EXPECT_TRUE(t.irqs.level[3]);
    EXPECT_FALSE(t.irqs.level[0] || t.irqs.level[1] || t.irqs.level[2]);
    // Lines OR together: the hot port's own INTB (line 2: never the line of the function in its
    // slot, which Linux's pciehp needs) and cold_fn's.
    t.set_sltctl(t.sltctl() | cap::sltctl_interrupt_enable | cap::sltctl_button_enable);
    t.hot.request_unplug();
    EXPECT_TRUE(t.irqs.level[2]);
    EXPECT_TRUE(t.irqs.level[3]);
    EXPECT_FALSE(t.irqs.level[1]);
    t.cold_fn.interrupt(false);
    EXPECT_FALSE(t.irqs.level[3]);
    EXPECT_TRUE(t.irqs.level[2]);
    // A function's INTx does not cross a link that is down.
    t.fn.interrupt(true);
    t.clear_sltsta(0xffff);
    t.set_sltctl(t.sltctl() & ~cap::sltctl_interrupt_enable);
    EXPECT_TRUE(t.irqs.level[1]);
    t.set_sltctl(t.sltctl() | cap::sltctl_power_off);
    EXPECT_FALSE(t.irqs.level[1]);
    t.empty_slot();
}

TEST(pcie_root_port, a_second_plug_into_an_occupied_slot_is_refused) {
    auto& t = tb();
    t.powered_function();
    EXPECT_THROW(t.hot.plug(t.cold_fn), std::logic_error);
    EXPECT_THROW(t.hot.plug(t.cold), std::logic_error);
    EXPECT_EQ(t.hot.plugged(), &t.fn);
    t.empty_slot();
}
