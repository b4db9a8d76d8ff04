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

#include <memory>
#include <optional>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
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
    // Where the `memory` socket is mapped: the addresses DSM address-range scrub reports when
    // the DIMM stands alone (an nvdimm_root places its DIMMs itself).
    std::uint64_t base = 0;
    // Where a DSM page may be, as [base, size) pairs (the platform's RAM); empty: anywhere.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dsm_windows;
};

// One NVDIMM as a drop-in SystemC module: its persistent memory on a host file, with the
// persistence domain (what a power failure keeps) and the timing model inside, and its control
// page (DSM mailbox, flush hints, interrupt). Standard TLM-2.0 sockets; no pmemvp platform
// needed. Several DIMMs with an NFIT and interleave sets: nvdimm_root.
//
//   memory   target: the DIMM's pmem, offsets 0 .. pmem_size() - 1, with DMI (DMI writers must
//            honour store_observer_extension, else writes go through b_transport); optional
//            (a DIMM in an interleave set is reached through its nvdimm_root)
//   control  target: the 4 KiB control page (control_page.h, nvdimm_regs.h); optional
//   dma      initiator: reads and writes DSM pages in guest memory; optional (unbound: DSM
//            calls fail with status 1)
//   irq      interrupt line (irq_line; an sc_signal<bool> through pmemvp::irq_out)
class nvdimm_device : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket_optional<nvdimm_device> memory;
    tlm_utils::simple_target_socket_optional<nvdimm_device> control;
    tlm_utils::simple_initiator_socket_optional<nvdimm_device> dma;
    irq_line irq;

    // The DIMM on a file it opens (and syncs and closes at destruction). Throws config_error
    // naming the problem (file options, a label area that does not fit, ...). Until the
    // simulation starts, destruction undoes what opening did (a file it created is removed).
    nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                  const backend::file_backend_options& file);
    // On a file the caller owns. `cache`: the CPU cache in front of every DIMM's memory (a
    // platform with several DIMMs shares one); nullptr: the DIMM has its own.
    nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                  backend::file_backend& file, pmem::cpu_cache* cache = nullptr);
    ~nvdimm_device() override;

    const std::string& id() const { return dimm_.id(); }
    nvdimm& dimm() { return dimm_; }
    const nvdimm& dimm() const { return dimm_; }
    std::uint64_t pmem_size() const { return dimm_.pmem_size(); }
    backend::file_backend& file() const { return file_; }
    pmem::persistence_domain& domain() { return domain_; }
    const pmem::persistence_domain& domain() const { return domain_; }
    pmem::pmem_timing* timing() { return timing_.get(); } // nullptr when untimed
    pmemvp::memory_target& pmem_target() { return memory_target_; } // behind `memory`
    control_page& control_registers() { return control_; }
    std::uint64_t base() const { return options_.base; }

    // The DSM mailbox answering this DIMM's doorbell: its own, until an nvdimm_root shares one.
    void use_dsm(dsm_handler& dsm) { control_.use_dsm(dsm); }
    dsm_handler& dsm() { return control_.dsm(); }
    // New SMART health (what DSM function 1 reports); raises NVDIMM_IRQ_HEALTH.
    void set_health(const smart_health& health);

    // The power fails: the memory and the file get back exactly what the domain guarantees
    // (the rest as `policy` says), DMI pointers are withdrawn, the DIMM's buffers are empty.
    // Returns the stores lost or kept by chance. With its own CPU cache, the cache is emptied
    // too; a shared cache is its owner's to clear.
    std::vector<pmem::finding> power_fail(const pmem::failure_policy& policy, const sc_core::sc_time& now);
    // A flush hint: the write-pending queue drains; returns when it is done.
    sc_core::sc_time drain(const sc_core::sc_time& now);

private:
    nvdimm_device(const sc_core::sc_module_name& name, const nvdimm_device_options& options,
                  std::unique_ptr<backend::file_backend> owned, backend::file_backend* file,
                  pmem::cpu_cache* cache);
    void end_of_elaboration() override;
    void start_of_simulation() override;
    // `memory` forwards to the memory target through `to_memory_`: the target's own socket must
    // be bound even when this DIMM is only reached through an interleave set.
    void memory_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { to_memory_->b_transport(gp, delay); }
    bool memory_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return to_memory_->get_direct_mem_ptr(gp, dmi); }
    unsigned memory_dbg(tlm::tlm_generic_payload& gp) { return to_memory_->transport_dbg(gp); }
    void memory_invalidated(sc_dt::uint64 start, sc_dt::uint64 end);
    void control_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { control_.b_transport(gp, delay); }
    unsigned control_dbg(tlm::tlm_generic_payload& gp) { return control_.transport_dbg(gp); }
    bool dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay);
    static nvdimm_options with_slot(nvdimm_options o);

    nvdimm_device_options options_;
    std::unique_ptr<backend::file_backend> owned_file_;
    backend::file_backend& file_;
    nvdimm dimm_;
    pmem::persistence_domain domain_;
    std::unique_ptr<pmem::cpu_cache> own_cache_;
    std::unique_ptr<pmem::media_timing> media_;
    std::unique_ptr<pmem::pmem_timing> timing_;
    pmemvp::memory_target memory_target_;
    tlm_utils::simple_initiator_socket<nvdimm_device> to_memory_;
    dsm_handler own_dsm_;
    control_page control_;
};

} // namespace pmemvp::nvdimm
