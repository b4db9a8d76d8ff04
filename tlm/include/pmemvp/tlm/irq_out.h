// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/irq.h"

#include <systemc>

namespace pmemvp {

// An interrupt line for platforms that are not ours: an irq_sink whose level drives a plain
// `sc_out<bool>`, which binds to an sc_signal<bool> or to any export of
// sc_signal_inout_if<bool> (QBox's TargetSignalSocket<bool>; VCML's gpio sockets bind to the
// signal). Our models call their irq_line from different processes (the CPU's MMIO, a
// device's own thread), and an sc_signal allows one writer: so the adapter's own method is the
// only writer, one delta cycle after the level changed.
//
//   pmemvp::irq_out irq("irq");  sc_core::sc_signal<bool> line;
//   irq.out(line);  device.irq.bind(irq);
class irq_out : public sc_core::sc_module, public irq_sink {
public:
    SC_HAS_PROCESS(irq_out);
    sc_core::sc_out<bool> out;

    explicit irq_out(const sc_core::sc_module_name& name);

    void set_irq(unsigned line, bool level) override;
    bool level() const { return level_; } // the level last set (out follows one delta later)

private:
    void drive(); // SC_METHOD

    bool level_ = false;
    sc_core::sc_event changed_;
};

} // namespace pmemvp
