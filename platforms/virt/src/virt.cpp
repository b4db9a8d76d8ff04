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
    load_guest(); // as on a real reset, the boot images are loaded again
    cpu.reset();
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
    for (auto& t : tracked_) {
        for (const auto& f : t.domain->power_fail(config_.failure_policy, sc_core::sc_time_stamp())) {
            failure_findings_.emplace_back(t.name, f);
            // The file gets exactly the durable content back.
            t.file->persist(f.address, pmem::persistence_domain::line);
        }
        if (t.target) t.target->invalidate_dmi(); // what initiators had mapped has changed under them
    }
    for (auto* t : striped_targets_) t->invalidate_dmi();
    if (pmem_cache_) pmem_cache_->clear();
    for (auto& m : media_timings_) m->power_cycle();
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
        return;
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
        nvdimms_.push_back(std::make_unique<nvdimm::nvdimm>(o, backend, static_cast<unsigned>(slot)));
    }
    // SPA ranges: the interleave sets, then every other DIMM on its own, 1 GiB aligned.
    auto find_dimm = [&](const std::string& id, const std::string& set) {
        for (auto& d : nvdimms_) if (d->id() == id) return d.get();
        throw config_error("-object nvdimm-interleave '" + set + "': no -device nvdimm with id '" + id + "'");
    };
    std::vector<const nvdimm::nvdimm*> in_a_set;
    auto add_range = [&](nvdimm::spa_range r) {
        r.base = next_device_memory_;
        r.index = r.dimms.front()->spa_index();
        next_device_memory_ += (r.size + device_memory_align - 1) & ~(device_memory_align - 1);
        ranges_.push_back(std::move(r));
    };
    for (const auto& set : config_.interleave_sets) {
        nvdimm::spa_range r;
        r.granularity = set.granularity;
        std::uint64_t per_dimm = ~0ull;
        for (const auto& id : set.dimms) {
            nvdimm::nvdimm* d = find_dimm(id, set.id);
            if (std::find(in_a_set.begin(), in_a_set.end(), d) != in_a_set.end())
                throw config_error("-object nvdimm-interleave '" + set.id + "': nvdimm '" + id +
                                   "' is already in an interleave set");
            in_a_set.push_back(d);
            r.dimms.push_back(d);
            per_dimm = std::min(per_dimm, d->pmem_size() & ~(set.granularity - 1));
        }
        if (per_dimm == 0)
            throw config_error("-object nvdimm-interleave '" + set.id + "': the DIMMs hold less "
                               "than one line of granularity " + util::hex(set.granularity));
        r.size = per_dimm * r.dimms.size();
        add_range(std::move(r));
    }
    std::vector<nvdimm::nvdimm*> by_slot;
    for (auto& d : nvdimms_) by_slot.push_back(d.get());
    std::sort(by_slot.begin(), by_slot.end(), [](auto* a, auto* b) { return a->slot() < b->slot(); });
    for (nvdimm::nvdimm* d : by_slot) {
        if (std::find(in_a_set.begin(), in_a_set.end(), d) != in_a_set.end()) continue;
        nvdimm::spa_range r;
        r.size = d->pmem_size();
        r.dimms.push_back(d);
        add_range(std::move(r));
    }
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
    unsigned slot = 1;
    for (const auto& o : config_.virtio_pmems) {
        const std::string who = "-device virtio-pmem-pci '" + o.id + "'";
        backend::file_backend& backend = claim_memdev(o.memdev, who);
        if (backend.size() % 4096)
            throw config_error(who + ": memdev size must be a multiple of 4K");
        std::uint64_t address = next_device_memory_;
        if (o.memaddr) {
            address = *o.memaddr;
            if (address < device_memory_base)
                throw config_error(who + ": memaddr " + util::hex(address) + " is below device memory (" +
                                   util::hex(device_memory_base) + ")");
        } else {
            next_device_memory_ += (backend.size() + device_memory_align - 1) & ~(device_memory_align - 1);
        }
        const std::string name = "virtio-pmem" + std::to_string(pmem_devices_.size());
        auto device = std::make_unique<virtio::virtio_pmem>(name.c_str(), o, backend, address);
        bus.map(address, backend.size(), device->pmem_target().socket, name);
        auto transport = std::make_unique<virtio::virtio_pci>(name + ".pci", *device, *pci_);
        pci_->attach(*transport, slot++);
        tracked_.push_back({name, &backend, &device->pmem_target(), &device->domain()});
        tracked_.back().base = address;
        tracked_.back().size = backend.size();
        pmem_devices_.push_back(std::move(device));
        pmem_transports_.push_back(std::move(transport));
    }
}

void virt_platform::map_nvdimms() {
    if (nvdimms_.empty()) return;
    std::vector<nvdimm::nvdimm*> dimms;
    for (auto& d : nvdimms_) dimms.push_back(d.get());
    nvdimm_ctrl_ = std::make_unique<nvdimm::controller>("nvdimm", dimms, ranges_);
    bus.map(nvdimm_control_base, nvdimm::max_slots * nvdimm::controller::page_size,
            nvdimm_ctrl_->control, "nvdimm-control");
    nvdimm_ctrl_->dma.bind(bus.in);
    nvdimm_ctrl_->set_dma_windows({{ram_base, config_.ram_size}});
    for (const auto& r : ranges_) {
        const std::string name = "pmem" + std::to_string(r.index);
        const bool writable = std::all_of(r.dimms.begin(), r.dimms.end(), [](auto* d) { return !d->readonly(); });
        if (r.granularity) {
            std::vector<unsigned char*> ways;
            for (auto* d : r.dimms) ways.push_back(d->pmem());
            auto t = std::make_unique<striped_memory_target>(name.c_str(), ways, r.per_dimm_size(),
                                                             r.granularity, writable);
            std::string ids;
            for (auto* d : r.dimms)
                if (d->readonly()) ids += (ids.empty() ? "'" : ", '") + d->memdev().id() + "'";
            t->set_description("the interleave set '" + name + "' (memory-backend-file " + ids + ", readonly=on)");
            bus.map(r.base, r.size, t->socket, name);
            // One persistence domain per DIMM, in DIMM offsets.
            std::vector<store_observer*> observers;
            std::vector<access_timing*> timings;
            for (auto* d : r.dimms) {
                observers.push_back(make_dimm_domain(*d, r.per_dimm_size()));
                pmem::pmem_timing* timing = make_dimm_timing(*d);
                if (timing) timings.push_back(timing);
                tracked_.push_back({name + "/" + d->id(), &d->memdev(), nullptr, nvdimm_domains_.back().get(), d, timing,
                                    r.base, r.size, static_cast<unsigned>(r.dimms.size()),
                                    static_cast<unsigned>(observers.size() - 1), r.granularity});
            }
            t->set_store_observers(observers);
            t->set_access_timings(timings);
            striped_targets_.push_back(t.get());
            pmem_targets_.push_back(std::move(t));
        } else {
            auto t = std::make_unique<memory_target>(name.c_str(), r.dimms[0]->pmem(), r.size, writable);
            t->set_description("NVDIMM '" + r.dimms[0]->id() + "' (memory-backend-file '" +
                               r.dimms[0]->memdev().id() + "', readonly=on)");
            bus.map(r.base, r.size, t->socket, name);
            // Persistence tracking of the DIMM's range.
            t->set_store_observer(make_dimm_domain(*r.dimms[0], r.size));
            pmem::pmem_timing* timing = make_dimm_timing(*r.dimms[0]);
            t->set_access_timing(timing);
            tracked_.push_back({name, &r.dimms[0]->memdev(), t.get(), nvdimm_domains_.back().get(), r.dimms[0], timing,
                                r.base, r.size});
            pmem_targets_.push_back(std::move(t));
        }
    }
    nvdimm_ctrl_->on_flush_hint = [this](unsigned slot, const sc_core::sc_time& now) {
        sc_core::sc_time done = now;
        for (auto& t : tracked_)
            if (t.dimm && t.dimm->slot() == slot) {
                t.domain->drain(sc_core::sc_time_stamp());
                if (t.timing) done = std::max(done, t.timing->media().drain(now));
            }
        return done;
    };
}

pmem::persistence_domain* virt_platform::make_dimm_domain(const nvdimm::nvdimm& dimm, std::uint64_t size) {
    nvdimm_domains_.push_back(std::make_unique<pmem::persistence_domain>(dimm.pmem(), size, config_.persistence));
    backend::file_backend& file = dimm.memdev();
    nvdimm_domains_.back()->prepare_stores_with([&file](std::uint64_t offset) { file.prepare_store(offset); });
    return nvdimm_domains_.back().get();
}

pmem::pmem_timing* virt_platform::make_dimm_timing(const nvdimm::nvdimm& dimm) {
    if (!config_.pmem_timing) return nullptr;
    if (!pmem_cache_) pmem_cache_ = std::make_unique<pmem::cpu_cache>(*config_.pmem_timing);
    media_timings_.push_back(std::make_unique<pmem::media_timing>(*config_.pmem_timing));
    dimm_timings_.push_back(std::make_unique<pmem::pmem_timing>(*pmem_cache_, *media_timings_.back(), dimm.slot()));
    return dimm_timings_.back().get();
}

void virt_platform::build_acpi() {
    std::vector<acpi::table> tables;
    if (!nvdimms_.empty()) {
        acpi::nfit_config nfit;
        nfit.capabilities = config_.nvdimm_persistence;
        for (const auto& r : ranges_) {
            nfit.spas.push_back({r.index, r.base, r.size, r.dimms[0]->options().node});
            for (unsigned pos = 0; pos < r.dimms.size(); ++pos) {
                const nvdimm::nvdimm& d = *r.dimms[pos];
                acpi::nfit_dimm m;
                m.handle = d.handle();
                m.spa_index = r.index;
                m.dcr_index = d.dcr_index();
                m.serial = d.serial();
                m.unarmed = d.unarmed();
                m.region_size = r.per_dimm_size();
                m.region_offset = r.spa_offset(pos, 0);
                m.interleave_ways = static_cast<std::uint16_t>(r.dimms.size());
                if (r.granularity) {
                    m.interleave_index = static_cast<std::uint16_t>(d.handle());
                    nfit.interleaves.push_back({m.interleave_index, static_cast<std::uint32_t>(r.granularity), {pos}});
                }
                for (unsigned i = 0; i < d.options().flush_hints; ++i)
                    m.flush_hints.push_back(nvdimm_control_base + d.slot() * nvdimm::controller::page_size +
                                            nvdimm::controller::flush_hint_offset + 8 * i);
                nfit.dimms.push_back(m);
            }
        }
        tables.push_back(acpi::build_nfit(nfit));
    }
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
