// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/peripherals/plic.h"

namespace pmemvp::peripherals {

plic::plic(const sc_core::sc_module_name& name)
    : sc_module(name), socket("socket"), regs_(this->name()), log_(this->name()) {
    socket.register_b_transport(this, &plic::b_transport);
    socket.register_transport_dbg(this, &plic::transport_dbg);
    for (unsigned s = 1; s < sources; ++s) {
        regs_.add("priority" + std::to_string(s), 4 * s, 4)
            .on_read([this, s] { return priority_[s]; })
            .on_write([this, s](std::uint64_t v) { priority_[s] = v & 7; update(); });
    }
    for (unsigned w = 0; w < sources / 32; ++w) {
        regs_.add("pending" + std::to_string(w), 0x1000 + 4 * w, 4).read_only().on_read([this, w] {
            return pending_[w];
        });
    }
    for (unsigned c = 0; c < contexts; ++c) {
        for (unsigned w = 0; w < sources / 32; ++w) {
            const unsigned i = c * sources / 32 + w;
            regs_.add("enable" + std::to_string(c) + "_" + std::to_string(w),
                      0x2000 + 0x80 * c + 4 * w, 4)
                .on_read([this, i] { return enable_[i]; })
                .on_write([this, i, w](std::uint64_t v) {
                    enable_[i] = static_cast<std::uint32_t>(v) & (w == 0 ? ~1u : ~0u);
                    update();
                });
        }
        const std::uint64_t base = 0x200000 + 0x1000 * c;
        regs_.add("threshold" + std::to_string(c), base, 4)
            .on_read([this, c] { return threshold_[c]; })
            .on_write([this, c](std::uint64_t v) { threshold_[c] = v & 7; update(); });
        regs_.add("claim" + std::to_string(c), base + 4, 4)
            .on_read([this, c] {
                const unsigned s = best_pending(c);
                if (s) {
                    put(pending_, s, false);
                    put(in_service_, s, true);
                    update();
                }
                return s;
            })
            .peek_with([this, c] { return best_pending(c); }) // a debugger claims nothing
            .on_write([this](std::uint64_t v) { // complete
                const unsigned src = static_cast<unsigned>(v);
                if (v == 0 || v >= sources || !bit(in_service_, src)) {
                    log_.debug("completion of source ", v, " that was not claimed: ignored");
                    return;
                }
                put(in_service_, src, false);
                put(pending_, src, bit(level_, src));
                update();
            });
    }
}

void plic::set_irq(unsigned source, bool level) {
    if (source == 0 || source >= sources)
        return;
    put(level_, source, level);
    if (!bit(in_service_, source))
        put(pending_, source, level);
    update();
}

unsigned plic::best_pending(unsigned context) const {
    unsigned best = 0;
    std::uint32_t best_priority = threshold_[context];
    for (unsigned w = 0; w < words; ++w) {
        // Only sources that are pending and enabled: usually none or one.
        for (std::uint32_t m = pending_[w] & enable_[context * words + w]; m; m &= m - 1) {
            const unsigned s = 32 * w + static_cast<unsigned>(__builtin_ctz(m));
            if (priority_[s] > best_priority) {
                best = s;
                best_priority = priority_[s];
            }
        }
    }
    return best;
}

void plic::update() {
    for (unsigned c = 0; c < contexts; ++c)
        context_irq[c].set(best_pending(c) != 0);
}

void plic::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    regs_.transport(gp);
}

} // namespace pmemvp::peripherals
