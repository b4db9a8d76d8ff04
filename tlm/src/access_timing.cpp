// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/access_timing.h"

namespace pmemvp {

void annotate_access(access_timing& timing, std::uint64_t offset, tlm::tlm_generic_payload& gp,
                     sc_core::sc_time& delay) {
    const sc_core::sc_time now = sc_core::sc_time_stamp() + delay;
    const unsigned length = gp.get_data_length();
    const auto* ext = gp.get_extension<persistence_extension>();
    sc_core::sc_time done = now;
    if (gp.is_read()) {
        const access_times t = timing.load(offset, length, now);
        done = t.ready;
        if (auto* later = gp.get_extension<load_ready_extension>()) {
            later->answered = true;
            later->ready = t.ready;
            done = t.proceed;
        }
    }
    else if (gp.is_write())
        done = ext && ext->op == persist_op::store ? timing.store(offset, length, now)
                                                   : timing.write_through(offset, length, now);
    else if (ext && ext->op == persist_op::fence)
        done = timing.fence(now);
    else if (ext)
        done = timing.cache_op(offset, ext->op, now);
    if (done > now) delay += done - now;
}

} // namespace pmemvp
