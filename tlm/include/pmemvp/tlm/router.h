// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/log.h"
#include "pmemvp/tlm/memory_target.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <vector>

namespace pmemvp {

// An address decoder between any number of initiators and targets. Targets see addresses
// relative to their mapping's base; DMI ranges and invalidations are translated back to
// absolute addresses, and every invalidation reaches every initiator.
class router : public sc_core::sc_module {
public:
    using target_socket_type = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>,
                                                             tlm::tlm_bw_transport_if<>>;
    struct mapping {
        std::string name;
        std::uint64_t base;
        std::uint64_t size;
        unsigned port;
        // A mapping made at run time reaches its target directly, not through `out`.
        tlm::tlm_fw_transport_if<>* run_time_target = nullptr;
        std::uint64_t transactions = 0;
        std::uint64_t end() const { return base + size - 1; }
    };

    tlm_utils::multi_passthrough_target_socket<router> in;     // bind initiators here
    tlm_utils::multi_passthrough_initiator_socket<router> out; // bound by map()

    explicit router(const sc_core::sc_module_name& name);

    // Maps [base, base + size) to `target`. An overlap with an existing mapping is an error
    // naming both. Call during elaboration.
    void map(std::uint64_t base, std::uint64_t size, target_socket_type& target,
             const std::string& name);

    // Maps [base, base + size) to a target without a socket, while the simulation runs (a
    // hot-plugged device's memory): SystemC binds no socket after elaboration. Returns an empty
    // string, or why not (empty, wrapping, an overlap naming the other mapping). The target
    // tells initiators of withdrawn DMI through invalidate_dmi().
    std::string map_at_run_time(std::uint64_t base, std::uint64_t size, tlm::tlm_fw_transport_if<>& target,
                                const std::string& name);
    // The same for a memory_core, whose DMI invalidations then reach the initiators.
    std::string map_at_run_time(std::uint64_t base, memory_core& memory, const std::string& name);
    // Removes the run-time mapping at `base` and withdraws every DMI pointer into it first.
    // False if no run-time mapping starts there.
    bool unmap(std::uint64_t base);
    // Withdraws DMI pointers into [start, end] (absolute addresses) from every initiator.
    void invalidate_dmi(std::uint64_t start, std::uint64_t end);

    // The static mappings (index = out port), then the run-time ones.
    const std::vector<mapping>& mappings() const { return by_port_; }
    // Logs every b_transport (time, target, command, address, length, data, response) to
    // `out`; nullptr stops. DMI accesses bypass the router and are not in the log.
    void set_trace(std::ostream* out) { trace_ = out; }
    std::uint64_t unmapped_accesses() const { return unmapped_; }

private:
    // Why [base, base + size) cannot be mapped as `name`, or "".
    std::string check_mapping(std::uint64_t base, std::uint64_t size, const std::string& name) const;
    void sort_mappings();
    // The mapping holding [addr, addr + len), or nullptr.
    mapping* decode(std::uint64_t addr, std::uint64_t len);
    void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(int id, tlm::tlm_generic_payload& gp);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
    void trace(const mapping* m, const tlm::tlm_generic_payload& gp, const sc_core::sc_time& at);

    logger log_;
    std::vector<mapping> by_port_;       // index = out port
    std::vector<mapping*> by_address_;   // sorted by base
    mapping* last_ = nullptr;            // most recent hit: accesses cluster
    std::uint64_t unmapped_ = 0;
    std::ostream* trace_ = nullptr;
};

} // namespace pmemvp
