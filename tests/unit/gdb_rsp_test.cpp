// SPDX-License-Identifier: Apache-2.0
// The GDB remote protocol's packet layer and packet handling, without sockets.
#include "pmemvp/gdb/gdb_server.h"
#include "pmemvp/gdb/rsp.h"
#include "pmemvp/test/fake_debug_target.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <random>

using namespace pmemvp;
using namespace pmemvp::gdb;

namespace {

std::vector<rsp_event> decode(const std::string& bytes) {
    rsp_decoder d;
    std::vector<rsp_event> out;
    d.feed(bytes.data(), bytes.size(), out);
    return out;
}

using fake_target = test::fake_debug_target;


std::string ask(gdb_session& s, const std::string& packet) {
    gdb_session::action then;
    return s.handle(packet, then);
}

} // namespace

TEST(gdb_rsp, frames_with_checksum) {
    EXPECT_EQ(frame("OK"), "$OK#9a");
    EXPECT_EQ(frame(""), "$#00");
    EXPECT_EQ(checksum("qSupported"), 0x37);
}

TEST(gdb_rsp, decodes_packets_acks_and_interrupts) {
    const auto e = decode("+$g#67-\x03garbage" + frame("m1000,4"));
    ASSERT_EQ(e.size(), 5u);
    EXPECT_EQ(e[0].what, rsp_event::kind::ack);
    EXPECT_EQ(e[1].what, rsp_event::kind::packet);
    EXPECT_EQ(e[1].data, "g");
    EXPECT_EQ(e[2].what, rsp_event::kind::nack);
    EXPECT_EQ(e[3].what, rsp_event::kind::interrupt);
    EXPECT_EQ(e[4].what, rsp_event::kind::packet);
    EXPECT_EQ(e[4].data, "m1000,4");
}

TEST(gdb_rsp, packets_split_across_reads) {
    rsp_decoder d;
    std::vector<rsp_event> out;
    for (const char c : std::string("$qC#b4")) d.feed(&c, 1, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data, "qC");
}

TEST(gdb_rsp, bad_checksums_and_digits_are_bad_packets) {
    auto e = decode("$g#00");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].what, rsp_event::kind::bad_packet);
    e = decode("$g#zz");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].what, rsp_event::kind::bad_packet);
    e = decode("$abc$g#67"); // cut off by a new packet
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].what, rsp_event::kind::bad_packet);
    EXPECT_EQ(e[1].data, "g");
}

TEST(gdb_rsp, oversized_packets_are_dropped) {
    std::string big = "$" + std::string(max_packet * 3, 'a');
    big += '#';
    big += frame(std::string(max_packet * 3, 'a')).substr(max_packet * 3 + 2);
    const auto e = decode(big + "$g#67");
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].what, rsp_event::kind::bad_packet);
    EXPECT_EQ(e[1].data, "g");
}

TEST(gdb_rsp, escapes_binary_data) {
    const std::string raw("a#b$c}d*e\0f", 11);
    const std::string escaped = escape_binary(raw);
    EXPECT_EQ(escaped.find_first_of("#$*"), std::string::npos);
    EXPECT_EQ(unescape_binary(escaped), raw);
    EXPECT_EQ(unescape_binary("}"), ""); // a lone escape at the end
    // An escaped '#' inside a packet does not end it.
    const std::string data = "X1000,1:}\x03";
    const auto e = decode(frame(data));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].data, data);
}

TEST(gdb_rsp, hex_and_numbers) {
    EXPECT_EQ(le_hex(0x8000006e), "6e00008000000000");
    EXPECT_EQ(le_hex(0x12, 1), "12");
    EXPECT_EQ(parse_le_hex("6e00008000000000"), 0x8000006eu);
    EXPECT_FALSE(parse_le_hex("6e0"));
    EXPECT_FALSE(parse_le_hex("zz"));
    EXPECT_FALSE(parse_le_hex("001122334455667788"));
    EXPECT_EQ(parse_number("80000000"), 0x80000000u);
    EXPECT_FALSE(parse_number(""));
    EXPECT_FALSE(parse_number("12345678123456789")); // over 64 bits
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_EQ(from_hex("4f4b"), "OK");
    const auto al = parse_address_length("1000,4");
    ASSERT_TRUE(al);
    EXPECT_EQ(al->address, 0x1000u);
    EXPECT_EQ(al->length, 4u);
    EXPECT_FALSE(parse_address_length("1000"));
    EXPECT_FALSE(parse_address_length(",4"));
}

TEST(gdb_rsp, parses_gdb_devices) {
    gdb_address a;
    std::string error;
    ASSERT_TRUE(parse_gdb_device("tcp::1234", a, error));
    EXPECT_EQ(a.host, "");
    EXPECT_EQ(a.port, 1234u);
    ASSERT_TRUE(parse_gdb_device("tcp:localhost:4321", a, error));
    EXPECT_EQ(a.host, "localhost");
    EXPECT_EQ(a.port, 4321u);
    ASSERT_TRUE(parse_gdb_device("unix:/tmp/x,server", a, error));
    EXPECT_EQ(a.unix_path, "/tmp/x");
    ASSERT_TRUE(parse_gdb_device("unix:/tmp/y,server=on,wait=off", a, error)) << error;
    EXPECT_EQ(a.unix_path, "/tmp/y");
    EXPECT_FALSE(parse_gdb_device("unix:/tmp/x,telnet", a, error));
    EXPECT_NE(error.find("unknown option 'telnet'"), std::string::npos) << error;
    EXPECT_FALSE(parse_gdb_device("unix:", a, error));
    EXPECT_FALSE(parse_gdb_device("unix:" + std::string(200, 'x'), a, error));
    EXPECT_FALSE(parse_gdb_device("udp::1234", a, error));
    EXPECT_FALSE(parse_gdb_device("tcp::99999", a, error));
    EXPECT_FALSE(parse_gdb_device("tcp::12a", a, error));
    EXPECT_FALSE(parse_gdb_device("tcp:", a, error));
}

TEST(gdb_session, registers) {
    fake_target t;
    gdb_session s(t);
    t.values_[32] = 0x80000000;
    t.values_[1] = 0x1122;
    const std::string g = ask(s, "g");
    ASSERT_EQ(g.size(), 33u * 16);
    EXPECT_EQ(g.substr(16, 16), "2211000000000000");
    EXPECT_EQ(g.substr(32 * 16), "0000008000000000");
    EXPECT_EQ(ask(s, "p20"), "0000008000000000");
    EXPECT_EQ(ask(s, "P5=0100000000000000"), "OK");
    EXPECT_EQ(t.values_[5], 1u);
    t.values_[34] = 0xa00000000;
    EXPECT_EQ(ask(s, "p" + std::string("341")), "000000000a000000"); // 65 + 0x300 = 0x341
    EXPECT_EQ(ask(s, "p1234"), "E01");
    EXPECT_EQ(ask(s, "pzz"), "E01");
    EXPECT_EQ(ask(s, "P5="), "E01");
    EXPECT_EQ(ask(s, "G" + std::string(33 * 16, '0')), "OK");
    EXPECT_EQ(t.values_[32], 0u);
    EXPECT_EQ(ask(s, "G123"), "E01");
}

TEST(gdb_session, memory) {
    fake_target t;
    gdb_session s(t);
    EXPECT_EQ(ask(s, "M1000,2:abcd"), "OK");
    EXPECT_EQ(ask(s, "m1000,3"), "abcd00");
    EXPECT_EQ(ask(s, "m1ffe,4"), "0000"); // partial at the end
    EXPECT_EQ(ask(s, "m0,4"), "E14");
    EXPECT_EQ(ask(s, "X1000,0:"), "OK");
    EXPECT_EQ(ask(s, "X1000,2:}\x03" "a"), "OK");
    EXPECT_EQ(t.memory_[0], '#');
    EXPECT_EQ(t.memory_[1], 'a');
    EXPECT_EQ(ask(s, "M1000,2:ab"), "E01");
    EXPECT_EQ(ask(s, "M1000,1:zz"), "E01");
    EXPECT_EQ(ask(s, "m1000"), "E01");
    EXPECT_EQ(ask(s, "mffffffffffffffff,ffffffffffffffff"), "E14");
    EXPECT_EQ(ask(s, "m1000,ffffffff").size(), 2u * 4096); // capped, partial
}

TEST(gdb_session, breakpoints_and_run_control) {
    fake_target t;
    gdb_session s(t);
    EXPECT_EQ(ask(s, "Z0,8000006e,2"), "OK");
    EXPECT_EQ(ask(s, "Z1,80000070,4"), "OK");
    EXPECT_EQ(t.breakpoints.size(), 2u);
    EXPECT_EQ(ask(s, "z0,8000006e,2"), "OK");
    EXPECT_EQ(t.breakpoints.size(), 1u);
    std::vector<std::tuple<std::uint64_t, std::uint64_t, bool>> watched;
    s.on_watch = [&](std::uint64_t a, std::uint64_t n, bool insert) { watched.emplace_back(a, n, insert); };
    EXPECT_EQ(ask(s, "Z2,1000,8"), "OK");
    EXPECT_EQ(ask(s, "Z3,1010,4"), "OK");
    EXPECT_EQ(ask(s, "Z4,1020,1"), "OK");
    EXPECT_EQ(ask(s, "Z2,1000,0"), "E01") << "a zero length";
    EXPECT_EQ(ask(s, "Z5,1000,4"), "") << "not a kind of breakpoint";
    ASSERT_EQ(t.watchpoints.size(), 3u);
    EXPECT_EQ(t.watchpoints[1].kind, cpu::watch_kind::read);
    EXPECT_EQ(t.watchpoints[2].kind, cpu::watch_kind::access);
    ASSERT_EQ(watched.size(), 3u);
    EXPECT_EQ(watched[0], std::make_tuple(0x80001000ull, 8ull, true)) << "physical, for pmem lines";
    EXPECT_EQ(ask(s, "z3,1010,4"), "OK");
    EXPECT_EQ(t.watchpoints.size(), 2u);
    EXPECT_EQ(s.stop_reply(cpu::stop_reason::watchpoint, false), "T05watch:1008;");
    EXPECT_EQ(s.stop_reply(cpu::stop_reason::request, true), "S02");
    EXPECT_EQ(s.stop_reply(cpu::stop_reason::breakpoint, false), "S05");
    s.clear_breakpoints();
    EXPECT_TRUE(t.breakpoints.empty());
    EXPECT_TRUE(t.watchpoints.empty());
    EXPECT_EQ(watched.size(), 6u) << "every watch removed, pmem lines too";
    gdb_session::action then;
    s.handle("c", then);
    EXPECT_EQ(then, gdb_session::action::resume);
    s.handle("vCont;s:1;c", then);
    EXPECT_EQ(then, gdb_session::action::step);
    EXPECT_EQ(s.handle("vCont?", then), "vCont;c;s");
    s.handle("D", then);
    EXPECT_EQ(then, gdb_session::action::detach);
    s.handle("k", then);
    EXPECT_EQ(then, gdb_session::action::kill);
}

TEST(gdb_session, queries) {
    fake_target t;
    gdb_session s(t);
    EXPECT_NE(ask(s, "qSupported:multiprocess+;swbreak+").find("PacketSize=4000"), std::string::npos);
    EXPECT_EQ(ask(s, "qAttached"), "1");
    EXPECT_EQ(ask(s, "?"), "S05");
    EXPECT_EQ(ask(s, "qC"), "QC1");
    EXPECT_EQ(ask(s, "qfThreadInfo"), "m1");
    EXPECT_EQ(ask(s, "qsThreadInfo"), "l");
    EXPECT_EQ(ask(s, "qUnknownThing"), "");
    std::string xml;
    for (std::size_t offset = 0;;) {
        char range[32];
        std::snprintf(range, sizeof range, "%zx,40", offset);
        const std::string part = ask(s, std::string("qXfer:features:read:target.xml:") + range);
        ASSERT_FALSE(part.empty());
        xml += unescape_binary(part.substr(1));
        offset += part.size() - 1;
        if (part[0] == 'l') break;
        ASSERT_EQ(part[0], 'm');
    }
    EXPECT_NE(xml.find("org.gnu.gdb.riscv.cpu"), std::string::npos);
    EXPECT_NE(xml.find("name=\"mstatus\""), std::string::npos);
    EXPECT_NE(xml.find("regnum=\"833\""), std::string::npos); // 65 + 0x300
    EXPECT_EQ(ask(s, "qXfer:features:read:other.xml:0,40"), "E00");
}

TEST(gdb_session, garbage_never_crashes) {
    fake_target t;
    gdb_session s(t);
    std::mt19937 random(14);
    const std::string alphabet = "0123456789abcdefxyz,:;=$#}*?gGpPmMXZzcsvDqHT\x03";
    for (int i = 0; i < 20000; ++i) {
        std::string p(random() % 40, ' ');
        for (char& c : p) c = alphabet[random() % alphabet.size()];
        if (!p.empty() && (p[0] == 'k' || p[0] == 'D')) continue;
        gdb_session::action then;
        s.handle(p, then);
        rsp_decoder d;
        std::vector<rsp_event> out;
        d.feed(p.data(), p.size(), out);
    }
}

TEST(gdb_session, monitor_commands_answer_on_the_console) {
    fake_target t;
    gdb_session s(t);
    auto rcmd = [&](const std::string& text) { return ask(s, "qRcmd," + to_hex(text.data(), text.size())); };
    std::vector<std::string> asked;
    s.monitor = [&](const std::string& command) {
        asked.push_back(command);
        return "platform says " + command + "\n";
    };
    EXPECT_EQ(rcmd("pmem 0x1000"), "OK");
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0], "pmem 0x1000");
    EXPECT_EQ(s.take_console(), std::vector<std::string>{"platform says pmem 0x1000\n"});
    EXPECT_TRUE(s.take_console().empty());

    // phys: memory packets use physical addresses; QEMU's maintenance packet does the same.
    EXPECT_EQ(rcmd("phys"), "OK");
    EXPECT_EQ(ask(s, "qqemu.PhyMemMode"), "1");
    EXPECT_EQ(rcmd("  virt \n"), "OK");
    EXPECT_EQ(ask(s, "qqemu.PhyMemMode"), "0");
    EXPECT_EQ(ask(s, "Qqemu.PhyMemMode:1"), "OK");
    EXPECT_EQ(ask(s, "qqemu.PhyMemMode"), "1");

    s.take_console();
    EXPECT_EQ(rcmd("help"), "OK");
    const auto help = s.take_console();
    ASSERT_EQ(help.size(), 1u);
    EXPECT_NE(help[0].find("phys"), std::string::npos);
    EXPECT_NE(help[0].find("platform says help"), std::string::npos);
    EXPECT_EQ(ask(s, "qRcmd,zz"), "E01") << "not hex";
    EXPECT_EQ(ask(s, "qRcmd,123"), "E01") << "odd length";
}
