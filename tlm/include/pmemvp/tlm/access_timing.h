// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/dmi_hook_extension.h"
#include "pmemvp/tlm/persistence_extension.h"

#include <cstdint>
#include <systemc>
#include <tlm>

namespace pmemvp {

// When an access issued at some time may go on and when its data is there.
struct access_times {
    sc_core::sc_time proceed; // the initiator may issue its next access
    sc_core::sc_time ready;   // the loaded data is available
};

// The timing of a memory whose access cost depends on history (CPU cache, on-DIMM buffers,
// write-pending queue), so that fixed DMI latencies cannot express it. Offsets are the
// memory's own; times are absolute simulated times. A memory target answers b_transport with
// it; a DMI initiator learns of it from an access_timing_extension on its DMI request and asks
// it for every access (a non-blocking CPU waits for `ready` only when it uses the data).
class access_timing {
public:
    virtual access_times load(std::uint64_t offset, unsigned length, const sc_core::sc_time& now) = 0;
    // Stores are posted: the result is when the initiator may go on.
    virtual sc_core::sc_time store(std::uint64_t offset, unsigned length, const sc_core::sc_time& now) = 0;
    // A write past any cache (DMA, non-temporal): when it is accepted by the memory.
    virtual sc_core::sc_time write_through(std::uint64_t offset, unsigned length,
                                           const sc_core::sc_time& now) = 0;
    // cbo.clean/flush/inval: when the initiator may go on (a fence waits for the write-back).
    virtual sc_core::sc_time cache_op(std::uint64_t offset, persist_op op, const sc_core::sc_time& now) = 0;
    // When everything issued before `now` is complete.
    virtual sc_core::sc_time fence(const sc_core::sc_time& now) = 0;

protected:
    ~access_timing() = default;
};

using access_timing_extension = dmi_hook_extension<access_timing>;

// On a b_transport read, from an initiator that does not block on loads: the target annotates
// the delay only until the initiator may go on, and says here when the data is there.
class load_ready_extension : public tlm::tlm_extension<load_ready_extension> {
public:
    tlm::tlm_extension_base* clone() const override { return new load_ready_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const load_ready_extension&>(other);
    }
    bool answered = false;
    sc_core::sc_time ready;
};

// Answers a b_transport access with `timing`: adds the access's cost to `delay` (a load waits
// for its data: b_transport is blocking). `offset` is the timing's offset of the access.
void annotate_access(access_timing& timing, std::uint64_t offset, tlm::tlm_generic_payload& gp,
                     sc_core::sc_time& delay);

} // namespace pmemvp
