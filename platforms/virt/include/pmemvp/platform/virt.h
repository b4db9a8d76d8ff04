// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/acpi/tables.h"
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/nvdimm/nvdimm_root.h"
#include "pmemvp/pci/pci_host.h"
#include "pmemvp/pmem/persistence_domain.h"
#include "pmemvp/pmem/pmem_timing.h"
#include "pmemvp/pci/pcie_root_port.h"
#include "pmemvp/platform/devices.h"
#include "pmemvp/virtio/virtio_pmem_function.h"
#include "pmemvp/peripherals/clint.h"
#include "pmemvp/peripherals/plic.h"
#include "pmemvp/peripherals/test_finisher.h"
#include "pmemvp/peripherals/uart16550.h"
#include "pmemvp/riscv/hart.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <algorithm>
#include <cstdio>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

namespace pmemvp::platform {

// The memory map (../shared/design.md §3), compatible with QEMU's riscv `virt` machine.
namespace virt_map {
constexpr std::uint64_t rom_base = 0x1000, rom_size = 0xf000;
constexpr std::uint64_t finisher_base = 0x100000, finisher_size = 0x1000;
constexpr std::uint64_t clint_base = 0x2000000, clint_size = 0x10000;
constexpr std::uint64_t plic_base = 0xc000000, plic_size = 0x600000;
constexpr std::uint64_t uart_base = 0x10000000, uart_size = 0x100;
constexpr unsigned uart_irq = 10;
constexpr std::uint64_t nvdimm_control_base = 0x10100000;
constexpr std::uint64_t pcie_ecam_base = 0x30000000, pcie_ecam_size = 0x10000000;
constexpr std::uint64_t pcie_mmio_base = 0x40000000, pcie_mmio_size = 0x40000000;
// 64-bit prefetchable BARs (virtio-pmem's shared memory region): above RAM, inside what a
// RISC-V Sv39 kernel can give struct pages (its linear map spans 128 GiB from RAM's base).
constexpr std::uint64_t pcie_mmio64_base = 0x1000000000ull, pcie_mmio64_size = 0x800000000ull;
constexpr unsigned pcie_irq = 32; // INTA..INTD -> PLIC 32..35
constexpr std::uint64_t ram_base = 0x80000000;
constexpr std::uint64_t device_memory_base = 0x100000000ull; // pmem ranges, 1 GiB aligned
constexpr std::uint64_t device_memory_align = 1ull << 30;
constexpr std::uint64_t acpi_base = 0x1100; // in the boot ROM
} // namespace virt_map

struct virt_config {
    std::uint64_t ram_size = 128ull << 20;
    // -m ...,slots=N,maxmem=MAX: memory devices may be added up to MAX - ram_size (0: none).
    std::uint64_t max_memory = 0;
    unsigned memory_slots = 0;
    std::string kernel;                   // -kernel: an ELF program, or a Linux Image (with firmware)
    std::string bios = "default";         // -bios: none; default (firmware for a Linux Image only); or a file
    std::string append;                   // -append: the kernel command line (/chosen/bootargs)
    std::string initrd;                   // -initrd FILE
    std::string dtb;                      // -dtb FILE instead of the generated device tree
    riscv::hart_config cpu;
    std::FILE* uart_out = stdout;         // nullptr: discard
    std::vector<backend::file_backend_options> memory_backends;
    bool nvdimm_enabled = false;                     // -machine nvdimm=on
    std::optional<std::uint32_t> nvdimm_persistence; // NFIT platform capabilities (3 cpu, 2 mem-ctrl)
    std::vector<nvdimm::nvdimm_options> nvdimms;
    std::vector<nvdimm::interleave_options> interleave_sets;
    std::vector<virtio::virtio_pmem_options> virtio_pmems;
    std::vector<root_port_options> root_ports; // hot-plug slots
    pmem::domain_kind persistence = pmem::domain_kind::adr; // of NVDIMM memory
    // Access timing of NVDIMM memory; nullopt: fixed zero latencies (--pmem-timing none).
    std::optional<pmem::timing_profile> pmem_timing = pmem::timing_profile::named("optane");
    std::vector<sc_core::sc_time> power_fail_at; // ascending
    pmem::failure_policy failure_policy;
    bool reboot_after_power_fail = false; // else the run stops
};

// Appends a -device or -object to the list of its type. Throws config_error for an id used twice.
void add_device(virt_config& config, device_options device);
void add_object(virt_config& config, object_options object);

// One memory whose persistence is tracked: an NVDIMM range or a virtio-pmem device.
struct tracked_pmem {
    std::string name;
    backend::file_backend* file;
    memory_core* target; // nullptr for a DIMM in an interleave set (the nvdimm_root's)
    pmem::persistence_domain* domain;
    nvdimm::nvdimm* dimm = nullptr; // for NVDIMM ranges (flush hints)
    pmem::pmem_timing* timing = nullptr; // the DIMM's access timing, if timed
    // Where it is in the physical address space: [base, base + size), holding this memory
    // alone or, in an interleave set of `ways` DIMMs, its `way` every `granularity` bytes.
    std::uint64_t base = 0, size = 0;
    unsigned ways = 1, way = 0;
    std::uint64_t granularity = 0;
    // The module holding it (one of the two): what a power failure goes to.
    nvdimm::nvdimm_core* device = nullptr;
    virtio::virtio_pmem* virtio = nullptr;
};

// A physical address in a tracked memory: which one, and the offset in its domain.
struct pmem_location {
    const tracked_pmem* memory;
    std::uint64_t offset;
};

// The `virt` platform: one RV64 hart, boot ROM, RAM, CLINT, PLIC, UART, test finisher, all on
// one router. Construction loads the guest; sc_start() runs it until the finisher ends it.
class virt_platform : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(virt_platform);
    virt_platform(const sc_core::sc_module_name& name, const virt_config& config);
    ~virt_platform() override;

    // A guest that could not be loaded (start of simulation): the run stops at once and this
    // says why; empty otherwise.
    const std::string& load_error() const { return load_error_; }
    bool finished() const { return finished_; }
    // Nothing more will run: the guest finished, a power failure stopped it, or the simulation
    // was stopped. Monitor commands that change the machine are refused then.
    bool run_over() const { return finished() || stopped_by_power_fail() || sc_core::sc_get_status() == sc_core::SC_STOPPED; }
    // Why the hart stopped for good without finishing (a trap it can never take); empty if not.
    const std::string& stuck_reason() const { return stuck_reason_; }
    std::uint64_t stuck_pc() const { return stuck_pc_; } // where the guest went wrong
    int exit_status() const { return exit_status_; }
    const sc_core::sc_time& exit_time() const { return exit_time_; }
    std::uint64_t resets() const { return resets_; }

    const std::vector<std::unique_ptr<backend::file_backend>>& memory_backends() const {
        return backends_;
    }
    const std::vector<std::unique_ptr<nvdimm::nvdimm_device>>& nvdimms() const { return nvdimms_; }
    const std::vector<nvdimm::spa_range>& pmem_ranges() const { return ranges_; }
    // Whether `dimm` came by device_add.
    bool hotplugged(const nvdimm::nvdimm& dimm) const {
        return std::find(hotplugged_dimms_.begin(), hotplugged_dimms_.end(), &dimm) != hotplugged_dimms_.end();
    }
    // The device tree the hart gets in a1 (generated from the devices, or -dtb's, with /chosen
    // as -append and -initrd say), and where it goes in RAM.
    std::vector<unsigned char> device_tree() const;
    // The ACPI tables in the boot ROM, by signature (RSDP, XSDT, NFIT).
    const acpi::placed_tables& acpi_tables() const { return acpi_; }
    // The NVDIMMs' root device (SPA ranges, interleave sets, DSM, NFIT); nullptr without NVDIMMs.
    nvdimm::nvdimm_root* nvdimm_root() const { return nvdimm_root_.get(); }
    const std::vector<std::unique_ptr<virtio::virtio_pmem_function>>& virtio_pmems() const { return pmem_devices_; }
    // A list: its elements stay where they are while devices come and go.
    const std::list<tracked_pmem>& persistence_domains() const { return tracked_; }
    // Called when a memory is added at run time (device_add), before the guest can reach it.
    std::function<void(const tracked_pmem&)> on_memory_added;

    // -device pcie-root-port: its slot, and what is plugged in it.
    struct root_port {
        std::string id;
        unsigned device;                             // on bus 0
        std::unique_ptr<pci::pcie_root_port> port;
        virtio::virtio_pmem_function* plugged = nullptr;
        bool unplug_requested = false;               // device_del pressed the attention button
    };
    const std::vector<root_port>& root_ports() const { return root_ports_; }
    pci::pci_host& pci() const { return *pci_; }

    // Run-time changes, from the monitor between quanta. Each returns "" or what went wrong (the
    // machine is then as before), in QEMU's words where QEMU has some.
    std::string object_add(const object_options& object);
    std::string object_del(const std::string& id);
    // virtio-pmem-pci into a pcie-root-port (bus=ID, else the first free one): presence detect,
    // and the guest's pciehp (or sw/ driver) takes it from there. nvdimm (-machine nvdimm=on):
    // a new DIMM and SPA range, the NFIT rebuilt, the root device's FIT_CHANGED interrupt.
    std::string device_add(const device_options& device);
    // virtio-pmem-pci in a root port: presses the attention button. When the guest has let go
    // (slot power off) the device flushes, syncs its file, drops DMI, is unmapped and
    // on_device_deleted(id) is called (QMP's DEVICE_DELETED).
    std::string device_del(const std::string& id);
    std::function<void(const std::string& id)> on_device_deleted;
    // What a virtio-pmem-pci had done when device_del removed it (for --stats: the device and
    // perhaps its backend are gone).
    struct removed_virtio_pmem {
        std::string id, name, memdev;
        std::uint64_t address = 0, size = 0, flushes = 0, flushed_pages = 0;
        sc_core::sc_time last_flush_latency, removed_at;
    };
    const std::vector<removed_virtio_pmem>& removed_virtio_pmems() const { return removed_; }
    std::optional<pmem_location> locate_pmem(std::uint64_t address) const;
    // What the platform has at `address`, for messages ("the memory of NVDIMM 'nv0', backed
    // by ..."); empty if nothing.
    std::string describe_address(std::uint64_t address) const;
    // A power failure now, as --power-fail-at would make it (from a debugger or monitor, with
    // the simulation paused). Before the simulation starts (-S), at its first instant.
    void power_fail_now() {
        if (started_) power_fail();
        else schedule_power_fail(sc_core::SC_ZERO_TIME);
    }
    // A power failure at simulated time `at` (not before the current time), besides
    // --power-fail-at's.
    void schedule_power_fail(const sc_core::sc_time& at);
    // Called after each power failure with the index of its first finding in
    // power_fail_findings(); and after each reset (the finisher's, or system_reset()).
    std::function<void(std::size_t first_finding)> on_power_failure;
    std::function<void()> on_reset;
    // A reset as the finisher makes it: the boot images loaded again, the CPU from its reset
    // vector (a monitor's system_reset).
    void system_reset();
    // The CPU cache in front of timed NVDIMM memory (nullptr without timing).
    const pmem::cpu_cache* pmem_cache() const { return pmem_cache_.get(); }
    // Findings of a power failure (set when it happened).
    bool power_failed() const { return power_failures_ > 0; }
    unsigned power_failures() const { return power_failures_; }
    bool stopped_by_power_fail() const { return power_failed() && !config_.reboot_after_power_fail; }
    const std::vector<std::pair<std::string, pmem::finding>>& power_fail_findings() const { return failure_findings_; }

private:
    void start_of_simulation() override;
    void create_backends();
    void write_boot_rom(std::uint64_t entry, std::uint64_t dtb_address);
    void load_guest();
    // Where the boot images go: the kernel, the initrd just below the device tree, the device
    // tree at the top of RAM.
    struct boot_layout {
        std::uint64_t dtb = 0;
        std::uint64_t initrd_start = 0, initrd_end = 0;
    };
    boot_layout layout(std::uint64_t dtb_size) const;
    std::string firmware() const; // the -bios file, or the default for a Linux Image; "" for none
    void create_nvdimms();
    void map_nvdimms();
    void build_acpi();
    void create_pci();
    void create_root_ports(std::vector<bool>& used_devices);
    // Makes a virtio-pmem-pci (at start, or `hot` by device_add) and plugs it into `port`, or
    // into bus 0 at `device` when `port` is nullptr. Throws config_error before changing anything.
    void add_virtio_pmem(const virtio::virtio_pmem_options& options, root_port* port, unsigned device, bool hot);
    std::string add_nvdimm(const nvdimm::nvdimm_options& options);
    // The guest powered off `port`'s slot after device_del: the device goes.
    void finish_unplug(root_port& port);
    // Where a hot-plugged memory of `size` bytes goes: QEMU's device-memory checks (-m maxmem).
    // Throws config_error.
    std::uint64_t hotplug_address(std::uint64_t size) const;
    void log_change(const std::string& what) const;
    void power_fail_method(); // SC_METHOD at each --power-fail-at
    void power_fail();
    backend::file_backend& claim_memdev(const std::string& memdev, const std::string& who);

    virt_config config_;
    unsigned char* ram_data_ = nullptr;
    std::vector<unsigned char> rom_data_;
    std::vector<std::unique_ptr<backend::file_backend>> backends_;
    std::unique_ptr<pmem::cpu_cache> pmem_cache_; // in front of every timed NVDIMM
    std::vector<std::unique_ptr<nvdimm::nvdimm_device>> nvdimms_;
    std::unique_ptr<nvdimm::nvdimm_root> nvdimm_root_;
    std::vector<nvdimm::spa_range> ranges_;
    acpi::placed_tables acpi_;
    std::vector<std::string> busy_memdevs_;
    std::uint64_t next_device_memory_ = virt_map::device_memory_base;
    std::unique_ptr<pci::pci_host> pci_;
    std::vector<std::unique_ptr<virtio::virtio_pmem_function>> pmem_devices_;
    // Unplugged devices: their request servers may still wake up once, so they stay until the end.
    std::vector<std::unique_ptr<virtio::virtio_pmem_function>> retired_devices_;
    unsigned virtio_pmems_made_ = 0;
    std::vector<root_port> root_ports_;
    std::vector<const nvdimm::nvdimm*> hotplugged_dimms_;
    std::vector<removed_virtio_pmem> removed_;
    std::list<tracked_pmem> tracked_;
    sc_core::sc_event power_fail_event_;
    bool started_ = false; // start_of_simulation has loaded the guest
    std::size_t next_power_fail_ = 0;
    unsigned power_failures_ = 0;
    std::vector<std::pair<std::string, pmem::finding>> failure_findings_;

public:
    router bus;
    memory_target rom;
    memory_target ram;
    peripherals::clint clint;
    peripherals::plic plic;
    peripherals::uart16550 uart;
    peripherals::test_finisher finisher;
    riscv::hart cpu;
    tlm_utils::simple_initiator_socket<virt_platform> debug; // loaders and tools

private:
    std::string load_error_;
    std::string stuck_reason_;
    std::uint64_t stuck_pc_ = 0;
    bool finished_ = false;
    int exit_status_ = 0;
    sc_core::sc_time exit_time_;
    std::uint64_t resets_ = 0;
};

} // namespace pmemvp::platform
