// SPDX-License-Identifier: Apache-2.0
// The NFIT and namespace-label formats (sw/lib/nvdimm), against label areas built here byte
// by byte from the layout Linux uses, and NFITs built by models/acpi, intact and corrupted.
#include "labels.h"
#include "nfit.h"
#include "pmemvp/acpi/tables.h"
#include "pmemvp/test/harness.h"

#include <cstring>
#include <vector>

namespace {

// Independent helpers: the layout from drivers/nvdimm/label.h, written out by hand.
void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) { std::memcpy(&b[at], &v, 2); }
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) { std::memcpy(&b[at], &v, 4); }
void put64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) { std::memcpy(&b[at], &v, 8); }

std::uint64_t fletcher(const std::uint8_t* p, std::size_t n) {
    std::uint32_t lo = 0, hi = 0;
    for (std::size_t i = 0; i + 4 <= n; i += 4) {
        std::uint32_t w;
        std::memcpy(&w, p + i, 4);
        lo += w;
        hi += lo;
    }
    return std::uint64_t(hi) << 32 | lo;
}

constexpr std::uint32_t area_size = 128 * 1024;

// A golden area: index blocks at 0 and 256, labels from 512.
struct golden {
    std::uint32_t label_size;
    std::uint32_t nslot;
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(area_size);

    explicit golden(std::uint32_t lsize) : label_size(lsize), nslot(lsize == 128 ? 1020 : 510) {}

    void index(int i, std::uint32_t seq, const std::vector<std::uint32_t>& used_slots) {
        const std::size_t b = 256 * i;
        std::memset(&bytes[b], 0, 256);
        std::memcpy(&bytes[b], "NAMESPACE_INDEX", 16);
        bytes[b + 19] = label_size == 256 ? 1 : 0;
        put32(bytes, b + 20, seq);
        put64(bytes, b + 24, 256 * i);
        put64(bytes, b + 32, 256);
        put64(bytes, b + 40, 256 * !i);
        put64(bytes, b + 48, 512);
        put32(bytes, b + 56, nslot);
        put16(bytes, b + 60, 1);
        put16(bytes, b + 62, label_size == 256 ? 2 : 1);
        for (std::uint32_t s = 0; s < nslot; ++s) bytes[b + 72 + s / 8] |= 1 << (s % 8);
        for (auto s : used_slots) bytes[b + 72 + s / 8] &= ~(1 << (s % 8));
        put64(bytes, b + 64, fletcher(&bytes[b], 256));
    }
    void label(std::uint32_t slot, std::uint8_t uuid_byte, const char* name, std::uint64_t size) {
        const std::size_t p = 512 + std::size_t(slot) * label_size;
        std::memset(&bytes[p], uuid_byte, 16);
        std::strncpy(reinterpret_cast<char*>(&bytes[p + 16]), name, 64);
        put16(bytes, p + 84, 1);        // nlabel
        put64(bytes, p + 104, 0x1000);  // dpa
        put64(bytes, p + 112, size);    // rawsize
        put32(bytes, p + 120, slot);
        if (label_size == 256) put64(bytes, p + 248, fletcher(&bytes[p], 256));
    }
};

std::vector<std::string> names(const nslabel_area& a) {
    std::vector<ns_label> labels(a.g.nslot);
    const int n = nslabel_list(&a, labels.data(), static_cast<int>(labels.size()));
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.emplace_back(labels[i].name);
    return out;
}

} // namespace

TEST(fletcher64, sums_little_endian_words) {
    const std::uint8_t data[8] = {1, 0, 0, 0, 2, 0, 0, 0};
    EXPECT_EQ(nd_fletcher64(data, 8), (4ull << 32) | 3);
}

TEST(label_geometry, matches_linux_for_128k) {
    struct nslabel_geometry g;
    ASSERT_EQ(nslabel_geometry(area_size, 128, &g), 0);
    EXPECT_EQ(g.nslot, 1020u);
    EXPECT_EQ(g.index_size, 256u);
    ASSERT_EQ(nslabel_geometry(area_size, 256, &g), 0);
    EXPECT_EQ(g.nslot, 510u);
    EXPECT_EQ(g.index_size, 256u);
    EXPECT_EQ(nslabel_geometry(512, 128, &g), -1);
}

TEST(labels, v11_area_with_two_indices_uses_the_newer_sequence) {
    golden a(128);
    a.label(0, 0x11, "old", 0x100000);
    a.label(1, 0x22, "new", 0x200000);
    a.index(0, 1, {0});    // older: only slot 0 in use
    a.index(1, 2, {0, 1}); // newer (2 follows 1)
    nslabel_area area;
    char why[200];
    ASSERT_EQ(nslabel_open(a.bytes.data(), area_size, &area, why, sizeof why), 0) << why;
    EXPECT_EQ(area.g.label_size, 128u);
    EXPECT_EQ(area.current, 1);
    EXPECT_EQ(names(area), (std::vector<std::string>{"old", "new"}));
}

TEST(labels, v12_area_sequence_wraps_from_3_to_1) {
    golden a(256);
    a.label(5, 0x33, "ns-a", 0x400000);
    a.index(0, 3, {});
    a.index(1, 1, {5}); // 1 follows 3
    nslabel_area area;
    ASSERT_EQ(nslabel_open(a.bytes.data(), area_size, &area, nullptr, 0), 0);
    EXPECT_EQ(area.g.label_size, 256u);
    EXPECT_EQ(area.current, 1);
    std::vector<ns_label> labels(4);
    ASSERT_EQ(nslabel_list(&area, labels.data(), 4), 1);
    EXPECT_STREQ(labels[0].name, "ns-a");
    EXPECT_EQ(labels[0].rawsize, 0x400000u);
    EXPECT_EQ(labels[0].dpa, 0x1000u);
    EXPECT_EQ(labels[0].slot, 5u);
    EXPECT_TRUE(labels[0].checksum_ok);
}

TEST(labels, torn_update_falls_back_to_the_valid_index) {
    golden a(256);
    a.label(0, 0x44, "committed", 0x100000);
    a.label(1, 0x55, "torn", 0x100000);
    a.index(0, 1, {0});
    a.index(1, 2, {0, 1});
    a.bytes[256 + 100] ^= 0xff; // the newer index was half written: its checksum fails
    nslabel_area area;
    ASSERT_EQ(nslabel_open(a.bytes.data(), area_size, &area, nullptr, 0), 0);
    EXPECT_EQ(area.current, 0);
    EXPECT_FALSE(area.valid[1]);
    EXPECT_EQ(names(area), (std::vector<std::string>{"committed"}));
}

TEST(labels, a_label_with_a_bad_checksum_is_not_listed) {
    golden a(256);
    a.label(0, 0x66, "good", 0x100000);
    a.label(1, 0x77, "bad", 0x100000);
    a.bytes[512 + 256 + 20] ^= 1;
    a.index(0, 3, {0, 1});
    a.index(1, 2, {});
    nslabel_area area;
    ASSERT_EQ(nslabel_open(a.bytes.data(), area_size, &area, nullptr, 0), 0);
    EXPECT_EQ(names(area), (std::vector<std::string>{"good"}));
}

TEST(labels, no_valid_index_is_reported_with_reasons) {
    golden a(128);
    a.index(0, 1, {});
    a.index(1, 0, {}); // sequence 0 is invalid
    a.bytes[0] = 'X';  // and index 0 loses its signature
    nslabel_area area;
    char why[200];
    EXPECT_EQ(nslabel_open(a.bytes.data(), area_size, &area, why, sizeof why), -1);
    EXPECT_NE(std::string(why).find("bad signature"), std::string::npos) << why;
    EXPECT_NE(std::string(why).find("sequence number 0"), std::string::npos) << why;
}

TEST(labels, init_add_remove_round_trip_in_linux_format) {
    for (std::uint32_t lsize : {128u, 256u}) {
        std::vector<std::uint8_t> bytes(area_size);
        nslabel_area area;
        ASSERT_EQ(nslabel_init(bytes.data(), area_size, lsize, &area), 0);
        EXPECT_EQ(area.current, 0) << "init writes sequence 3 and 2: index 0 is newer";
        ns_label l{};
        std::memset(l.uuid, 0xab, 16);
        std::strcpy(l.name, "first");
        l.nlabel = 1;
        l.rawsize = 0x10000;
        EXPECT_EQ(nslabel_add(&area, &l), 0);
        std::strcpy(l.name, "second");
        std::memset(l.uuid, 0xcd, 16);
        EXPECT_EQ(nslabel_add(&area, &l), 1);
        // Re-read from the bytes alone, as another program would.
        nslabel_area reopened;
        ASSERT_EQ(nslabel_open(bytes.data(), area_size, &reopened, nullptr, 0), 0);
        EXPECT_EQ(reopened.g.label_size, lsize);
        EXPECT_EQ(names(reopened), (std::vector<std::string>{"first", "second"}));
        EXPECT_EQ(reopened.seq[reopened.current], 2u) << "3 -> 1 -> 2";
        const std::uint8_t first[16] = {0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                        0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
        EXPECT_EQ(nslabel_remove(&reopened, first), 1);
        nslabel_area after;
        ASSERT_EQ(nslabel_open(bytes.data(), area_size, &after, nullptr, 0), 0);
        EXPECT_EQ(names(after), (std::vector<std::string>{"second"}));
        // The index blocks our writer made pass the hand-written checks of the golden layout.
        const std::size_t cur = 256 * after.current;
        EXPECT_EQ(std::memcmp(&bytes[cur], "NAMESPACE_INDEX", 16), 0);
        std::uint64_t sum;
        std::memcpy(&sum, &bytes[cur + 64], 8);
        std::vector<std::uint8_t> copy(bytes.begin() + cur, bytes.begin() + cur + 256);
        std::memset(&copy[64], 0, 8);
        EXPECT_EQ(sum, fletcher(copy.data(), 256));
    }
}

TEST(labels, a_full_area_refuses_more_labels) {
    std::vector<std::uint8_t> bytes(area_size);
    nslabel_area area;
    ASSERT_EQ(nslabel_init(bytes.data(), area_size, 256, &area), 0);
    ns_label l{};
    for (std::uint32_t i = 0; i < area.g.nslot; ++i) ASSERT_GE(nslabel_add(&area, &l), 0);
    EXPECT_EQ(nslabel_add(&area, &l), -1);
}

// Found by tests/fuzz/fuzz_labels: areas over 4 MiB (128-byte labels) or 8 MiB (256-byte) have
// free maps over 4 KiB, which nslabel_add, nslabel_remove and nslabel_init copied into a
// 4 KiB stack buffer (a stack overflow in the guest and in pmemvp-inspect), and index blocks
// over 4 KiB got checksum 0 instead of Linux's Fletcher-64.
TEST(labels, areas_with_index_blocks_over_4k_keep_the_linux_format) {
    for (std::uint32_t size : {8u << 20, 16u << 20}) {
        for (std::uint32_t lsize : {128u, 256u}) {
            std::vector<std::uint8_t> bytes(size);
            nslabel_area area;
            ASSERT_EQ(nslabel_init(bytes.data(), size, lsize, &area), 0);
            ASSERT_GT(area.g.index_size, 4096u);
            ns_label l{};
            std::memset(l.uuid, 0xab, 16);
            std::strcpy(l.name, "big");
            EXPECT_EQ(nslabel_add(&area, &l), 0);
            std::memset(l.uuid, 0xcd, 16);
            std::strcpy(l.name, "other");
            EXPECT_EQ(nslabel_add(&area, &l), 1);
            nslabel_area reopened;
            char why[160] = "";
            ASSERT_EQ(nslabel_open(bytes.data(), size, &reopened, why, sizeof why), 0) << why;
            EXPECT_EQ(reopened.g.label_size, lsize);
            EXPECT_EQ(names(reopened), (std::vector<std::string>{"big", "other"}));
            const std::uint8_t big[16] = {0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                          0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
            EXPECT_EQ(nslabel_remove(&reopened, big), 1);
            ASSERT_EQ(nslabel_open(bytes.data(), size, &reopened, why, sizeof why), 0) << why;
            EXPECT_EQ(names(reopened), (std::vector<std::string>{"other"}));
            // Both index blocks carry Linux's checksum over the whole block, and the free map
            // marks exactly slot 1 used, past the first 4 KiB of the map too.
            for (std::size_t i = 0; i < 2; ++i) {
                const std::size_t at = i * reopened.g.index_size;
                std::vector<std::uint8_t> copy(bytes.begin() + at, bytes.begin() + at + reopened.g.index_size);
                std::uint64_t sum;
                std::memcpy(&sum, &copy[64], 8);
                std::memset(&copy[64], 0, 8);
                EXPECT_EQ(sum, fletcher(copy.data(), copy.size())) << size << " " << lsize << " index " << i;
                EXPECT_NE(sum, 0u);
            }
            for (std::uint32_t s = 0; s < reopened.g.nslot; ++s)
                ASSERT_EQ(nslabel_slot_is_free(&reopened, s), s != 1) << "slot " << s;
            // An index block whose checksum field is 0 is not taken for a valid one.
            std::vector<std::uint8_t> zeroed = bytes;
            for (std::size_t i = 0; i < 2; ++i) std::memset(&zeroed[i * reopened.g.index_size + 64], 0, 8);
            EXPECT_EQ(nslabel_open(zeroed.data(), size, &reopened, why, sizeof why), -1);
            EXPECT_NE(std::string(why).find("checksum mismatch"), std::string::npos) << why;
        }
    }
}

namespace {

pmemvp::acpi::nfit_config two_dimm_set() {
    using namespace pmemvp::acpi;
    nfit_config c;
    c.spas.push_back({2, 0x100000000ull, 0x8000000, 0});
    c.interleaves.push_back({1, 4096, {0}});
    c.interleaves.push_back({2, 4096, {1}});
    nfit_dimm a{1, 2, 3, 0x123456, 0x4000000, 0, 0, 1, 2, false, {0x10100100}};
    nfit_dimm b{2, 2, 5, 0x123457, 0x4000000, 0x1000, 0, 2, 2, true, {0x10101100, 0x10101108}};
    c.dimms = {a, b};
    c.capabilities = 2;
    return c;
}

std::string parse_error(const pmemvp::acpi::table& t) {
    nfit_info info;
    return nfit_parse(t.data(), t.size(), &info) == 0 ? std::string("accepted") : std::string(info.error);
}

void fix_checksum(pmemvp::acpi::table& t) {
    t[9] = 0;
    t[9] = static_cast<std::uint8_t>(-pmemvp::acpi::byte_sum(t.data(), t.size()));
}

} // namespace

TEST(nfit, our_table_parses_with_every_field) {
    const auto t = pmemvp::acpi::build_nfit(two_dimm_set());
    nfit_info info;
    ASSERT_EQ(nfit_parse(t.data(), t.size(), &info), 0) << info.error;
    ASSERT_EQ(info.nspa, 1u);
    EXPECT_TRUE(info.spa[0].persistent);
    EXPECT_EQ(info.spa[0].base, 0x100000000ull);
    ASSERT_EQ(info.ndimm, 2u);
    EXPECT_EQ(info.dimm[1].handle, 2u);
    EXPECT_EQ(info.dimm[1].serial, 0x123457u);
    EXPECT_EQ(info.dimm[1].region_offset, 0x1000u);
    EXPECT_EQ(info.dimm[1].interleave_ways, 2u);
    EXPECT_EQ(info.dimm[1].line_size, 4096u);
    EXPECT_EQ(info.dimm[1].flags, NFIT_MEM_NOT_ARMED);
    EXPECT_EQ(info.dimm[1].vendor, 0x8086);
    EXPECT_EQ(info.dimm[1].fic, 0x301);
    ASSERT_EQ(info.dimm[1].hint_count, 2u);
    EXPECT_EQ(info.dimm[1].hints[1], 0x10101108u);
    EXPECT_TRUE(info.has_capabilities);
    EXPECT_EQ(info.capabilities, 2u);
    EXPECT_STREQ(info.oem_id, "PMEMVP");
}

TEST(nfit, iset_cookie_is_fletcher_of_the_sorted_mappings) {
    const auto t = pmemvp::acpi::build_nfit(two_dimm_set());
    nfit_info info;
    ASSERT_EQ(nfit_parse(t.data(), t.size(), &info), 0);
    std::uint8_t map[32] = {};
    const std::uint64_t off1 = 0x1000;
    const std::uint32_t s0 = 0x123456, s1 = 0x123457;
    std::memcpy(map + 8, &s0, 4);
    std::memcpy(map + 16, &off1, 8);
    std::memcpy(map + 24, &s1, 4);
    EXPECT_EQ(nfit_iset_cookie(&info, 2, 1), fletcher(map, 32));
    EXPECT_NE(nfit_iset_cookie(&info, 2, 2), nfit_iset_cookie(&info, 2, 1));
    EXPECT_EQ(nfit_iset_cookie(&info, 9, 1), 0u);
}

TEST(nfit, corrupted_tables_are_rejected_naming_the_problem) {
    using pmemvp::acpi::build_nfit;
    auto t = build_nfit(two_dimm_set());
    auto bad = t;
    bad[50] ^= 1;
    EXPECT_NE(parse_error(bad).find("checksum"), std::string::npos) << parse_error(bad);
    bad = t;
    bad.resize(t.size() - 8);
    EXPECT_NE(parse_error(bad).find("truncated"), std::string::npos) << parse_error(bad);
    bad = t;
    bad.resize(20);
    EXPECT_NE(parse_error(bad).find("truncated"), std::string::npos);
    bad = t;
    std::memcpy(&bad[0], "NFIX", 4);
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("signature"), std::string::npos);
    // The first memdev starts after the 56-byte SPA: offset 40 + 56.
    const std::size_t memdev = 40 + 56;
    bad = t;
    bad[memdev + 2] = 40; // wrong length
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("length 40, must be 48"), std::string::npos) << parse_error(bad);
    bad = t;
    bad[memdev + 14] = 9; // dangling control region index
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("control region index 9 does not exist"), std::string::npos) << parse_error(bad);
    bad = t;
    bad[memdev + 12] = 7; // dangling SPA index
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("SPA range index 7 does not exist"), std::string::npos) << parse_error(bad);
    bad = t;
    bad[memdev + 40] = 5; // dangling interleave index
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("interleave index 5 does not exist"), std::string::npos) << parse_error(bad);
    bad = t;
    bad[memdev + 2] = 0; // zero-length structure
    bad[memdev + 3] = 0;
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("too small"), std::string::npos) << parse_error(bad);
    bad = t;
    bad[memdev + 2] = 0xff; // runs past the end
    bad[memdev + 3] = 0x7f;
    fix_checksum(bad);
    EXPECT_NE(parse_error(bad).find("past the table end"), std::string::npos) << parse_error(bad);
}

TEST(nfit, flush_hints_for_an_unknown_handle_are_rejected) {
    auto c = two_dimm_set();
    auto t = pmemvp::acpi::build_nfit(c);
    // Find the first flush hint structure (type 6) and point it at handle 0x99.
    for (std::size_t off = 40; off < t.size();) {
        const std::uint16_t type = t[off] | t[off + 1] << 8, len = t[off + 2] | t[off + 3] << 8;
        if (type == 6) {
            t[off + 4] = 0x99;
            break;
        }
        off += len;
    }
    fix_checksum(t);
    EXPECT_NE(parse_error(t).find("device handle 0x99"), std::string::npos) << parse_error(t);
}

TEST(acpi, rsdp_and_xsdt_checksums_and_pointers) {
    const auto placed = pmemvp::acpi::place_tables(0x1100, {pmemvp::acpi::build_nfit(two_dimm_set())});
    EXPECT_EQ(placed.rsdp_address, 0x1100u);
    const auto& rsdp = placed.tables[0].second;
    ASSERT_EQ(rsdp.size(), 36u);
    EXPECT_EQ(std::memcmp(rsdp.data(), "RSD PTR ", 8), 0);
    EXPECT_EQ(pmemvp::acpi::byte_sum(rsdp.data(), 20), 0);
    EXPECT_EQ(pmemvp::acpi::byte_sum(rsdp.data(), 36), 0);
    EXPECT_EQ(rsdp[15], 2);
    std::uint64_t xsdt_at;
    std::memcpy(&xsdt_at, &rsdp[24], 8);
    const auto& xsdt = placed.tables[1].second;
    EXPECT_EQ(std::memcmp(&placed.image[xsdt_at - 0x1100], xsdt.data(), xsdt.size()), 0);
    EXPECT_EQ(pmemvp::acpi::byte_sum(xsdt.data(), xsdt.size()), 0);
    std::uint64_t nfit_at;
    std::memcpy(&nfit_at, &xsdt[36], 8);
    EXPECT_EQ(std::memcmp(&placed.image[nfit_at - 0x1100], "NFIT", 4), 0);
    EXPECT_EQ(nfit_at % 16, 0u);
}
