// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pmemvp::acpi {

using table = std::vector<std::uint8_t>;

// What the NFIT describes, independent of how the platform models it.
struct nfit_spa {
    std::uint16_t index;
    std::uint64_t base, length;
    std::uint32_t proximity_domain = 0;
};
struct nfit_interleave {
    std::uint16_t index;
    std::uint32_t line_size;
    std::vector<std::uint32_t> line_offsets; // in lines, one per line described
};
struct nfit_dimm {
    std::uint32_t handle;
    std::uint16_t spa_index, dcr_index;
    std::uint32_t serial;
    std::uint64_t region_size, region_offset, dpa = 0;
    std::uint16_t interleave_index = 0, interleave_ways = 1;
    bool unarmed = false;
    std::vector<std::uint64_t> flush_hints; // addresses
};
struct nfit_config {
    std::vector<nfit_spa> spas;
    std::vector<nfit_interleave> interleaves;
    std::vector<nfit_dimm> dimms;
    // Platform Capabilities: 3 = CPU cache flush on power loss (eADR), 2 = memory controller
    // flush (ADR), 0 = neither; absent = no structure.
    std::optional<std::uint32_t> capabilities;
};

// NFIT structure types and sizes (ACPI 6.x §5.2.25).
enum : std::uint16_t { nfit_type_spa = 0, nfit_type_memdev = 1, nfit_type_interleave = 2,
                       nfit_type_dcr = 4, nfit_type_flush = 6, nfit_type_caps = 7 };
constexpr std::size_t header_size = 36, nfit_header_size = 40;

// The persistent-memory SPA range type GUID 66f0d379-b4f3-4074-ac43-0d3318b78cdb as stored.
extern const std::array<std::uint8_t, 16> pm_range_guid;

table build_nfit(const nfit_config& config);
table build_xsdt(const std::vector<std::uint64_t>& table_addresses);
table build_rsdp(std::uint64_t xsdt_address);

// Sum of bytes modulo 256 (0 for a table with a correct checksum).
std::uint8_t byte_sum(const std::uint8_t* data, std::size_t length);

// The tables placed at `base` (RSDP, then XSDT, then the others, 16-byte aligned) as one
// image, with the address of each table.
struct placed_tables {
    std::uint64_t rsdp_address;
    std::vector<std::uint8_t> image;
    std::vector<std::pair<std::string, table>> tables; // name (signature) and content
};
placed_tables place_tables(std::uint64_t base, const std::vector<table>& tables);

} // namespace pmemvp::acpi
