// SPDX-License-Identifier: Apache-2.0
// The GDB stub's packet layer (platforms/gdb): whatever a client sends. The input is fed to the
// decoder as a byte stream (framing, checksums, escapes, Ctrl-C), and every packet it yields,
// plus the whole input as one packet, goes to a session over a small fake CPU (registers, 4 KiB
// of memory, breakpoints, watchpoints) with monitor commands answered.
#include "pmemvp/gdb/gdb_server.h"
#include "pmemvp/gdb/rsp.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace pmemvp;

namespace {

class fake_cpu : public cpu::debug_target {
public:
    fake_cpu() {
        for (unsigned i = 0; i < 33; ++i) regs_.push_back({"x" + std::to_string(i), 64, "general", i});
        regs_.push_back({"priv", 8, "virtual", 0});
        regs_.push_back({"mstatus", 64, "csr", 0x300});
        values_.resize(regs_.size());
    }
    const std::vector<cpu::register_info>& debug_registers() const override { return regs_; }
    bool read_register(unsigned i, std::uint64_t& v) override {
        if (i >= values_.size()) return false;
        v = values_[i];
        return true;
    }
    bool write_register(unsigned i, std::uint64_t v) override {
        if (i >= values_.size()) return false;
        values_[i] = v;
        return true;
    }
    std::size_t read_memory(std::uint64_t a, void* d, std::size_t n, cpu::address_space) override {
        std::size_t done = 0;
        for (; done < n && a + done >= base && a + done < base + sizeof memory_; ++done)
            static_cast<unsigned char*>(d)[done] = memory_[a + done - base];
        return done;
    }
    std::size_t write_memory(std::uint64_t a, const void* d, std::size_t n, cpu::address_space) override {
        std::size_t done = 0;
        for (; done < n && a + done >= base && a + done < base + sizeof memory_; ++done)
            memory_[a + done - base] = static_cast<const unsigned char*>(d)[done];
        return done;
    }
    void add_breakpoint(std::uint64_t) override {}
    void remove_breakpoint(std::uint64_t) override {}
    void add_watchpoint(std::uint64_t, std::uint64_t, cpu::watch_kind) override { ++watchpoints_; }
    void remove_watchpoint(std::uint64_t, std::uint64_t, cpu::watch_kind) override { --watchpoints_; }
    cpu::watch_hit last_watch() const override { return {base, cpu::watch_kind::access}; }
    bool translate(std::uint64_t a, std::uint64_t& pa) override {
        pa = a;
        return a >= base;
    }
    void request_stop() override {}
    void step() override {}
    void resume() override {}
    bool stopped() const override { return true; }
    cpu::stop_reason last_stop() const override { return cpu::stop_reason::request; }

private:
    static constexpr std::uint64_t base = 0x80000000;
    std::vector<cpu::register_info> regs_;
    std::vector<std::uint64_t> values_;
    unsigned char memory_[4096] = {};
    long watchpoints_ = 0;
};

void handle(gdb::gdb_session& session, const std::string& packet) {
    gdb::gdb_session::action then;
    const std::string reply = session.handle(packet, then);
    if (reply.size() > 2 * gdb::max_packet) __builtin_trap(); // replies fit the packet size
    session.take_console();
    session.stop_reply(cpu::stop_reason::watchpoint, false);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fake_cpu cpu;
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
