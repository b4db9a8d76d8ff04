// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/peripherals/clint.h"

namespace pmemvp::peripherals {

clint::clint(const sc_core::sc_module_name& name, sc_core::sc_time timebase_period)
    : sc_module(name), socket("socket"), timebase_(timebase_period), regs_(this->name()),
      mtimecmp_(regs_.add("mtimecmp", 0x4000, 8, ~0ull)) {
    socket.register_b_transport(this, &clint::b_transport);
    socket.register_transport_dbg(this, &clint::transport_dbg);
    regs_.add("msip", 0x0, 4).on_write([this](std::uint64_t v) {
        regs_.find(0)->set(v & 1);
        msip.set(v & 1);
    });
    mtimecmp_.on_write([this](std::uint64_t v) { set_mtimecmp(v); });
    regs_.add("mtime", 0xbff8, 8)
        .on_read([this] { return mtime_at(access_time_); })
        .peek_with([this] { return mtime_at(sc_core::sc_time_stamp()); }) // a debugger's "now"
        .on_write([this](std::uint64_t v) {
            mtime_offset_ = v - static_cast<std::uint64_t>(access_time_ / timebase_);
            set_mtimecmp(mtimecmp_.get());
        });
    SC_METHOD(on_timer);
    sensitive << timer_event_;
    dont_initialize();
}

std::uint64_t clint::mtime_at(const sc_core::sc_time& t) const {
    return static_cast<std::uint64_t>(t / timebase_) + mtime_offset_;
}

void clint::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    access_time_ = sc_core::sc_time_stamp() + delay;
    regs_.transport(gp);
}

void clint::set_mtimecmp(std::uint64_t value) {
    mtimecmp_.set(value);
    timer_event_.cancel();
    const std::uint64_t now = mtime_at(access_time_);
    if (now >= value) {
        mtip.set(true);
        return;
    }
    mtip.set(false);
    // The kernel time at which mtime reaches mtimecmp; far futures are never reached.
    const std::uint64_t ticks = value - mtime_offset_;
    if (ticks > (1ull << 52))
        return;
    const sc_core::sc_time deadline = timebase_ * static_cast<double>(ticks);
    timer_event_.notify(deadline - sc_core::sc_time_stamp());
}

void clint::on_timer() {
    access_time_ = sc_core::sc_time_stamp();
    mtip.set(mtime_at(access_time_) >= mtimecmp_.get());
}

} // namespace pmemvp::peripherals
