// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/router.h"

#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cstring>

namespace pmemvp {

using util::hex;

router::router(const sc_core::sc_module_name& name)
    : sc_module(name), in("in"), out("out"), log_(this->name()) {
    in.register_b_transport(this, &router::b_transport);
    in.register_get_direct_mem_ptr(this, &router::get_direct_mem_ptr);
    in.register_transport_dbg(this, &router::transport_dbg);
    out.register_invalidate_direct_mem_ptr(this, &router::invalidate_direct_mem_ptr);
}

std::string router::check_mapping(std::uint64_t base, std::uint64_t size, const std::string& name) const {
    if (size == 0 || base + size - 1 < base)
        return "mapping '" + name + "' at " + hex(base) + " size " + hex(size) +
               " is empty or wraps around the address space";
    for (const auto& m : by_port_)
        if (base <= m.end() && m.base <= base + size - 1)
            return "mapping '" + name + "' [" + hex(base) + ".." + hex(base + size - 1) + "] overlaps '" +
                   m.name + "' [" + hex(m.base) + ".." + hex(m.end()) + "]; move one of them";
    return "";
}

void router::map(std::uint64_t base, std::uint64_t size, target_socket_type& target,
                 const std::string& name) {
    if (const std::string why = check_mapping(base, size, name); !why.empty()) log_.error(why);
    out.bind(target);
    // Static mappings stay first: their index is their out port.
    const auto first_run_time = std::find_if(by_port_.begin(), by_port_.end(),
                                             [](const mapping& m) { return m.run_time_target; });
    by_port_.insert(first_run_time, {name, base, size, static_cast<unsigned>(out.size() - 1)});
    sort_mappings();
}

std::string router::map_at_run_time(std::uint64_t base, std::uint64_t size, tlm::tlm_fw_transport_if<>& target,
                                    const std::string& name) {
    if (std::string why = check_mapping(base, size, name); !why.empty()) return why;
    mapping m{name, base, size, 0};
    m.run_time_target = &target;
    by_port_.push_back(m);
    sort_mappings();
    // Initiators may hold a DMI denial over the gap this mapping now fills.
    invalidate_dmi(base, base + size - 1);
    return "";
}

std::string router::map_at_run_time(std::uint64_t base, memory_core& memory, const std::string& name) {
    std::string why = map_at_run_time(base, memory.size(), memory, name);
    if (why.empty())
        memory.set_dmi_invalidator([this, base](std::uint64_t start, std::uint64_t end) {
            invalidate_dmi(base + start, base + end);
        });
    return why;
}

bool router::unmap(std::uint64_t base) {
    const auto m = std::find_if(by_port_.begin(), by_port_.end(),
                                [&](const mapping& x) { return x.run_time_target && x.base == base; });
    if (m == by_port_.end()) return false;
    invalidate_dmi(m->base, m->end()); // nobody may keep a pointer into what goes away
    by_port_.erase(m);
    sort_mappings();
    return true;
}

void router::sort_mappings() {
    // by_port_ may have reallocated: rebuild the sorted view.
    by_address_.clear();
    for (auto& m : by_port_) by_address_.push_back(&m);
    std::sort(by_address_.begin(), by_address_.end(),
              [](const mapping* a, const mapping* b) { return a->base < b->base; });
    last_ = nullptr;
}

router::mapping* router::decode(std::uint64_t addr, std::uint64_t len) {
    mapping* m = last_;
    if (!m || addr < m->base || addr > m->end()) {
        auto it = std::upper_bound(by_address_.begin(), by_address_.end(), addr,
                                   [](std::uint64_t a, const mapping* x) { return a < x->base; });
        if (it == by_address_.begin())
            return nullptr;
        m = *(it - 1);
        if (addr > m->end())
            return nullptr;
        last_ = m;
    }
    if (len && addr + len - 1 > m->end())
        return nullptr; // an access straddling the end of a mapping
    return m;
}

void router::b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    mapping* m = decode(addr, gp.get_data_length());
    if (!m) {
        ++unmapped_;
        log_.info("unmapped ", gp.is_write() ? "write" : "read", " at ", hex(addr), " length ",
                  gp.get_data_length());
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        if (trace_) trace(nullptr, gp, sc_core::sc_time_stamp() + delay);
        return;
    }
    ++m->transactions;
    gp.set_address(addr - m->base);
    const sc_core::sc_time start = trace_ ? sc_core::sc_time_stamp() + delay : sc_core::SC_ZERO_TIME;
    if (m->run_time_target) m->run_time_target->b_transport(gp, delay);
    else out[m->port]->b_transport(gp, delay);
    gp.set_address(addr);
    if (trace_) trace(m, gp, start);
}

void router::trace(const mapping* m, const tlm::tlm_generic_payload& gp,
                   const sc_core::sc_time& at) {
    std::ostream& os = *trace_;
    os << at.to_seconds() * 1e9 << " ns " << (m ? m->name : std::string("(unmapped)")) << ' '
       << (gp.is_read() ? 'R' : gp.is_write() ? 'W' : 'I') << ' ' << hex(gp.get_address())
       << ' ' << gp.get_data_length();
    if ((gp.is_read() || gp.is_write()) && gp.get_data_ptr() && gp.get_data_length() <= 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, gp.get_data_ptr(), gp.get_data_length());
        os << ' ' << hex(v);
    }
    os << ' ' << gp.get_response_string() << '\n';
}

bool router::get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const std::uint64_t addr = gp.get_address();
    mapping* m = decode(addr, 0);
    if (!m) {
        // Deny DMI over the whole unmapped gap, so the initiator does not ask again there.
        std::uint64_t lo = 0, hi = ~0ull;
        for (const mapping* x : by_address_) {
            if (x->end() < addr) lo = std::max(lo, x->end() + 1);
            else if (x->base > addr) hi = std::min(hi, x->base - 1);
        }
        dmi.set_start_address(lo);
        dmi.set_end_address(hi);
        dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    gp.set_address(addr - m->base);
    bool granted = m->run_time_target ? m->run_time_target->get_direct_mem_ptr(gp, dmi)
                                      : out[m->port]->get_direct_mem_ptr(gp, dmi);
    gp.set_address(addr);
    // Translate back to absolute addresses, clipped to this mapping.
    std::uint64_t start = dmi.get_start_address();
    std::uint64_t end = std::min<std::uint64_t>(dmi.get_end_address(), m->size - 1);
    dmi.set_start_address(m->base + start);
    dmi.set_end_address(m->base + end);
    return granted;
}

unsigned router::transport_dbg(int id, tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    mapping* m = decode(addr, 0);
    if (!m)
        return 0;
    // A debug access may cover less than asked when it runs past this mapping.
    const unsigned len = gp.get_data_length();
    const std::uint64_t room = m->end() - addr + 1;
    gp.set_data_length(static_cast<unsigned>(std::min<std::uint64_t>(len, room)));
    gp.set_address(addr - m->base);
    unsigned done = m->run_time_target ? m->run_time_target->transport_dbg(gp) : out[m->port]->transport_dbg(gp);
    gp.set_address(addr);
    gp.set_data_length(len);
    return done;
}

void router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    const auto m = std::find_if(by_port_.begin(), by_port_.end(), [&](const mapping& x) {
        return !x.run_time_target && x.port == static_cast<unsigned>(port);
    });
    if (m == by_port_.end()) return;
    invalidate_dmi(m->base + std::min<std::uint64_t>(start, m->size - 1),
                   m->base + std::min<std::uint64_t>(end, m->size - 1));
}

void router::invalidate_dmi(std::uint64_t start, std::uint64_t end) {
    // During elaboration the initiators' sockets are not complete, and nobody holds DMI.
    if (sc_core::sc_get_status() & (sc_core::SC_ELABORATION | sc_core::SC_BEFORE_END_OF_ELABORATION)) return;
    for (unsigned i = 0; i < in.size(); ++i) in[i]->invalidate_direct_mem_ptr(start, end);
}

} // namespace pmemvp
