// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/harness.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

using pmemvp::config_error;
using pmemvp::util::keyval_list;
using pmemvp::util::parse_bool;
using pmemvp::util::parse_size;

TEST(parse_size, accepts_binary_suffixes_and_hex) {
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("64K"), 64u << 10);
    EXPECT_EQ(parse_size("64k"), 64u << 10);
    EXPECT_EQ(parse_size("256M"), 256ull << 20);
    EXPECT_EQ(parse_size("256MB"), 256ull << 20);
    EXPECT_EQ(parse_size("2G"), 2ull << 30);
    EXPECT_EQ(parse_size("1T"), 1ull << 40);
    EXPECT_EQ(parse_size("0x1000"), 0x1000u);
    EXPECT_EQ(parse_size("0"), 0u);
}

TEST(parse_size, rejects_garbage_and_overflow) {
    EXPECT_FALSE(parse_size(""));
    EXPECT_FALSE(parse_size("M"));
    EXPECT_FALSE(parse_size("-1"));
    EXPECT_FALSE(parse_size("12Q"));
    EXPECT_FALSE(parse_size("1.5G"));
    EXPECT_FALSE(parse_size("64MiB"));
    EXPECT_FALSE(parse_size("99999999999T"));
}

TEST(parse_bool, knows_qemu_words) {
    EXPECT_EQ(parse_bool("on"), true);
    EXPECT_EQ(parse_bool("OFF"), false);
    EXPECT_EQ(parse_bool("yes"), true);
    EXPECT_EQ(parse_bool("false"), false);
    EXPECT_FALSE(parse_bool("maybe"));
}

TEST(keyval_list, reads_head_and_values) {
    keyval_list l("-device", "nvdimm,id=n0,memdev=m0,unarmed=on", true);
    EXPECT_EQ(l.head(), "nvdimm");
    EXPECT_EQ(l.take_string("id"), "n0");
    EXPECT_EQ(l.take_bool("unarmed"), true);
    EXPECT_EQ(l.take_string("memdev"), "m0");
    EXPECT_FALSE(l.take_string("slot"));
    EXPECT_NO_THROW(l.finish({"id", "memdev", "unarmed", "slot"}));
}

TEST(keyval_list, unknown_key_names_it_and_the_accepted_ones) {
    keyval_list l("-object memory-backend-file", "size=1M,colour=red");
    l.take_size("size");
    try {
        l.finish({"size", "mem-path"});
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("'colour'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("size, mem-path"), std::string::npos) << e.what();
    }
}

TEST(keyval_list, a_bare_key_is_a_switch_turned_on_as_in_qemu) {
    keyval_list l("-object memory-backend-file", "id=m,share,mem-path");
    EXPECT_EQ(l.take_bool("share"), true);
    try {
        l.take_string("mem-path");
        ADD_FAILURE() << "a bare key has no string value";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("'mem-path' needs a value"), std::string::npos) << e.what();
    }
}

TEST(keyval_list, malformed_lists_are_errors) {
    EXPECT_THROW(keyval_list("x", "a=1,,b=2"), config_error);
    EXPECT_THROW(keyval_list("x", "=1"), config_error);
    EXPECT_THROW(keyval_list("x", "a=1,a=2"), config_error);
    keyval_list bad("x", "size=lots");
    EXPECT_THROW(bad.take_size("size"), config_error);
}
