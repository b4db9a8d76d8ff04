// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/nvdimm_root.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::nvdimm {

nvdimm_root::nvdimm_root(const sc_core::sc_module_name& name, const nvdimm_root_options& options,
                         std::vector<nvdimm_device*> dimms)
    : sc_module(name), control("control"), dma("dma"), options_(options), dimms_(std::move(dimms)),
      cores_(dimms_.begin(), dimms_.end()),
      root_page_(std::string(this->name()) + ".page", 0, NVDIMM_IRQ_DSM_DONE | NVDIMM_IRQ_FIT_CHANGED),
      end_(options.base) {
    if (options_.align == 0 || (options_.align & (options_.align - 1)))
        throw config_error("nvdimm_root: align " + util::hex(options_.align) + " must be a power of two");
    check_slots();
    lay_out_ranges();
    std::vector<nvdimm*> all;
    for (auto* d : dimms_) all.push_back(&d->dimm());
    dsm_ = std::make_unique<dsm_handler>(all, ranges_);
    for (auto* d : dimms_) d->use_dsm(*dsm_); // any DIMM's doorbell reaches the root's functions
    for (std::size_t i = 0; i < ranges_.size(); ++i) make_interleave_target(i);
    dsm_->set_fit(fit());

    root_page_.use_dsm(*dsm_);
    root_page_.set_dma_windows(options_.dsm_windows);
    root_page_.on_irq = [this](bool level) { irq.set(level); };
    control.register_b_transport(this, &nvdimm_root::root_page_b_transport);
    control.register_transport_dbg(this, &nvdimm_root::root_page_dbg);
}

nvdimm_root::~nvdimm_root() = default;

// Only a bound dma socket can move the root page's DSM pages (and hot-plugged DIMMs').
void nvdimm_root::end_of_elaboration() {
    if (!dma.get_base_port().size()) return;
    root_page_.dma = [this](tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay) {
        return dsm_dma(cmd, address, page, delay);
    };
}

bool nvdimm_root::dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay) {
    return dsm_page_dma(*dma.operator->(), cmd, address, page, delay);
}

std::string nvdimm_root::choose_slot(int asked, unsigned& slot) const {
    if (options_.slots == 0) return "no slots where allocated, please specify the 'slots' option"; // QEMU's words
    auto busy = [&](unsigned s) {
        return std::any_of(cores_.begin(), cores_.end(), [&](auto* c) { return c->dimm().slot() == s; });
    };
    const unsigned slots = std::min(options_.slots, max_slots);
    if (asked >= 0) {
        if (static_cast<unsigned>(asked) >= slots)
            return "invalid slot# " + std::to_string(asked) + ", should be less than " + std::to_string(slots);
        if (busy(static_cast<unsigned>(asked))) return "slot " + std::to_string(asked) + " is busy";
        slot = static_cast<unsigned>(asked);
        return "";
    }
    for (slot = 0; slot < slots; ++slot)
        if (!busy(slot)) return "";
    return "no free slots available";
}

hotplug_result nvdimm_root::hotplug(const nvdimm_device_options& options, backend::file_backend& file,
                                    pmem::cpu_cache* cache) {
    hotplug_result result;
    const std::string who = "-device nvdimm '" + options.dimm.id + "': ";
    unsigned slot = 0;
    if (std::string why = choose_slot(options.dimm.slot, slot); !why.empty()) {
        result.error = who + why;
        return result;
    }
    if (!options.dimm.id.empty())
        for (auto* c : cores_)
            if (c->id() == options.dimm.id) {
                result.error = "Duplicate ID '" + options.dimm.id + "' for device"; // QEMU's words
                return result;
            }
    nvdimm_device_options o = options;
    o.dimm.slot = static_cast<int>(slot);
    if (o.dsm_windows.empty()) o.dsm_windows = options_.dsm_windows;
    try {
        // The range's size comes from the DIMM's label area and the file's alignment: ask a
        // plain nvdimm (it changes nothing) before making the core at the right base.
        const std::uint64_t size = nvdimm(o.dimm, file, slot).pmem_size();
        const std::uint64_t base = end_, aligned = (size + options_.align - 1) & ~(options_.align - 1);
        if (options_.device_memory_end &&
            (base > options_.device_memory_end || size > options_.device_memory_end - base)) {
            // QEMU's words; "in use" counts what is laid out, alignment gaps included.
            result.error = who + "not enough space, currently " + util::hex(end_ - options_.base) +
                           " in use of total space for memory devices " +
                           util::hex(options_.device_memory_end - options_.base);
            return result;
        }
        o.base = base;
        auto core = std::make_unique<nvdimm_core>("nvdimm" + std::to_string(slot), o, file, cache);
        spa_range r;
        r.index = core->dimm().spa_index();
        r.base = base;
        r.size = size;
        r.dimms.push_back(&core->dimm());
        // From here on nothing can fail: the root takes the DIMM.
        ranges_.push_back(r);
        striped_.push_back(nullptr);
        end_ = base + aligned;
        dsm_->add(&core->dimm(), r);
        core->use_dsm(*dsm_);
        if (dma.get_base_port().size())
            core->set_dsm_dma([this](tlm::tlm_command cmd, std::uint64_t address, unsigned char* page,
                                     sc_core::sc_time& delay) { return dsm_dma(cmd, address, page, delay); });
        result.dimm = core.get();
        result.range = r;
        cores_.push_back(core.get());
        plugged_.push_back(std::move(core));
    } catch (const config_error& e) {
        result.error = e.what(); // the DIMM cannot be made (label area, options): nothing changed
        return result;
    }
    dsm_->set_fit(fit()); // a Read FIT in progress now answers "FIT changed"
    root_page_.raise(NVDIMM_IRQ_FIT_CHANGED);
    return result;
}

void nvdimm_root::reserve_until(std::uint64_t address) {
    if (address > end_) end_ = (address + options_.align - 1) & ~(options_.align - 1);
}

void nvdimm_root::check_slots() const {
    for (std::size_t i = 0; i < dimms_.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) {
            if (dimms_[i]->dimm().slot() == dimms_[j]->dimm().slot())
                throw config_error("nvdimm_root: NVDIMMs '" + dimms_[j]->id() + "' and '" + dimms_[i]->id() +
                                   "' are both in slot " + std::to_string(dimms_[i]->dimm().slot()) +
                                   "; give each its own slot (0.." + std::to_string(max_slots - 1) + ")");
            if (!dimms_[i]->id().empty() && dimms_[i]->id() == dimms_[j]->id())
                throw config_error("-device nvdimm: id '" + dimms_[i]->id() + "' is used twice");
        }
}

void nvdimm_root::add_range(spa_range r) {
    r.base = end_;
    r.index = r.dimms.front()->spa_index();
    end_ += (r.size + options_.align - 1) & ~(options_.align - 1);
    ranges_.push_back(std::move(r));
}

// The interleave sets, then every other DIMM on its own, by slot.
void nvdimm_root::lay_out_ranges() {
    auto find_dimm = [&](const std::string& id, const std::string& set) {
        for (auto* d : dimms_) if (d->id() == id) return &d->dimm();
        throw config_error("-object nvdimm-interleave '" + set + "': no -device nvdimm with id '" + id + "'");
    };
    std::vector<const nvdimm*> in_a_set;
    for (const auto& set : options_.interleave_sets) {
        spa_range r;
        r.granularity = set.granularity;
        std::uint64_t per_dimm = ~0ull;
        for (const auto& id : set.dimms) {
            nvdimm* d = find_dimm(id, set.id);
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
    std::vector<nvdimm*> by_slot;
    for (auto* d : dimms_) by_slot.push_back(&d->dimm());
    std::sort(by_slot.begin(), by_slot.end(), [](auto* a, auto* b) { return a->slot() < b->slot(); });
    for (nvdimm* d : by_slot) {
        if (std::find(in_a_set.begin(), in_a_set.end(), d) != in_a_set.end()) continue;
        spa_range r;
        r.size = d->pmem_size();
        r.dimms.push_back(d);
        add_range(std::move(r));
    }
}

nvdimm_device& nvdimm_root::device_of(const nvdimm& dimm) const {
    for (auto* d : dimms_) if (&d->dimm() == &dimm) return *d;
    throw std::logic_error("nvdimm_root: a DIMM that is not one of its own (or hot-plugged: use core_of)");
}

nvdimm_core& nvdimm_root::core_of(const nvdimm& dimm) const {
    for (auto* c : cores_) if (&c->dimm() == &dimm) return *c;
    throw std::logic_error("nvdimm_root: a DIMM that is not one of its own");
}

// An interleave set is one memory striped over its DIMMs' pmem, with each DIMM's own
// persistence domain and timing for the lines it holds.
void nvdimm_root::make_interleave_target(std::size_t index) {
    const spa_range& r = ranges_[index];
    striped_.push_back(nullptr);
    if (!r.granularity) return;
    const std::string name = "pmem" + std::to_string(r.index);
    const bool writable = std::all_of(r.dimms.begin(), r.dimms.end(), [](auto* d) { return !d->readonly(); });
    std::vector<unsigned char*> ways;
    for (auto* d : r.dimms) ways.push_back(d->pmem());
    auto t = std::make_unique<striped_memory_target>(name.c_str(), ways, r.per_dimm_size(), r.granularity, writable);
    std::string ids;
    for (auto* d : r.dimms)
        if (d->readonly()) ids += (ids.empty() ? "'" : ", '") + d->memdev().id() + "'";
    t->set_description("the interleave set '" + name + "' (memory-backend-file " + ids + ", readonly=on)");
    std::vector<store_observer*> observers;
    std::vector<access_timing*> timings;
    for (auto* d : r.dimms) {
        nvdimm_core& device = core_of(*d);
        observers.push_back(&device.domain());
        if (device.timing()) timings.push_back(device.timing());
    }
    t->set_store_observers(observers);
    t->set_access_timings(timings);
    striped_.back() = t.get();
    owned_striped_.push_back(std::move(t));
}

nvdimm_root::target_socket_type& nvdimm_root::range_socket(std::size_t i) {
    if (striped_.at(i)) return striped_[i]->socket;
    return device_of(*ranges_[i].dimms.front()).memory;
}

acpi::table nvdimm_root::nfit() const {
    acpi::nfit_config nfit;
    nfit.capabilities = options_.capabilities;
    for (const auto& r : ranges_) {
        nfit.spas.push_back({r.index, r.base, r.size, r.dimms[0]->options().node});
        for (unsigned pos = 0; pos < r.dimms.size(); ++pos) {
            const nvdimm& d = *r.dimms[pos];
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
                m.flush_hints.push_back(options_.control_base + d.slot() * control_page::page_size +
                                        NVDIMM_FLUSH_HINT(i));
            nfit.dimms.push_back(m);
        }
    }
    return acpi::build_nfit(nfit);
}

std::vector<unsigned char> nvdimm_root::fit() const {
    const acpi::table t = nfit();
    return std::vector<unsigned char>(t.begin() + acpi::nfit_header_size, t.end());
}

void nvdimm_root::invalidate_interleave_dmi() {
    for (auto* t : striped_) if (t) t->invalidate_dmi();
}

std::vector<std::pair<nvdimm_core*, pmem::finding>> nvdimm_root::power_fail(const pmem::failure_policy& policy,
                                                                           const sc_core::sc_time& now) {
    std::vector<std::pair<nvdimm_core*, pmem::finding>> all;
    for (const auto& r : ranges_)
        for (auto* d : r.dimms) {
            nvdimm_core& device = core_of(*d);
            for (const auto& f : device.power_fail(policy, now)) all.emplace_back(&device, f);
        }
    invalidate_interleave_dmi();
    return all;
}

} // namespace pmemvp::nvdimm
