// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/acpi/tables.h"

#include <cstring>

namespace pmemvp::acpi {

const std::array<std::uint8_t, 16> pm_range_guid = {0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
                                                    0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb};

namespace {

// Little-endian appenders.
struct writer {
    table& t;
    void u8(std::uint64_t v) { t.push_back(static_cast<std::uint8_t>(v)); }
    void u16(std::uint64_t v) { for (int i = 0; i < 2; ++i) u8(v >> (8 * i)); }
    void u32(std::uint64_t v) { for (int i = 0; i < 4; ++i) u8(v >> (8 * i)); }
    void u64(std::uint64_t v) { for (int i = 0; i < 8; ++i) u8(v >> (8 * i)); }
    void bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        t.insert(t.end(), b, b + n);
    }
    void zeros(std::size_t n) { t.insert(t.end(), n, 0); }
};

void header(table& t, const char* signature, std::uint8_t revision) {
    writer w{t};
    w.bytes(signature, 4);
    w.u32(0); // length, patched by finish()
    w.u8(revision);
    w.u8(0);  // checksum, patched by finish()
    w.bytes("PMEMVP", 6);
    w.bytes("PMEMVPVT", 8);
    w.u32(1);
    w.bytes("PMVP", 4);
    w.u32(1);
}

void finish(table& t) {
    const auto length = static_cast<std::uint32_t>(t.size());
    std::memcpy(&t[4], &length, 4);
    t[9] = 0;
    t[9] = static_cast<std::uint8_t>(-byte_sum(t.data(), t.size()));
}

} // namespace

std::uint8_t byte_sum(const std::uint8_t* data, std::size_t length) {
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < length; ++i) sum = static_cast<std::uint8_t>(sum + data[i]);
    return sum;
}

table build_nfit(const nfit_config& c) {
    table t;
    header(t, "NFIT", 1);
    writer w{t};
    w.u32(0); // reserved
    for (const auto& s : c.spas) {
        w.u16(nfit_type_spa);
        w.u16(56);
        w.u16(s.index);
        w.u16(2); // proximity domain valid
        w.u32(0);
        w.u32(s.proximity_domain);
        w.bytes(pm_range_guid.data(), 16);
        w.u64(s.base);
        w.u64(s.length);
        w.u64(0x8 | 0x8000); // EFI_MEMORY_WB | EFI_MEMORY_NV
    }
    for (const auto& d : c.dimms) {
        w.u16(nfit_type_memdev);
        w.u16(48);
        w.u32(d.handle);
        w.u16(0); // physical id
        w.u16(0); // region id
        w.u16(d.spa_index);
        w.u16(d.dcr_index);
        w.u64(d.region_size);
        w.u64(d.region_offset);
        w.u64(d.dpa);
        w.u16(d.interleave_index);
        w.u16(d.interleave_ways);
        w.u16(d.unarmed ? 1u << 3 : 0); // ACPI_NFIT_MEM_NOT_ARMED
        w.u16(0);
    }
    for (const auto& i : c.interleaves) {
        w.u16(nfit_type_interleave);
        w.u16(16 + 4 * i.line_offsets.size());
        w.u16(i.index);
        w.u16(0);
        w.u32(static_cast<std::uint32_t>(i.line_offsets.size()));
        w.u32(i.line_size);
        for (auto off : i.line_offsets) w.u32(off);
    }
    for (const auto& d : c.dimms) {
        w.u16(nfit_type_dcr);
        w.u16(80);
        w.u16(d.dcr_index);
        w.u16(0x8086); // vendor, as QEMU
        w.u16(1);      // device
        w.u16(1);      // revision
        w.u16(0);
        w.u16(0);
        w.u16(0);
        w.u8(0); // valid fields
        w.u8(0); // manufacturing location
        w.u16(0); // manufacturing date
        w.zeros(2);
        w.u32(d.serial);
        w.u16(0x301); // byte-addressable, not energy-backed
        w.u16(0);     // no block control windows
        w.zeros(80 - 32);
    }
    for (const auto& d : c.dimms) {
        if (d.flush_hints.empty()) continue;
        w.u16(nfit_type_flush);
        w.u16(16 + 8 * d.flush_hints.size());
        w.u32(d.handle);
        w.u16(static_cast<std::uint16_t>(d.flush_hints.size()));
        w.zeros(6);
        for (auto a : d.flush_hints) w.u64(a);
    }
    if (c.capabilities) {
        w.u16(nfit_type_caps);
        w.u16(16);
        // Highest valid capability bit: at least 1, so "none" (0) says both flushes are absent.
        w.u8(*c.capabilities > 3 ? 31 - __builtin_clz(*c.capabilities) : 1);
        w.zeros(3);
        w.u32(*c.capabilities);
        w.u32(0);
    }
    finish(t);
    return t;
}

table build_xsdt(const std::vector<std::uint64_t>& addresses) {
    table t;
    header(t, "XSDT", 1);
    writer w{t};
    for (auto a : addresses) w.u64(a);
    finish(t);
    return t;
}

table build_rsdp(std::uint64_t xsdt_address) {
    table t;
    writer w{t};
    w.bytes("RSD PTR ", 8);
    w.u8(0); // checksum of the first 20 bytes
    w.bytes("PMEMVP", 6);
    w.u8(2); // ACPI 2.0+
    w.u32(0); // no RSDT
    w.u32(36);
    w.u64(xsdt_address);
    w.u8(0); // extended checksum
    w.zeros(3);
    t[8] = static_cast<std::uint8_t>(-byte_sum(t.data(), 20));
    t[32] = static_cast<std::uint8_t>(-byte_sum(t.data(), 36));
    return t;
}

placed_tables place_tables(std::uint64_t base, const std::vector<table>& tables) {
    auto align16 = [](std::uint64_t v) { return (v + 15) & ~15ull; };
    placed_tables p;
    p.rsdp_address = base;
    const std::uint64_t xsdt_address = align16(base + 36);
    std::vector<std::uint64_t> addresses;
    std::uint64_t next = align16(xsdt_address + header_size + 8 * tables.size());
    for (const auto& t : tables) {
        addresses.push_back(next);
        next = align16(next + t.size());
    }
    const table xsdt = build_xsdt(addresses);
    const table rsdp = build_rsdp(xsdt_address);
    p.image.assign(next - base, 0);
    auto put = [&](std::uint64_t at, const table& t) { std::memcpy(&p.image[at - base], t.data(), t.size()); };
    put(base, rsdp);
    put(xsdt_address, xsdt);
    p.tables.emplace_back("RSDP", rsdp);
    p.tables.emplace_back("XSDT", xsdt);
    for (std::size_t i = 0; i < tables.size(); ++i) {
        put(addresses[i], tables[i]);
        p.tables.emplace_back(std::string(reinterpret_cast<const char*>(tables[i].data()), 4), tables[i]);
    }
    return p;
}

} // namespace pmemvp::acpi
