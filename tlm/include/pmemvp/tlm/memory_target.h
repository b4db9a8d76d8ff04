// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/access_timing.h"
#include "pmemvp/tlm/store_observer.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/read_only_notice.h"

#include <cstdint>
#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace pmemvp {

// A block of host memory (a mapped backing file, RAM, ROM) as a TLM target, without a socket:
// a plain object, so it can be made while the simulation runs (a hot-plugged device), when
// SystemC allows no new module or socket. A router reaches it through its run-time mappings
// (router::map_at_run_time); memory_target puts a socket in front. It grants DMI with its
// access latencies filled in, so initiators on the fast path time accesses exactly as
// b_transport would. It does not own the storage.
class memory_core : public tlm::tlm_fw_transport_if<> {
public:
    // `name`: for its log lines.
    memory_core(const std::string& name, unsigned char* data, std::uint64_t size, bool writable,
                sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME,
                sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME);

    std::uint64_t size() const { return size_; }
    unsigned char* data() const { return data_; }
    bool writable() const { return writable_; }
    void set_latencies(const sc_core::sc_time& read, const sc_core::sc_time& write);

    // Withdraws every DMI pointer into this memory (remap, power failure, reset of a region).
    void invalidate_dmi();
    // Where DMI invalidations go, as offsets in this memory: the socket in front of it, or the
    // router that maps it at run time. Until set, there is nobody to tell.
    void set_dmi_invalidator(std::function<void(std::uint64_t, std::uint64_t)> invalidator) {
        invalidator_ = std::move(invalidator);
    }
    // Lets debug transport (loaders, debuggers) write a memory the guest cannot: a boot ROM.
    // Never for a read-only backing file.
    void allow_debug_writes(bool allow) { debug_writable_ = allow; }
    // What this memory is, for the warning a refused write gives (e.g. "memory-backend-file
    // 'm0' (readonly=on)").
    void set_description(std::string text) { read_only_.set_description(std::move(text)); }
    // An observer of every write (b_transport writes here, DMI writers through the extension)
    // and of cache-block operations.
    void set_store_observer(store_observer* observer) { observer_ = observer; }
    // History-dependent timing in place of the fixed latencies. DMI then goes only to
    // initiators that ask the timing for each access (access_timing_extension).
    void set_access_timing(access_timing* timing) { timing_ = timing; }

    // The target interface, addresses relative to this memory; public so an owner can also
    // reach the memory by another path (a PCI BAR aliasing it) with the same semantics.
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) override;
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) override;
    // Loosely timed only.
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&,
                                       sc_core::sc_time&) override;

private:
    // Checks range, streaming width and write permission; copies on success.
    tlm::tlm_response_status access(tlm::tlm_generic_payload& gp);

    logger log_;
    unsigned char* data_;
    std::uint64_t size_;
    bool writable_;
    bool debug_writable_;
    read_only_notice read_only_;
    store_observer* observer_ = nullptr;
    access_timing* timing_ = nullptr;
    sc_core::sc_time read_latency_;
    sc_core::sc_time write_latency_;
    std::function<void(std::uint64_t, std::uint64_t)> invalidator_;
};

// A memory_core behind a target socket: the usual way to put memory on a bus.
class memory_target : public sc_core::sc_module, public memory_core {
public:
    tlm_utils::simple_target_socket<memory_target> socket;

    memory_target(const sc_core::sc_module_name& name, unsigned char* data, std::uint64_t size,
                  bool writable, sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME,
                  sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME);

private:
    // Qualified calls: no virtual dispatch on the socket's path.
    void socket_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) { memory_core::b_transport(gp, delay); }
    bool socket_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return memory_core::get_direct_mem_ptr(gp, dmi); }
    unsigned socket_dbg(tlm::tlm_generic_payload& gp) { return memory_core::transport_dbg(gp); }
};

} // namespace pmemvp
