// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/nvdimm/nvdimm_core.h"

#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp::nvdimm {

// One NVDIMM as a drop-in SystemC module: its persistent memory on a host file, with the
// persistence domain (what a power failure keeps) and the timing model inside, and its control
// page (DSM mailbox, flush hints, interrupt). Standard TLM-2.0 sockets; no pmemvp platform
// needed. Several DIMMs with an NFIT and interleave sets: nvdimm_root.
//
// It is an nvdimm_core (the DIMM, a plain object: see nvdimm_core.h for its accessors,
// power_fail, drain, set_health) with sockets in front:
//
//   memory   target: the DIMM's pmem, offsets 0 .. pmem_size() - 1, with DMI (DMI writers must
//            honour store_observer_extension, else writes go through b_transport); optional
//            (a DIMM in an interleave set is reached through its nvdimm_root)
//   control  target: the 4 KiB control page (control_page.h, nvdimm_regs.h); optional
//   dma      initiator: reads and writes DSM pages in guest memory; optional (unbound: DSM
//            calls fail with status 1)
//   irq      interrupt line (irq_line; an sc_signal<bool> through pmemvp::irq_out)
class nvdimm_device : public sc_core::sc_module, public nvdimm_core {
public:
    tlm_utils::simple_target_socket_optional<nvdimm_device> memory;
    tlm_utils::simple_target_socket_optional<nvdimm_device> control;
    tlm_utils::simple_initiator_socket_optional<nvdimm_device> dma;

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

private:
    void wire_sockets();
    void end_of_elaboration() override;
    void start_of_simulation() override;
    void memory_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { pmem_target().b_transport(gp, delay); }
    bool memory_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return pmem_target().get_direct_mem_ptr(gp, dmi); }
    unsigned memory_dbg(tlm::tlm_generic_payload& gp) { return pmem_target().transport_dbg(gp); }
    void control_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { control_registers().b_transport(gp, delay); }
    unsigned control_dbg(tlm::tlm_generic_payload& gp) { return control_registers().transport_dbg(gp); }
    bool dsm_dma(tlm::tlm_command cmd, std::uint64_t address, unsigned char* page, sc_core::sc_time& delay);
};

} // namespace pmemvp::nvdimm
