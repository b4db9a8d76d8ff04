// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/memory_target.h"

#include <cstring>

namespace pmemvp {
namespace {
// Word-sized copies are what CPUs issue; a constant-size memcpy compiles to one move.
inline void copy(unsigned char* dst, const unsigned char* src, unsigned len) {
    switch (len) {
    case 8: std::memcpy(dst, src, 8); return;
    case 4: std::memcpy(dst, src, 4); return;
    case 2: std::memcpy(dst, src, 2); return;
    case 1: *dst = *src; return;
    default: std::memcpy(dst, src, len); return;
    }
}
} // namespace

memory_core::memory_core(const std::string& name, unsigned char* data, std::uint64_t size, bool writable,
                         sc_core::sc_time read_latency, sc_core::sc_time write_latency)
    : log_(name), data_(data), size_(size), writable_(writable), debug_writable_(writable),
      read_latency_(read_latency), write_latency_(write_latency) {}

memory_target::memory_target(const sc_core::sc_module_name& name, unsigned char* data,
                             std::uint64_t size, bool writable, sc_core::sc_time read_latency,
                             sc_core::sc_time write_latency)
    : sc_module(name), memory_core(this->name(), data, size, writable, read_latency, write_latency),
      socket("socket") {
    socket.register_b_transport(this, &memory_target::socket_b_transport);
    socket.register_get_direct_mem_ptr(this, &memory_target::socket_dmi);
    socket.register_transport_dbg(this, &memory_target::socket_dbg);
    set_dmi_invalidator([this](std::uint64_t start, std::uint64_t end) { socket->invalidate_direct_mem_ptr(start, end); });
}

void memory_core::set_latencies(const sc_core::sc_time& read, const sc_core::sc_time& write) {
    read_latency_ = read;
    write_latency_ = write;
    invalidate_dmi(); // granted DMI regions carry the old latencies
}

void memory_core::invalidate_dmi() {
    if (invalidator_) invalidator_(0, size_ - 1);
}

tlm::tlm_sync_enum memory_core::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&, sc_core::sc_time&) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
}

tlm::tlm_response_status memory_core::access(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (addr >= size_ || len > size_ - addr)
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (gp.get_streaming_width() < len)
        return tlm::TLM_BURST_ERROR_RESPONSE;
    unsigned char* mem = data_ + addr;
    unsigned char* buf = gp.get_data_ptr();
    const unsigned char* be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    switch (gp.get_command()) {
    case tlm::TLM_READ_COMMAND:
        if (!be) {
            copy(buf, mem, len);
        } else {
            for (unsigned i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) buf[i] = mem[i];
        }
        return tlm::TLM_OK_RESPONSE;
    case tlm::TLM_WRITE_COMMAND:
        if (!writable_)
            return tlm::TLM_COMMAND_ERROR_RESPONSE;
        if (observer_) {
            const auto* ext = gp.get_extension<persistence_extension>();
            observer_->before_store(addr, len, ext ? ext->pc : 0);
        }
        if (!be) {
            copy(mem, buf, len);
        } else {
            for (unsigned i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = buf[i];
        }
        return tlm::TLM_OK_RESPONSE;
    default:
        // A cache-block operation: of interest to the observer and the timing only. Named to the
        // initiator, so that its fences reach them without DMI too.
        if (const auto* ext = gp.get_extension<persistence_extension>(); ext && observer_) {
            if (ext->op == persist_op::fence) observer_->fence(ext->pc); // a fence as a transaction
            else observer_->cache_op(addr, ext->op, ext->pc);
        }
        if (observer_) name_hook<store_observer>(gp, observer_);
        if (timing_) name_hook<access_timing>(gp, timing_);
        return tlm::TLM_OK_RESPONSE;
    }
}

void memory_core::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    gp.set_response_status(access(gp));
    if (gp.get_response_status() == tlm::TLM_COMMAND_ERROR_RESPONSE && gp.is_write())
        read_only_.write_refused(log_, gp.get_address());
    if (timing_ && gp.is_response_ok())
        annotate_access(*timing_, gp.get_address(), gp, delay);
    else if (gp.is_write())
        delay += write_latency_;
    else if (gp.is_read())
        delay += read_latency_;
    gp.set_dmi_allowed(true);
}

bool memory_core::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(data_);
    dmi.set_start_address(0);
    dmi.set_end_address(size_ - 1);
    dmi.set_read_latency(dmi.get_read_latency() + read_latency_);
    dmi.set_write_latency(dmi.get_write_latency() + write_latency_);
    dmi.set_granted_access(writable_ ? tlm::tlm_dmi::DMI_ACCESS_READ_WRITE
                                     : tlm::tlm_dmi::DMI_ACCESS_READ);
    if (timing_) {
        auto* ext = gp.get_extension<access_timing_extension>();
        if (!ext) return false; // it would bypass the timing: b_transport instead
        ext->hook = timing_;
    }
    if (observer_ && writable_) {
        // Write access only for initiators that will tell the observer what they write.
        auto* ext = gp.get_extension<store_observer_extension>();
        if (!ext) {
            dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ);
            return !gp.is_write();
        }
        ext->hook = observer_;
    }
    return writable_ || !gp.is_write();
}

unsigned memory_core::transport_dbg(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    if (addr >= size_)
        return 0;
    const unsigned len = static_cast<unsigned>(std::min<std::uint64_t>(gp.get_data_length(),
                                                                       size_ - addr));
    if (gp.is_write()) {
        if (!debug_writable_)
            return 0;
        if (observer_) observer_->before_store(addr, len, 0);
        std::memcpy(data_ + addr, gp.get_data_ptr(), len);
    } else if (gp.is_read()) {
        std::memcpy(gp.get_data_ptr(), data_ + addr, len);
    }
    return len;
}

} // namespace pmemvp
