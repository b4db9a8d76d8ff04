// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/nvdimm/control_page.h"
#include "pmemvp/nvdimm/dsm.h"
#include "pmemvp/nvdimm/nvdimm.h"
#include "pmemvp/pmem/cpu_cache.h"
#include "pmemvp/pmem/persistence_domain.h"
#include "pmemvp/pmem/pmem_timing.h"
#include "pmemvp/pmem/timing_profile.h"
#include "pmemvp/tlm/irq.h"
#include "pmemvp/tlm/memory_target.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

namespace pmemvp::nvdimm {

// What one NVDIMM is made of, besides its backing file.
struct nvdimm_device_options {
    // QEMU's -device nvdimm properties: id, label_size, unarmed, slot (-1 means 0 here),
    // uuid, node, flush_hints, badranges. `memdev` is not used: the file is given.
    nvdimm_options dimm;
    // What survives a power failure: eadr (caches too), adr (the write-pending queue), none.
    pmem::domain_kind persistence = pmem::domain_kind::adr;
    // Access timing of the memory; nullopt: untimed (zero latencies).
    std::optional<pmem::timing_profile> timing = pmem::timing_profile::named("optane");
    // Where the memory is mapped: the addresses DSM address-range scrub reports when the DIMM
    // stands alone (an nvdimm_root places its DIMMs itself).
    std::uint64_t base = 0;
    // Where a DSM page may be, as [base, size) pairs (the platform's RAM); empty: anywhere.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dsm_windows;
};

// Moves one DSM page (dsm_page_size bytes) between `page` and guest memory through `bus` (an
// initiator socket's interface); false if the bus answered with an error.
bool dsm_page_dma(tlm::tlm_fw_transport_if<>& bus, tlm::tlm_command cmd, std::uint64_t address, unsigned char* page,
                  sc_core::sc_time& delay);

// All of one NVDIMM but its sockets, as a plain object: a platform can make one while the
// simulation runs (a hot-plugged DIMM), when SystemC allows no new module or socket.
// nvdimm_device puts sockets around it; nvdimm_root::hotplug makes bare ones.
//
//   pmem_target()        the DIMM's pmem as a memory_core (DMI, the persistence domain sees
//                        every store): router::map_at_run_time(base, core.pmem_target(), ...)
//   control_registers()  the 4 KiB control page as a TLM target without a socket
//   irq                  the control page's interrupt line (bind it to a sink at any time)
//   set_dsm_dma()        how DSM pages reach guest memory (unset: DSM calls fail, status 1)
class nvdimm_core {
public:
    irq_line irq;

    // Reads or writes one DSM page at a guest address; false if it could not.
    using dma_function = std::function<bool(tlm::tlm_command, std::uint64_t address, unsigned char* page,
                                            sc_core::sc_time& delay)>;

    // `name`: hierarchical, for log lines. `cache`: the CPU cache in front of every DIMM's
    // memory (shared on a platform with several DIMMs); nullptr: the DIMM has its own. The
    // slot is options.dimm.slot (-1 means 0). Throws config_error naming the problem.
    nvdimm_core(const std::string& name, const nvdimm_device_options& options, backend::file_backend& file,
                pmem::cpu_cache* cache = nullptr);
    nvdimm_core(const nvdimm_core&) = delete;
    nvdimm_core& operator=(const nvdimm_core&) = delete;
    virtual ~nvdimm_core();

    const std::string& id() const { return dimm_.id(); }
    nvdimm& dimm() { return dimm_; }
    const nvdimm& dimm() const { return dimm_; }
    std::uint64_t pmem_size() const { return dimm_.pmem_size(); }
    backend::file_backend& file() const { return file_; }
    pmem::persistence_domain& domain() { return domain_; }
    const pmem::persistence_domain& domain() const { return domain_; }
    pmem::pmem_timing* timing() { return timing_.get(); } // nullptr when untimed
    memory_core& pmem_target() { return memory_; }
    control_page& control_registers() { return control_; }
    std::uint64_t base() const { return options_.base; }

    // The DSM mailbox answering this DIMM's doorbell: its own, until an nvdimm_root shares one.
    void use_dsm(dsm_handler& dsm) { control_.use_dsm(dsm); }
    dsm_handler& dsm() { return control_.dsm(); }
    void set_dsm_dma(dma_function dma) { control_.dma = std::move(dma); }
    // New SMART health (what DSM function 1 reports); raises NVDIMM_IRQ_HEALTH.
    void set_health(const smart_health& health);

    // The power fails: the memory and the file get back exactly what the domain guarantees
    // (the rest as `policy` says), DMI pointers are withdrawn, the DIMM's buffers are empty.
    // Returns the stores lost or kept by chance. With its own CPU cache, the cache is emptied
    // too; a shared cache is its owner's to clear.
    std::vector<pmem::finding> power_fail(const pmem::failure_policy& policy, const sc_core::sc_time& now);
    // A flush hint: the write-pending queue drains; returns when it is done.
    sc_core::sc_time drain(const sc_core::sc_time& now);

protected:
    // For nvdimm_device: the core on a file it owns (opened before any member needs it).
    nvdimm_core(const std::string& name, const nvdimm_device_options& options,
                std::unique_ptr<backend::file_backend> owned, backend::file_backend* file, pmem::cpu_cache* cache);
    backend::file_backend* owned_file() const { return owned_file_.get(); }

private:
    static nvdimm_options with_slot(nvdimm_options o);

    nvdimm_device_options options_;
    std::unique_ptr<backend::file_backend> owned_file_;
    backend::file_backend& file_;
    nvdimm dimm_;
    pmem::persistence_domain domain_;
    std::unique_ptr<pmem::cpu_cache> own_cache_;
    std::unique_ptr<pmem::media_timing> media_;
    std::unique_ptr<pmem::pmem_timing> timing_;
    memory_core memory_;
    dsm_handler own_dsm_;
    control_page control_;
};

} // namespace pmemvp::nvdimm
