// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/virt.h"

#include "pmemvp/platform/device_tree.h"
#include "pmemvp/platform/elf_loader.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cstring>
#include <sys/mman.h>
#include <sys/stat.h>

namespace pmemvp::platform {

using namespace virt_map;

namespace {

unsigned char* map_ram(std::uint64_t size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw config_error("-m " + util::hex(size) + ": cannot reserve that much host memory for "
                           "guest RAM; give a smaller -m");
    return static_cast<unsigned char*>(p);
}

std::uint64_t checked_ram_size(std::uint64_t size) {
    if (size < (1u << 20) || size % 4096)
        throw config_error("-m " + util::hex(size) + ": RAM must be at least 1M and a multiple "
                                                     "of 4K, e.g. -m 256M");
    if (size > (1ull << 40))
        throw config_error("-m " + util::hex(size) + ": more than 1T of RAM is not supported");
    return size;
}

} // namespace

virt_platform::virt_platform(const sc_core::sc_module_name& name, const virt_config& config)
    : sc_module(name), config_(config),
      ram_data_(map_ram(checked_ram_size(config.ram_size))), rom_data_(rom_size),
      bus("bus"), rom("rom", rom_data_.data(), rom_size, false),
      ram("ram", ram_data_, config.ram_size, true), clint("clint"), plic("plic"),
      uart("uart", config.uart_out), finisher("finisher"), cpu("cpu", config.cpu),
      debug("debug") {
    create_backends();
    create_nvdimms();

    bus.map(rom_base, rom_size, rom.socket, "rom");
    bus.map(finisher_base, finisher_size, finisher.socket, "finisher");
    bus.map(clint_base, clint_size, clint.socket, "clint");
    bus.map(plic_base, plic_size, plic.socket, "plic");
    bus.map(uart_base, uart_size, uart.socket, "uart");
    bus.map(ram_base, config.ram_size, ram.socket, "ram");
    map_nvdimms();
    create_pci();
    cpu.socket.bind(bus.in);
    debug.bind(bus.in);
    build_acpi();

    clint.msip.bind(cpu, riscv::irq_msi);
    clint.mtip.bind(cpu, riscv::irq_mti);
    plic.context_irq[0].bind(cpu, riscv::irq_mei);
    plic.context_irq[1].bind(cpu, riscv::irq_sei); // the S-mode context (Linux)
    uart.irq.bind(plic, uart_irq);

    finisher.on_exit = [this](int status, const sc_core::sc_time& when) {
        finished_ = true;
        exit_status_ = status;
        exit_time_ = when;
        cpu.halt();
        sc_core::sc_stop();
    };
    cpu.on_stuck = [this](const std::string& why, std::uint64_t pc) {
        stuck_reason_ = why;
        stuck_pc_ = pc;
        sc_core::sc_stop();
    };
    finisher.on_reset = [this](const sc_core::sc_time&) {
        system_reset();
    };
    rom.allow_debug_writes(true);
    finisher.on_power_fail = [this](const sc_core::sc_time&) { power_fail(); };
    // Always there: a monitor may schedule a power failure at run time.
    SC_METHOD(power_fail_method);
    sensitive << power_fail_event_;
    dont_initialize();
    if (!config_.power_fail_at.empty()) power_fail_event_.notify(config_.power_fail_at.front());
}

void virt_platform::power_fail_method() {
    power_fail();
    if (++next_power_fail_ < config_.power_fail_at.size())
        power_fail_event_.notify(config_.power_fail_at[next_power_fail_] - sc_core::sc_time_stamp());
}

void virt_platform::system_reset() {
    ++resets_;
    if (started_) { // before the start, the guest is still to be loaded
        load_guest(); // as on a real reset, the boot images are loaded again
        cpu.reset();
    }
    if (on_reset) on_reset();
}

void virt_platform::schedule_power_fail(const sc_core::sc_time& at) {
    auto& times = config_.power_fail_at;
    times.insert(times.begin() + next_power_fail_, at); // the next one now, in order
    std::sort(times.begin() + next_power_fail_, times.end());
    power_fail_event_.cancel();
    power_fail_event_.notify(times[next_power_fail_] - sc_core::sc_time_stamp());
}

void virt_platform::power_fail() {
    const std::size_t first_finding = failure_findings_.size();
    ++power_failures_;
    // Each module puts back what its domain guarantees (memory and file) and withdraws DMI.
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    for (auto& t : tracked_) {
        const auto findings = t.device ? t.device->power_fail(config_.failure_policy, now)
                                       : t.virtio->power_fail(config_.failure_policy, now);
        for (const auto& f : findings) failure_findings_.emplace_back(t.name, f);
    }
    if (nvdimm_root_) nvdimm_root_->invalidate_interleave_dmi();
    if (pmem_cache_) pmem_cache_->clear();
    if (on_power_failure) on_power_failure(first_finding);
    if (config_.reboot_after_power_fail) {
        // Power comes back: the guest boots again on what the media kept, as after a reset.
        ++resets_;
        load_guest();
        cpu.reset();
        return;
    }
    cpu.halt();
    sc_core::sc_stop();
}

// The router's sockets are complete only once elaboration is over: load the guest here. Until
// it is loaded, the start may still fail, and the backends would undo what they did to files.
void virt_platform::start_of_simulation() {
    started_ = true;
    load_guest();
    if (load_error_.empty())
        for (auto& b : backends_) b->mark_started();
}

void virt_platform::create_backends() {
    for (const auto& options : config_.memory_backends) {
        auto backend = std::make_unique<backend::file_backend>(options, backend::file_backend::start::pending);
        // Two mappings of one file would each see the other's stores as their own, and two
        // persistence domains would disagree on what is durable.
        struct stat st {};
        if (stat(backend->path().c_str(), &st) == 0)
            for (const auto& other : backends_)
                if (other->same_file(st) && (other->options().share || options.share))
                    throw config_error("memory-backend-file '" + other->id() + "' and '" + options.id +
                                       "' map the same file '" + backend->path() +
                                       "'; give each backend its own file");
        backends_.push_back(std::move(backend));
    }
}

std::string virt_platform::describe_address(std::uint64_t address) const {
    auto backend_text = [](const backend::file_backend& b) {
        return "memory-backend-file '" + b.id() + "' ('" + b.path() + "'" +
               (b.writable() ? "" : ", read-only: readonly=on") + ")";
    };
    for (const auto& r : ranges_)
        if (address >= r.base && address - r.base < r.size) {
            std::string ids;
            for (auto* d : r.dimms) ids += (ids.empty() ? "'" : ", '") + d->id() + "'";
            return "the memory of NVDIMM " + ids + ", backed by " + backend_text(r.dimms[0]->memdev());
        }
    for (const auto& d : pmem_devices_)
        if (address >= d->address() && address - d->address() < d->size())
            return "the memory of virtio-pmem-pci '" + d->id() + "', backed by " + backend_text(d->memdev());
    for (const auto& m : bus.mappings())
        if (address >= m.base && address - m.base < m.size) return "'" + m.name + "'";
    return "";
}

std::optional<pmem_location> virt_platform::locate_pmem(std::uint64_t address) const {
    for (const auto& t : tracked_) {
        if (address < t.base || address - t.base >= t.size) continue;
        const std::uint64_t rel = address - t.base;
        if (t.ways == 1) return pmem_location{&t, rel};
        const auto [way, offset] = locate_stripe(rel, t.ways, t.granularity);
        if (way == t.way) return pmem_location{&t, offset};
    }
    return std::nullopt;
}

virt_platform::~virt_platform() { munmap(ram_data_, config_.ram_size); }

void virt_platform::create_nvdimms() {
    if (config_.nvdimms.empty()) {
        if (!config_.interleave_sets.empty())
            throw config_error("-object nvdimm-interleave: there are no -device nvdimm to interleave");
        if (!config_.nvdimm_enabled) return; // nvdimm=on: a root device for DIMMs added at run time
    }
    if (!config_.nvdimm_enabled)
        throw config_error("nvdimm is not enabled: add 'nvdimm=on' to '-machine', e.g. "
                           "-machine virt,nvdimm=on");
    std::vector<bool> used(nvdimm::max_slots);
    for (const auto& o : config_.nvdimms)
        if (o.slot >= 0) {
            if (used[o.slot])
                throw config_error("-device nvdimm '" + o.id + "': slot " + std::to_string(o.slot) + " is busy");
            used[o.slot] = true;
        }
    for (const auto& o : config_.nvdimms) {
        backend::file_backend& backend = claim_memdev(o.memdev, "-device nvdimm '" + o.id + "'");
        int slot = o.slot;
        if (slot < 0) {
            auto free_slot = std::find(used.begin(), used.end(), false);
            if (free_slot == used.end())
                throw config_error("-device nvdimm '" + o.id + "': no free slots available");
            slot = static_cast<int>(free_slot - used.begin());
            used[slot] = true;
        }
        for (const auto& other : nvdimms_)
            if (!o.id.empty() && other->id() == o.id)
                throw config_error("-device nvdimm: id '" + o.id + "' is used twice");
        nvdimm::nvdimm_device_options d;
        d.dimm = o;
        d.dimm.slot = slot;
        d.persistence = config_.persistence;
        d.timing = config_.pmem_timing;
        d.dsm_windows = {{ram_base, config_.ram_size}}; // a DSM page must be in RAM
        // One CPU cache in front of every DIMM, as on a real machine.
        if (config_.pmem_timing && !pmem_cache_) pmem_cache_ = std::make_unique<pmem::cpu_cache>(*config_.pmem_timing);
        const std::string name = "nvdimm" + std::to_string(slot);
        nvdimms_.push_back(std::make_unique<nvdimm::nvdimm_device>(name.c_str(), d, backend, pmem_cache_.get()));
    }
    // The root lays out the SPA ranges: the interleave sets, then every other DIMM on its own,
    // 1 GiB aligned.
    nvdimm::nvdimm_root_options r;
    r.interleave_sets = config_.interleave_sets;
    r.base = next_device_memory_;
    r.align = device_memory_align;
    r.control_base = nvdimm_control_base;
    r.capabilities = config_.nvdimm_persistence;
    r.slots = config_.memory_slots; // -m ...,slots=N: what device_add may use
    r.device_memory_end = pcie_mmio64_base; // the size check is QEMU's, in hotplug_address
    r.dsm_windows = {{ram_base, config_.ram_size}};
    std::vector<nvdimm::nvdimm_device*> dimms;
    for (auto& d : nvdimms_) dimms.push_back(d.get());
    nvdimm_root_ = std::make_unique<nvdimm::nvdimm_root>("nvdimm", r, dimms);
    ranges_ = nvdimm_root_->ranges();
    next_device_memory_ = nvdimm_root_->end();
}

backend::file_backend& virt_platform::claim_memdev(const std::string& memdev, const std::string& who) {
    auto backend = std::find_if(backends_.begin(), backends_.end(),
                                [&](const auto& b) { return b->id() == memdev; });
    if (backend == backends_.end())
        throw config_error(who + ": memdev '" + memdev + "' not found; define it with "
                           "-object memory-backend-file,id=" + memdev + ",mem-path=FILE,size=SIZE,share=on");
    if (std::find(busy_memdevs_.begin(), busy_memdevs_.end(), memdev) != busy_memdevs_.end())
        throw config_error(who + ": can't use already busy memdev: " + memdev);
    busy_memdevs_.push_back(memdev);
    return **backend;
}

void virt_platform::create_pci() {
    pci_ = std::make_unique<pci::pci_host>("pcie", pcie_mmio_base, pcie_mmio_size,
                                           std::vector<pci::dma_window>{{ram_base, config_.ram_size}},
                                           pcie_mmio64_base, pcie_mmio64_size);
    bus.map(pcie_ecam_base, pcie_ecam_size, pci_->ecam, "pcie-ecam");
    bus.map(pcie_mmio_base, pcie_mmio_size, pci_->mmio, "pcie-mmio");
    bus.map(pcie_mmio64_base, pcie_mmio64_size, pci_->mmio64, "pcie-mmio64");
    pci_->dma.bind(bus.in);
    for (unsigned i = 0; i < 4; ++i) pci_->intx[i].bind(plic, pcie_irq + i);
    // Bus-0 device numbers: root ports with addr= first, then the virtio-pmem devices on bus 0
    // in order, then the other root ports.
    std::vector<bool> used(pci::pci_host::max_devices);
    used[0] = true; // where QEMU has its host bridge
    for (const auto& o : config_.root_ports)
        if (o.addr) {
            if (used[*o.addr])
                throw config_error("-device pcie-root-port '" + o.id + "': PCI: slot " + std::to_string(*o.addr) +
                                   " function 0 not available for pcie-root-port, in use by another device");
            used[*o.addr] = true;
        }
    auto next_free = [&used](const std::string& who) {
        const auto free = std::find(used.begin(), used.end(), false);
        if (free == used.end()) throw config_error(who + ": PCI bus 0 is full (31 devices)");
        *free = true;
        return static_cast<unsigned>(free - used.begin());
    };
    for (const auto& o : config_.virtio_pmems)
        if (o.bus.empty()) add_virtio_pmem(o, nullptr, next_free("-device virtio-pmem-pci '" + o.id + "'"), false);
    create_root_ports(used);
    for (const auto& o : config_.virtio_pmems) {
        if (o.bus.empty()) continue;
        const auto port = std::find_if(root_ports_.begin(), root_ports_.end(), [&](const root_port& p) { return p.id == o.bus; });
        if (port == root_ports_.end())
            throw config_error("-device virtio-pmem-pci '" + o.id + "': Bus '" + o.bus + "' not found; give the id "
                               "of a -device pcie-root-port");
        if (port->plugged)
            throw config_error("-device virtio-pmem-pci '" + o.id + "': pcie-root-port '" + o.bus +
                               "' holds '" + port->plugged->id() + "' already; one device per root port");
        add_virtio_pmem(o, &*port, 0, false);
    }
}

void virt_platform::create_root_ports(std::vector<bool>& used) {
    for (const auto& o : config_.root_ports) {
        for (const auto& other : root_ports_)
            if (other.id == o.id) throw config_error("-device pcie-root-port: id '" + o.id + "' is used twice");
        unsigned device = 0;
        if (o.addr) {
            device = *o.addr;
        } else {
            const auto free = std::find(used.begin(), used.end(), false);
            if (free == used.end()) throw config_error("-device pcie-root-port '" + o.id + "': PCI bus 0 is full");
            *free = true;
            device = static_cast<unsigned>(free - used.begin());
        }
        root_port p{o.id, device, std::make_unique<pci::pcie_root_port>(std::string(name()) + "." + o.id, o.slot)};
        pci_->attach(*p.port, device);
        root_ports_.push_back(std::move(p));
    }
    // The slot callbacks hold the port's place in root_ports_: set them once it no longer moves.
    for (auto& p : root_ports_)
        p.port->on_power_off([this, &p](pci::pci_device&) {
            if (p.plugged) finish_unplug(p);
        });
}

void virt_platform::add_virtio_pmem(const virtio::virtio_pmem_options& o, root_port* port, unsigned device, bool hot) {
    const std::string who = "-device virtio-pmem-pci '" + o.id + "'";
    for (const auto& d : pmem_devices_)
        if (!o.id.empty() && d->id() == o.id) throw config_error(who + ": Duplicate device ID '" + o.id + "'");
    auto backend = std::find_if(backends_.begin(), backends_.end(), [&](const auto& b) { return b->id() == o.memdev; });
    if (backend != backends_.end() && (*backend)->size() % 4096)
        throw config_error(who + ": memdev size must be a multiple of 4K");
    virtio::virtio_pmem_options options = o;
    if (hot) {
        if (o.memaddr) throw config_error(who + ": memaddr cannot be given to device_add; the platform places it");
        if (backend != backends_.end()) options.memaddr = hotplug_address((*backend)->size());
    } else if (o.memaddr) {
        if (*o.memaddr < device_memory_base)
            throw config_error(who + ": memaddr " + util::hex(*o.memaddr) + " is below device memory (" +
                               util::hex(device_memory_base) + ")");
    } else {
        options.memaddr = next_device_memory_;
    }
    backend::file_backend& file = claim_memdev(o.memdev, who); // the last check: it marks the memdev busy
    if (!o.memaddr || hot)
        next_device_memory_ = *options.memaddr + ((file.size() + device_memory_align - 1) & ~(device_memory_align - 1));
    const std::string name = "virtio-pmem" + std::to_string(virtio_pmems_made_++);
    auto function = std::make_unique<virtio::virtio_pmem_function>(std::string(this->name()) + "." + name, options,
                                                                   file, *pci_);
    if (const std::string why = bus.map_at_run_time(*options.memaddr, function->pmem_target(), name); !why.empty()) {
        busy_memdevs_.erase(std::find(busy_memdevs_.begin(), busy_memdevs_.end(), o.memdev));
        throw config_error(who + ": " + why);
    }
    tracked_pmem t{name, &file, &function->pmem_target(), &function->domain()};
    t.base = *options.memaddr;
    t.size = file.size();
    t.virtio = function.get();
    tracked_.push_back(t);
    if (port) {
        port->plugged = function.get();
        port->unplug_requested = false;
        port->port->plug(function->transport());
    } else {
        pci_->attach(function->transport(), device);
    }
    pmem_devices_.push_back(std::move(function));
    if (hot && on_memory_added) on_memory_added(tracked_.back());
}

void virt_platform::map_nvdimms() {
    if (!nvdimm_root_) return;
    // The root device's page (Read FIT, its interrupt): where guests find hot-plugged DIMMs.
    bus.map(nvdimm_control_base + NVDIMM_ROOT_PAGE_OFFSET, nvdimm::control_page::page_size, nvdimm_root_->control,
            "nvdimm-root");
    nvdimm_root_->dma.bind(bus.in);
    nvdimm_root_->irq.bind(plic, NVDIMM_ROOT_IRQ_VIRT);
    for (auto& d : nvdimms_) {
        const unsigned slot = d->dimm().slot();
        bus.map(nvdimm_control_base + slot * nvdimm::control_page::page_size, nvdimm::control_page::page_size,
                d->control, "nvdimm" + std::to_string(slot) + "-control");
        d->dma.bind(bus.in); // DSM pages
    }
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
        const nvdimm::spa_range& r = ranges_[i];
        const std::string name = "pmem" + std::to_string(r.index);
        bus.map(r.base, r.size, nvdimm_root_->range_socket(i), name);
        for (unsigned way = 0; way < r.dimms.size(); ++way) {
            nvdimm::nvdimm_core& d = nvdimm_root_->core_of(*r.dimms[way]);
            tracked_pmem t{r.granularity ? name + "/" + d.id() : name, &d.file(),
                           r.granularity ? nullptr : &d.pmem_target(), &d.domain(), &d.dimm(), d.timing()};
            t.base = r.base;
            t.size = r.size;
            t.ways = static_cast<unsigned>(r.dimms.size());
            t.way = way;
            t.granularity = r.granularity;
            t.device = &d;
            tracked_.push_back(t);
        }
    }
}

void virt_platform::build_acpi() {
    std::vector<acpi::table> tables;
    if (nvdimm_root_) tables.push_back(nvdimm_root_->nfit());
    acpi_ = acpi::place_tables(acpi_base, tables);
    const std::uint64_t offset = acpi_base - rom_base;
    if (offset + acpi_.image.size() > rom_size)
        throw config_error("the ACPI tables (" + std::to_string(acpi_.image.size()) +
                           " bytes) do not fit the boot ROM; use fewer NVDIMMs");
    std::memcpy(rom_data_.data() + offset, acpi_.image.data(), acpi_.image.size());
}

namespace {
constexpr std::uint64_t kernel_offset = 2ull << 20; // a payload's place after the firmware, as fw_jump expects
const char* const default_firmware = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";

bool is_elf(const std::vector<unsigned char>& file) {
    return file.size() >= 4 && std::memcmp(file.data(), "\177ELF", 4) == 0;
}

std::uint64_t file_size(const std::string& path, const std::string& what) {
    return read_guest_file(path, what).size();
}
} // namespace

std::string virt_platform::firmware() const {
    if (config_.bios == "none") return "";
    if (!config_.bios.empty() && config_.bios != "default") return config_.bios;
    // No -bios, or -bios default: firmware only for a Linux Image, as QEMU would give one.
    const auto kernel = read_guest_file(config_.kernel, "-kernel '" + config_.kernel + "'");
    if (!parse_linux_image(kernel).valid) return "";
    struct stat st {};
    if (stat(default_firmware, &st) != 0)
        throw config_error("-kernel '" + config_.kernel + "' is a Linux Image, which needs SBI firmware, "
                           "and the default " + std::string(default_firmware) + " is not installed: "
                           "apt-get install opensbi, or give -bios FILE");
    return default_firmware;
}

virt_platform::boot_layout virt_platform::layout(std::uint64_t dtb_size) const {
    boot_layout l;
    const std::uint64_t ram_end = ram_base + config_.ram_size;
    l.dtb = (ram_end - dtb_size) & ~0xfffull; // the top of RAM: far from the images at its base
    if (!config_.initrd.empty()) {
        const std::uint64_t size = file_size(config_.initrd, "-initrd '" + config_.initrd + "'");
        if (size + dtb_size + kernel_offset >= config_.ram_size)
            throw config_error("-initrd '" + config_.initrd + "': " + std::to_string(size) +
                               " bytes do not fit in RAM with the kernel and the device tree; "
                               "give a larger -m");
        l.initrd_start = (l.dtb - size) & ~0xfffull;
        l.initrd_end = l.initrd_start + size;
    }
    return l;
}

std::vector<unsigned char> virt_platform::device_tree() const {
    device_tree_config c;
    c.ram_base = ram_base;
    c.ram_size = config_.ram_size;
    c.timebase_hz = static_cast<std::uint32_t>(1.0 / config_.cpu.timebase_period.to_seconds() + 0.5);
    c.bootargs = config_.append;
    for (const auto& r : ranges_)
        c.pmem.push_back({r.base, r.size, !r.dimms[0]->memdev().options().share});
    auto build = [&] {
        if (config_.dtb.empty()) return build_device_tree(c);
        const std::string what = "-dtb '" + config_.dtb + "'";
        return update_chosen(read_guest_file(config_.dtb, what, 16u << 20), what, c);
    };
    if (config_.initrd.empty()) return build();
    // The initrd's place depends on the blob's size, which its two properties fix: build once
    // with stand-in values, place, build again.
    c.initrd_start = ram_base;
    c.initrd_end = ram_base + 1;
    const boot_layout l = layout(build().size());
    c.initrd_start = l.initrd_start;
    c.initrd_end = l.initrd_end;
    return build();
}

void virt_platform::load_guest() {
    try {
        const std::vector<load_region> ram{{ram_base, config_.ram_size}};
        const auto describe = [this](std::uint64_t a) { return describe_address(a); };
        auto& bus = *debug.operator->();
        const std::string kernel_what = "-kernel '" + config_.kernel + "'";
        const std::string fw = firmware();
        std::uint64_t entry = 0, kernel_end = ram_base;
        if (fw.empty()) {
            const auto kernel = read_guest_file(config_.kernel, kernel_what);
            if (parse_linux_image(kernel).valid)
                throw config_error(kernel_what + " is a Linux Image, which needs SBI firmware: drop "
                                   "-bios none, or give -bios FILE (e.g. OpenSBI's fw_jump.elf)");
            entry = load_elf(config_.kernel, kernel_what, ram, describe, bus).entry;
        } else {
            // Firmware at RAM's base; the payload 2 MiB above, where fw_jump jumps.
            const std::string fw_what = "-bios '" + fw + "'";
            const auto firmware_file = read_guest_file(fw, fw_what);
            if (is_elf(firmware_file)) {
                entry = load_elf(fw, fw_what, ram, describe, bus).entry;
            } else {
                load_raw(firmware_file, ram_base, fw_what, ram, describe, bus);
                entry = ram_base;
            }
            const auto kernel = read_guest_file(config_.kernel, kernel_what);
            if (const linux_image image = parse_linux_image(kernel); image.valid) {
                std::vector<unsigned char> padded = kernel;
                padded.resize(image.memory_size); // its .bss, zeroed
                load_raw(padded, ram_base + kernel_offset, kernel_what, ram, describe, bus);
                kernel_end = ram_base + kernel_offset + image.memory_size;
            } else {
                load_elf(config_.kernel, kernel_what, ram, describe, bus);
            }
        }
        const std::vector<unsigned char> dtb = device_tree();
        const boot_layout l = layout(dtb.size());
        if (l.dtb < kernel_end || (l.initrd_end && l.initrd_start < kernel_end))
            throw config_error(kernel_what + ": the kernel, initrd and device tree do not fit in " +
                               util::hex(config_.ram_size) + " bytes of RAM; give a larger -m");
        if (!config_.initrd.empty()) {
            const std::string what = "-initrd '" + config_.initrd + "'";
            load_raw(read_guest_file(config_.initrd, what), l.initrd_start, what, ram, describe, bus);
        }
        load_raw(dtb, l.dtb, "the device tree", ram, describe, bus);
        write_boot_rom(entry, l.dtb);
    } catch (const config_error& e) {
        load_error_ = e.what();
        cpu.halt();
        sc_core::sc_stop();
    }
}

void virt_platform::write_boot_rom(std::uint64_t entry, std::uint64_t dtb_address) {
    // Reset vector: a0 = hart id, a1 = the device tree, a2 = ACPI RSDP (for bare-metal
    // guests), then jump to the entry (firmware or program), as QEMU virt's boot ROM does.
    const std::uint32_t code[] = {
        0x00000297, // auipc t0, 0
        0xf1402573, // csrr  a0, mhartid
        0x0182b583, // ld    a1, 24(t0)
        0x0202b603, // ld    a2, 32(t0)
        0x0282b283, // ld    t0, 40(t0)
        0x00028067, // jr    t0
    };
    const std::uint64_t data[] = {dtb_address, acpi_.rsdp_address, entry};
    std::memcpy(rom_data_.data(), code, sizeof code);
    std::memcpy(rom_data_.data() + sizeof code, data, sizeof data);
}

} // namespace pmemvp::platform
