// SPDX-License-Identifier: Apache-2.0
// The GDB stub's packet layer (platforms/gdb): whatever a client sends. The input is fed to the
// decoder as a byte stream (framing, checksums, escapes, Ctrl-C), and every packet it yields,
// plus the whole input as one packet, goes to a session over a small fake CPU (registers, 4 KiB
// of memory, breakpoints, watchpoints) with monitor commands answered.
#include "pmemvp/gdb/gdb_server.h"
#include "pmemvp/gdb/rsp.h"
#include "pmemvp/test/fake_debug_target.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace pmemvp;

namespace {


void handle(gdb::gdb_session& session, const std::string& packet) {
    gdb::gdb_session::action then;
    const std::string reply = session.handle(packet, then);
    if (reply.size() > 2 * gdb::max_packet) __builtin_trap(); // replies fit the packet size
    session.take_console();
    session.stop_reply(cpu::stop_reason::watchpoint, false);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    test::fake_debug_target cpu(0x80000000);
    gdb::gdb_session session(cpu);
    session.monitor = [](const std::string& command) { return "ran " + command + "\n"; };
    session.on_watch = [](std::uint64_t, std::uint64_t, bool) {};
    const std::string input(reinterpret_cast<const char*>(data), size);
    gdb::rsp_decoder decoder;
    std::vector<gdb::rsp_event> events;
    decoder.feed(input.data(), input.size(), events);
    for (const auto& e : events)
        if (e.what == gdb::rsp_event::kind::packet) handle(session, e.data);
    handle(session, input);
    session.clear_breakpoints();
    return 0;
}
