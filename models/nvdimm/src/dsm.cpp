// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/dsm.h"

#include <algorithm>
#include <cstring>

namespace pmemvp::nvdimm {

namespace {

std::uint32_t rd32(const unsigned char* p) { std::uint32_t v; std::memcpy(&v, p, 4); return v; }
std::uint64_t rd64(const unsigned char* p) { std::uint64_t v; std::memcpy(&v, p, 8); return v; }

// Intel DIMM function numbers and root (ACPI 6.1 §9.20.7) function numbers.
enum : std::uint32_t { fn_query = DSM_FN_QUERY, fn_smart = DSM_FN_SMART, fn_label_size = DSM_FN_LABEL_SIZE,
                       fn_label_read = DSM_FN_LABEL_READ, fn_label_write = DSM_FN_LABEL_WRITE };
enum : std::uint32_t { root_ars_cap = DSM_FN_ARS_CAP, root_ars_start = DSM_FN_ARS_START,
                       root_ars_status = DSM_FN_ARS_STATUS, root_clear_error = DSM_FN_CLEAR_ERROR };
constexpr std::uint32_t ars_persistent = 2;              // ND_ARS_PERSISTENT
constexpr std::uint32_t ars_status_none = 2u << 16;      // no scrub has run
constexpr std::uint32_t clear_error_unit = 256;
constexpr std::size_t arg_offset = DSM_IN_ARG, arg_size = dsm_page_size - arg_offset;

} // namespace

// The output being built: {u32 length, data...}, never past the page.
struct dsm_handler::reply {
    unsigned char buf[dsm_page_size] = {};
    std::size_t used = 4;
    void u8(std::uint64_t v) { put(&v, 1); }
    void u16(std::uint64_t v) { put(&v, 2); }
    void u32(std::uint64_t v) { put(&v, 4); }
    void u64(std::uint64_t v) { put(&v, 8); }
    void put(const void* p, std::size_t n) {
        n = std::min(n, dsm_page_size - used);
        if (n == 0) return; // p may be null then (an empty FIT)
        std::memcpy(buf + used, p, n);
        used += n;
    }
    void status(std::uint32_t s) { used = 4; u32(s); }
};

dsm_handler::dsm_handler(std::vector<nvdimm*> dimms, std::vector<spa_range> ranges)
    : dimms_(std::move(dimms)), ranges_(std::move(ranges)) {
    for (const auto& r : ranges_) add_badranges(r);
}

void dsm_handler::add(nvdimm* dimm, const spa_range& range) {
    dimms_.push_back(dimm);
    ranges_.push_back(range);
    add_badranges(range);
}

void dsm_handler::add_badranges(const spa_range& r) {
    for (unsigned pos = 0; pos < r.dimms.size(); ++pos) {
        for (const auto& [off, len] : r.dimms[pos]->options().badranges) {
            // Each DIMM line maps to its own place in the SPA range.
            const std::uint64_t line = r.granularity ? r.granularity : len;
            for (std::uint64_t o = off; o < off + len;) {
                const std::uint64_t n = std::min(off + len - o, line - o % line);
                const std::uint64_t spa = r.base + r.spa_offset(pos, o);
                add_bad(spa, spa + n);
                o += n;
            }
        }
    }
}

void dsm_handler::set_fit(std::vector<unsigned char> fit) {
    fit_ = std::move(fit);
    fit_dirty_ = true;
}

void dsm_handler::add_bad(std::uint64_t start, std::uint64_t end) {
    auto it = bad_.upper_bound(start);
    if (it != bad_.begin() && std::prev(it)->second >= start) {
        --it;
        start = it->first;
        end = std::max(end, it->second);
        it = bad_.erase(it);
    }
    while (it != bad_.end() && it->first <= end) {
        end = std::max(end, it->second);
        it = bad_.erase(it);
    }
    bad_[start] = end;
}

std::uint64_t dsm_handler::clear_bad(std::uint64_t start, std::uint64_t end) {
    std::uint64_t cleared = 0;
    std::map<std::uint64_t, std::uint64_t> keep;
    for (const auto& [s, e] : bad_) {
        if (e <= start || s >= end) { keep[s] = e; continue; }
        cleared += std::min(e, end) - std::max(s, start);
        if (s < start) keep[s] = start;
        if (e > end) keep[end] = e;
    }
    bad_ = keep;
    return cleared;
}

const spa_range* dsm_handler::range_holding(std::uint64_t address, std::uint64_t length) const {
    for (const auto& r : ranges_)
        if (address >= r.base && length <= r.size && address - r.base <= r.size - length)
            return &r;
    return nullptr;
}

void dsm_handler::call(unsigned char* page) {
    ++calls_;
    const std::uint32_t handle = rd32(page), revision = rd32(page + 4), function = rd32(page + 8);
    unsigned char arg[arg_size];
    std::memcpy(arg, page + arg_offset, arg_size); // the guest may change the page meanwhile
    reply out;
    if (revision != 1) {
        out.status(dsm_status::not_supported);
    } else if (handle == 0) {
        root_call(function, arg, out);
    } else if (handle == DSM_ROOT_FIT_HANDLE) {
        reserved_root_call(function, arg, out);
    } else {
        auto it = std::find_if(dimms_.begin(), dimms_.end(), [&](nvdimm* d) { return d->handle() == handle; });
        if (it == dimms_.end())
            out.status(dsm_status::no_such_device);
        else
            dimm_call(**it, function, arg, out);
    }
    const auto length = static_cast<std::uint32_t>(out.used);
    std::memcpy(out.buf, &length, 4);
    std::memcpy(page, out.buf, dsm_page_size);
}

void dsm_handler::dimm_call(nvdimm& d, std::uint32_t function, const unsigned char* arg, reply& out) {
    const bool labels = d.label_size() != 0;
    switch (function) {
    case fn_query:
        out.u32(labels ? 0x73 : 0x03); // functions 0, 1 (+ 4, 5, 6 with labels)
        return;
    case fn_smart: {
        const smart_health& h = health_[d.handle()];
        out.status(dsm_status::success);
        // nd_intel_smart: flags say which fields are valid.
        out.u32((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 10));
        out.u32(0);
        out.u8(h.health);
        out.u8(h.spares);
        out.u8(h.life_used);
        out.u8(0); // alarm flags
        out.u16(h.media_temperature);
        out.u16(h.ctrl_temperature);
        out.u32(h.shutdown_count);
        out.u8(0);  // AIT status
        out.u16(0); // PMIC temperature
        for (int i = 0; i < 8; ++i) out.u8(0);
        out.u8(h.shutdown_state);
        out.u32(0); // vendor data size
        for (int i = 0; i < 92; ++i) out.u8(0);
        return;
    }
    case fn_label_size:
        if (!labels) break;
        out.status(dsm_status::success);
        out.u32(static_cast<std::uint32_t>(d.label_size()));
        out.u32(dsm_max_transfer);
        return;
    case fn_label_read:
    case fn_label_write: {
        if (!labels) break;
        const std::uint64_t offset = rd32(arg), length = rd32(arg + 4);
        if (length > dsm_max_transfer || offset + length > d.label_size()) {
            out.status(dsm_status::invalid_input);
            return;
        }
        if (function == fn_label_read) {
            out.status(dsm_status::success);
            out.put(d.labels() + offset, length);
            return;
        }
        if (d.readonly()) {
            out.status(dsm_status::not_supported);
            return;
        }
        std::memcpy(d.labels() + offset, arg + 8, length);
        // Labels are metadata: make them durable at once, as QEMU does for pmem backends.
        d.memdev().persist(d.memdev().size() - d.label_size() + offset, length);
        out.status(dsm_status::success);
        return;
    }
    }
    out.status(dsm_status::not_supported);
}

void dsm_handler::root_call(std::uint32_t function, const unsigned char* arg, reply& out) {
    const std::uint64_t address = rd64(arg), length = rd64(arg + 8);
    switch (function) {
    case fn_query:
        out.u32(0x1f); // functions 0..4
        return;
    case root_ars_cap:
        if (!range_holding(address, length) || length == 0) {
            out.status(dsm_status::invalid_input);
            return;
        }
        out.status(dsm_status::success | (ars_persistent << 16));
        out.u32(4 + 4 + 8 * 4 + 2 * 2 + 4 + 24 * 128); // max_ars_out: header + 128 records
        out.u32(clear_error_unit);
        out.u16(0);
        out.u16(0);
        return;
    case root_ars_start: {
        const std::uint16_t type = static_cast<std::uint16_t>(arg[16] | arg[17] << 8);
        if (!range_holding(address, length) || length == 0 || !(type & ars_persistent)) {
            out.status(dsm_status::invalid_input);
            return;
        }
        // The scrub completes at once: it only reports the injected list.
        ars_started_ = true;
        ars_address_ = address;
        ars_length_ = length;
        out.status(dsm_status::success);
        out.u32(0); // scrub time
        return;
    }
    case root_ars_status: {
        if (!ars_started_) {
            out.status(dsm_status::success | ars_status_none);
            return;
        }
        std::vector<std::pair<std::uint64_t, std::uint64_t>> records;
        for (const auto& [s, e] : bad_) {
            const std::uint64_t lo = std::max(s, ars_address_), hi = std::min(e, ars_address_ + ars_length_);
            if (lo < hi) records.emplace_back(lo, hi - lo);
        }
        const std::size_t fixed = 4 + 4 + 8 * 4 + 2 + 2 + 4, room = (dsm_page_size - 4 - fixed) / 24;
        const bool overflow = records.size() > room;
        if (overflow) records.resize(room);
        out.status(dsm_status::success);
        out.u32(fixed + 24 * records.size()); // out_length
        out.u64(ars_address_);
        out.u64(ars_length_);
        out.u64(0); // restart address
        out.u64(0); // restart length
        out.u16(ars_persistent);
        out.u16(overflow ? 1 : 0);
        out.u32(static_cast<std::uint32_t>(records.size()));
        for (const auto& [a, n] : records) {
            const spa_range* r = range_holding(a, 1);
            out.u32(r ? r->dimms[r->position_of(a - r->base)]->handle() : 0);
            out.u32(0);
            out.u64(a);
            out.u64(n);
        }
        return;
    }
    case root_clear_error:
        if (!range_holding(address, length) || length == 0 || address % clear_error_unit ||
            length % clear_error_unit) {
            out.status(dsm_status::invalid_input);
            return;
        }
        clear_bad(address, address + length);
        out.status(dsm_status::success);
        out.u32(0);
        out.u64(length); // the whole range is clean now
        return;
    }
    out.status(dsm_status::not_supported);
}

// QEMU's _FIT protocol: the guest reads the FIT a page at a time, keeping the offset itself.
void dsm_handler::reserved_root_call(std::uint32_t function, const unsigned char* arg, reply& out) {
    switch (function) {
    case fn_query:
        out.u32(0x3); // functions 0, 1
        return;
    case DSM_FN_READ_FIT: {
        const std::uint32_t offset = rd32(arg);
        if (offset > fit_.size()) {
            out.status(dsm_status::invalid_input);
            return;
        }
        if (offset == 0) {
            fit_dirty_ = false; // a new read begins
        } else if (fit_dirty_) {
            out.status(DSM_FIT_CHANGED); // the guest must start again at offset 0
            return;
        }
        out.status(dsm_status::success);
        out.put(fit_.data() + offset, std::min<std::size_t>(fit_.size() - offset, DSM_MAX_FIT_READ));
        return;
    }
    }
    out.status(dsm_status::not_supported);
}

} // namespace pmemvp::nvdimm
