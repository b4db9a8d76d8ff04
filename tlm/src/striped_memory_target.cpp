// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/striped_memory_target.h"

#include <algorithm>
#include <cstring>

namespace pmemvp {

striped_memory_target::striped_memory_target(const sc_core::sc_module_name& name,
                                             std::vector<unsigned char*> ways,
                                             std::uint64_t way_size, std::uint64_t granularity,
                                             bool writable)
    : sc_module(name), socket("socket"), log_(this->name()), ways_(std::move(ways)), way_size_(way_size),
      granularity_(granularity), writable_(writable) {
    socket.register_b_transport(this, &striped_memory_target::b_transport);
    socket.register_get_direct_mem_ptr(this, &striped_memory_target::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &striped_memory_target::transport_dbg);
}

std::pair<unsigned, std::uint64_t> striped_memory_target::locate(std::uint64_t addr) const {
    return locate_stripe(addr, static_cast<unsigned>(ways_.size()), granularity_);
}

unsigned char* striped_memory_target::host_address(std::uint64_t addr) const {
    const auto [way, offset] = locate(addr);
    return ways_[way] + offset;
}

unsigned striped_memory_target::copy(tlm::tlm_generic_payload& gp, bool allow_write) {
    std::uint64_t addr = gp.get_address();
    if (addr >= size()) return 0;
    const unsigned len = static_cast<unsigned>(std::min<std::uint64_t>(gp.get_data_length(), size() - addr));
    unsigned char* data = gp.get_data_ptr();
    unsigned done = 0;
    while (done < len) {
        const unsigned chunk = static_cast<unsigned>(
            std::min<std::uint64_t>(len - done, granularity_ - addr % granularity_));
        unsigned char* host = host_address(addr);
        if (gp.is_write()) {
            if (!allow_write) return done;
            if (!observers_.empty()) {
                const auto [way, offset] = locate(addr);
                const auto* ext = gp.get_extension<persistence_extension>();
                observers_[way]->before_store(offset, chunk, ext ? ext->pc : 0);
            }
            std::memcpy(host, data + done, chunk);
        } else if (gp.is_read()) {
            std::memcpy(data + done, host, chunk);
        }
        done += chunk;
        addr += chunk;
    }
    return done;
}

void striped_memory_target::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (addr >= size() || len > size() - addr) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.get_byte_enable_ptr() || gp.get_streaming_width() < len) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (gp.is_write() && !writable_) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        read_only_.write_refused(log_, addr);
        return;
    }
    if (!gp.is_read() && !gp.is_write()) { // a cache-block operation
        const auto* ext = gp.get_extension<persistence_extension>();
        const auto [way, offset] = locate(addr);
        if (!observers_.empty()) {
            if (ext && ext->op == persist_op::fence) // a fence as a transaction: every way's lines
                for (auto* o : observers_) o->fence(ext->pc);
            else if (ext)
                observers_[way]->cache_op(offset, ext->op, ext->pc);
            name_hook<store_observer>(gp, observers_[way]); // its fences must reach this way
        }
        if (!timings_.empty()) {
            annotate_access(*timings_[way], offset, gp, delay);
            name_hook<access_timing>(gp, timings_[way]);
        }
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    copy(gp, true);
    if (!timings_.empty()) {
        // Timed by the way of the first byte: CPU accesses do not cross a stripe.
        const auto [way, offset] = locate(addr);
        annotate_access(*timings_[way], offset, gp, delay);
    }
    gp.set_dmi_allowed(true);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool striped_memory_target::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const std::uint64_t start = gp.get_address() & ~(granularity_ - 1);
    dmi.set_start_address(start);
    dmi.set_end_address(start + granularity_ - 1);
    dmi.set_dmi_ptr(host_address(start));
    dmi.set_granted_access(writable_ ? tlm::tlm_dmi::DMI_ACCESS_READ_WRITE : tlm::tlm_dmi::DMI_ACCESS_READ);
    if (!timings_.empty()) {
        auto* ext = gp.get_extension<access_timing_extension>();
        if (!ext) return false; // it would bypass the timing: b_transport instead
        const auto [way, offset] = locate(start);
        ext->hook = timings_[way];
        ext->base = offset;
    }
    if (writable_ && !observers_.empty()) {
        // Write access only for initiators that will tell the way's observer of their stores.
        auto* ext = gp.get_extension<store_observer_extension>();
        if (!ext) {
            dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ);
            return gp.get_address() < size() && !gp.is_write();
        }
        const auto [way, offset] = locate(start);
        ext->hook = observers_[way];
        ext->base = offset;
    }
    return gp.get_address() < size() && (writable_ || !gp.is_write());
}

unsigned striped_memory_target::transport_dbg(tlm::tlm_generic_payload& gp) {
    return copy(gp, writable_);
}

} // namespace pmemvp
