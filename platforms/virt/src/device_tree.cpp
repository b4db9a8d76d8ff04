// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/device_tree.h"

#include "pmemvp/platform/virt.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

extern "C" {
#include <libfdt.h>
}

#include <initializer_list>

namespace pmemvp::platform {

namespace {

using namespace virt_map;

// phandles of the nodes others point at.
constexpr std::uint32_t cpu_intc_phandle = 1, plic_phandle = 2, finisher_phandle = 3;

// The sequential-write API of libfdt, with errors turned into exceptions.
class fdt_writer {
public:
    explicit fdt_writer(std::size_t capacity) : blob_(capacity) {
        check(fdt_create(blob_.data(), static_cast<int>(blob_.size())));
        check(fdt_finish_reservemap(blob_.data()));
    }
    void begin(const std::string& name) { check(fdt_begin_node(blob_.data(), name.c_str())); }
    void end() { check(fdt_end_node(blob_.data())); }
    void prop(const char* name) { check(fdt_property(blob_.data(), name, nullptr, 0)); }
    void prop(const char* name, const std::string& value) { check(fdt_property_string(blob_.data(), name, value.c_str())); }
    // A string list: "a\0b\0".
    void strings(const char* name, std::initializer_list<const char*> values) {
        std::string list;
        for (const char* v : values) list.append(v).push_back('\0');
        check(fdt_property(blob_.data(), name, list.data(), static_cast<int>(list.size())));
    }
    void cells(const char* name, std::initializer_list<std::uint32_t> values) { cells(name, std::vector<std::uint32_t>(values)); }
    void cells(const char* name, const std::vector<std::uint32_t>& values) {
        std::vector<fdt32_t> be;
        for (std::uint32_t v : values) be.push_back(cpu_to_fdt32(v));
        check(fdt_property(blob_.data(), name, be.data(), static_cast<int>(be.size() * sizeof(fdt32_t))));
    }
    void u64(const char* name, std::uint64_t value) { check(fdt_property_u64(blob_.data(), name, value)); }
    // reg = <address-hi address-lo size-hi size-lo> (#address-cells = #size-cells = 2).
    void reg(std::uint64_t base, std::uint64_t size) {
        cells("reg", {hi(base), lo(base), hi(size), lo(size)});
    }
    std::vector<unsigned char> finish() {
        check(fdt_finish(blob_.data()));
        blob_.resize(fdt_totalsize(blob_.data()));
        return std::move(blob_);
    }
    static std::uint32_t hi(std::uint64_t v) { return static_cast<std::uint32_t>(v >> 32); }
    static std::uint32_t lo(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

private:
    static void check(int error) {
        if (error < 0) throw config_error(std::string("building the device tree: ") + fdt_strerror(error));
    }
    std::vector<unsigned char> blob_;
};

std::string node(const char* name, std::uint64_t address) {
    std::string hex = util::hex(address).substr(2);
    return std::string(name) + "@" + hex;
}

} // namespace

std::vector<unsigned char> build_device_tree(const device_tree_config& c) {
    fdt_writer w(64 * 1024);
    w.begin("");
    w.cells("#address-cells", {2});
    w.cells("#size-cells", {2});
    w.strings("compatible", {"pmemvp,virt", "riscv-virtio"});
    w.prop("model", "pmemvp virt");

    w.begin("chosen");
    if (!c.bootargs.empty()) w.prop("bootargs", c.bootargs);
    w.prop("stdout-path", node("/soc/serial", uart_base));
    if (c.initrd_end) {
        w.u64("linux,initrd-start", c.initrd_start);
        w.u64("linux,initrd-end", c.initrd_end);
    }
    w.end();

    w.begin(node("memory", c.ram_base));
    w.prop("device_type", "memory");
    w.reg(c.ram_base, c.ram_size);
    w.end();

    w.begin("cpus");
    w.cells("#address-cells", {1});
    w.cells("#size-cells", {0});
    w.cells("timebase-frequency", {c.timebase_hz});
    w.begin("cpu@0");
    w.prop("device_type", "cpu");
    w.cells("reg", {0});
    w.prop("status", "okay");
    w.prop("compatible", "riscv");
    // What the hart implements (docs/models/riscv-cpu.md): Linux finds Zicbom and Sstc here.
    w.prop("riscv,isa", "rv64imac_zicbom_zicsr_zifencei_sstc");
    w.prop("riscv,isa-base", "rv64i");
    w.strings("riscv,isa-extensions", {"i", "m", "a", "c", "zicbom", "zicsr", "zifencei", "sstc"});
    w.cells("riscv,cbom-block-size", {64});
    w.prop("mmu-type", "riscv,sv39");
    w.begin("interrupt-controller");
    w.cells("#address-cells", {0});
    w.cells("#interrupt-cells", {1});
    w.prop("interrupt-controller");
    w.prop("compatible", "riscv,cpu-intc");
    w.cells("phandle", {cpu_intc_phandle});
    w.end();
    w.end(); // cpu@0
    w.end(); // cpus

    w.begin("soc");
    w.cells("#address-cells", {2});
    w.cells("#size-cells", {2});
    w.prop("compatible", "simple-bus");
    w.prop("ranges");

    w.begin(node("clint", clint_base));
    w.strings("compatible", {"sifive,clint0", "riscv,clint0"});
    w.reg(clint_base, clint_size);
    w.cells("interrupts-extended", {cpu_intc_phandle, 3, cpu_intc_phandle, 7}); // MSI, MTI
    w.end();

    w.begin(node("plic", plic_base));
    w.strings("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
    w.reg(plic_base, plic_size);
    w.cells("#address-cells", {0});
    w.cells("#interrupt-cells", {1});
    w.prop("interrupt-controller");
    w.cells("riscv,ndev", {95});
    // Context 0: the hart's M-mode external interrupt; context 1: its S-mode one.
    w.cells("interrupts-extended", {cpu_intc_phandle, 11, cpu_intc_phandle, 9});
    w.cells("phandle", {plic_phandle});
    w.end();

    w.begin(node("serial", uart_base));
    w.prop("compatible", "ns16550a");
    w.reg(uart_base, uart_size);
    w.cells("clock-frequency", {3686400});
    w.cells("interrupts", {uart_irq});
    w.cells("interrupt-parent", {plic_phandle});
    w.end();

    w.begin(node("test", finisher_base));
    w.strings("compatible", {"sifive,test1", "sifive,test0", "syscon"});
    w.reg(finisher_base, finisher_size);
    w.cells("phandle", {finisher_phandle});
    w.end();

    w.begin(node("pci", pcie_ecam_base));
    w.prop("compatible", "pci-host-ecam-generic");
    w.prop("device_type", "pci");
    w.cells("#address-cells", {3});
    w.cells("#size-cells", {2});
    w.cells("#interrupt-cells", {1});
    w.cells("bus-range", {0, 255});
    w.cells("linux,pci-domain", {0});
    w.prop("dma-coherent");
    w.reg(pcie_ecam_base, pcie_ecam_size);
    // A 32-bit memory window and a 64-bit prefetchable one above RAM, both identity mapped.
    w.cells("ranges", {0x02000000, fdt_writer::hi(pcie_mmio_base), fdt_writer::lo(pcie_mmio_base),
                       fdt_writer::hi(pcie_mmio_base), fdt_writer::lo(pcie_mmio_base),
                       fdt_writer::hi(pcie_mmio_size), fdt_writer::lo(pcie_mmio_size),
                       0x43000000, fdt_writer::hi(pcie_mmio64_base), fdt_writer::lo(pcie_mmio64_base),
                       fdt_writer::hi(pcie_mmio64_base), fdt_writer::lo(pcie_mmio64_base),
                       fdt_writer::hi(pcie_mmio64_size), fdt_writer::lo(pcie_mmio64_size)});
    // INTx of each slot, swizzled as the host bridge routes them: (pin - 1 + slot) % 4.
    std::vector<std::uint32_t> map;
    for (std::uint32_t slot = 0; slot < 4; ++slot)
        for (std::uint32_t pin = 1; pin <= 4; ++pin)
            map.insert(map.end(), {slot << 11, 0, 0, pin, plic_phandle, pcie_irq + (pin - 1 + slot) % 4});
    w.cells("interrupt-map", map);
    w.cells("interrupt-map-mask", {0x1800, 0, 0, 7});
    w.end();

    for (const auto& r : c.pmem) {
        w.begin(node("pmem", r.base));
        w.prop("compatible", "pmem-region");
        w.reg(r.base, r.size);
        if (r.is_volatile) w.prop("volatile");
        w.end();
    }

    w.end(); // soc

    // Power-off and reboot through the test finisher (Linux's syscon drivers; OpenSBI too).
    w.begin("poweroff");
    w.prop("compatible", "syscon-poweroff");
    w.cells("regmap", {finisher_phandle});
    w.cells("offset", {0});
    w.cells("value", {0x5555});
    w.end();
    w.begin("reboot");
    w.prop("compatible", "syscon-reboot");
    w.cells("regmap", {finisher_phandle});
    w.cells("offset", {0});
    w.cells("value", {0x7777});
    w.end();
    w.end(); // root
    return w.finish();
}

std::vector<unsigned char> update_chosen(const std::vector<unsigned char>& blob, const std::string& what,
                                         const device_tree_config& c) {
    if (blob.size() < sizeof(fdt_header) || fdt_check_header(blob.data()) != 0 ||
        fdt_totalsize(blob.data()) > blob.size())
        throw config_error(what + ": not a flattened device tree blob (bad header); compile the "
                                  "source with dtc -I dts -O dtb");
    std::vector<unsigned char> out(blob.size() + 4096 + c.bootargs.size());
    auto check = [&](int error) {
        if (error < 0)
            throw config_error(what + ": cannot update /chosen (" + fdt_strerror(error) +
                               "); check the blob with dtc -I dtb -O dts");
    };
    check(fdt_open_into(blob.data(), out.data(), static_cast<int>(out.size())));
    int chosen = fdt_path_offset(out.data(), "/chosen");
    if (chosen < 0) chosen = fdt_add_subnode(out.data(), 0, "chosen");
    check(chosen);
    if (!c.bootargs.empty()) check(fdt_setprop_string(out.data(), chosen, "bootargs", c.bootargs.c_str()));
    if (c.initrd_end) {
        check(fdt_setprop_u64(out.data(), chosen, "linux,initrd-start", c.initrd_start));
        check(fdt_setprop_u64(out.data(), chosen, "linux,initrd-end", c.initrd_end));
    }
    check(fdt_pack(out.data()));
    out.resize(fdt_totalsize(out.data()));
    return out;
}

} // namespace pmemvp::platform
