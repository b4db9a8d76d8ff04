// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/irq_out.h"

namespace pmemvp {

irq_out::irq_out(const sc_core::sc_module_name& name) : sc_module(name), out("out") {
    out.initialize(false);
    SC_METHOD(drive);
    sensitive << changed_;
    dont_initialize();
}

void irq_out::set_irq(unsigned, bool level) {
    if (level == level_) return;
    level_ = level;
    changed_.notify(sc_core::SC_ZERO_TIME);
}

void irq_out::drive() { out.write(level_); }

} // namespace pmemvp
