// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace pmemvp {

// A receiver of level-triggered interrupt lines (an interrupt controller, a CPU). A plain C++
// call rather than an sc_signal: a level change is seen at once, without a delta cycle, which
// keeps interrupt delivery exact and cheap under temporal decoupling.
class irq_sink {
public:
    virtual void set_irq(unsigned line, bool level) = 0;

protected:
    ~irq_sink() = default;
};

// One output line bound to a sink; unbound lines go nowhere. To drive an sc_signal<bool> (or
// another platform's signal socket), bind it to an irq_out (pmemvp/tlm/irq_out.h).
class irq_line {
public:
    void bind(irq_sink& sink, unsigned line = 0) { sink_ = &sink; line_ = line; }
    void set(bool level) {
        if (sink_ && level != level_) sink_->set_irq(line_, level);
        level_ = level;
    }
    bool level() const { return level_; }

private:
    irq_sink* sink_ = nullptr;
    unsigned line_ = 0;
    bool level_ = false;
};

} // namespace pmemvp
