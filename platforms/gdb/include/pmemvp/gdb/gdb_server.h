// SPDX-License-Identifier: Apache-2.0
// A GDB remote stub on TCP for one CPU (a cpu::debug_target). It is polled between slices of
// simulated time: it never adds events, so a debugger changes nothing simulated.
#pragma once
#include "pmemvp/cpu/debug_target.h"
#include "pmemvp/gdb/rsp.h"
#include "pmemvp/net/socket.h"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pmemvp::gdb {

// Turns packets into replies for a debug target (no I/O, unit-testable).
class gdb_session {
public:
    explicit gdb_session(cpu::debug_target& target) : target_(target) {}

    enum class action { none, resume, step, detach, kill };
    // The reply to one packet's data (without framing); sets `then` to what the CPU must do.
    std::string handle(const std::string& packet, action& then);
    // Removes every breakpoint and watchpoint set by the debugger.
    void clear_breakpoints();
    // The reply that tells the debugger why the CPU stopped (interrupted: by its Ctrl-C).
    std::string stop_reply(cpu::stop_reason why, bool interrupted) const;
    // Text for the debugger's console (O packets), to send before the next reply.
    std::vector<std::string> take_console() { return std::exchange(console_, {}); }
    void console(const std::string& text) { console_.push_back(text); }

    // `monitor` commands the stub does not know itself (qRcmd): the text to show.
    std::function<std::string(const std::string&)> monitor;
    // A watchpoint was set or removed on physical [address, address + length).
    std::function<void(std::uint64_t address, std::uint64_t length, bool insert)> on_watch;

private:
    std::string read_registers();
    std::string write_registers(const std::string& hex);
    bool register_index(std::uint64_t gdb_number, unsigned& index) const;
    std::string target_xml() const;
    std::string memory_read(const std::string& args);
    std::string memory_write(const std::string& args, bool binary);
    std::string breakpoint(const std::string& args, bool insert);
    void watchpoint(std::uint64_t address, std::uint64_t length, cpu::watch_kind kind, bool insert);
    std::string monitor_command(const std::string& hex);
    cpu::address_space space() const {
        return physical_ ? cpu::address_space::physical : cpu::address_space::virtual_memory;
    }

    cpu::debug_target& target_;
    std::set<std::uint64_t> breakpoints_;
    struct watch {
        std::uint64_t address, length;
        cpu::watch_kind kind;
    };
    std::vector<watch> watchpoints_;
    bool physical_ = false; // memory packets use physical addresses (monitor phys)
    std::vector<std::string> console_;
};

// -gdb tcp::PORT / tcp:HOST:PORT / unix:PATH[,server][,wait=off]: false and a message if
// not understood.
struct gdb_address {
    std::string host; // empty: any
    unsigned port = 0;
    std::string unix_path; // set: a Unix-domain socket instead of TCP
};
bool parse_gdb_device(const std::string& device, gdb_address& out, std::string& error);

class gdb_server {
public:
    // Listens (throws config_error if it cannot). stop_at_start: -S.
    gdb_server(cpu::debug_target& target, const gdb_address& address, bool stop_at_start);
    ~gdb_server();
    gdb_server(const gdb_server&) = delete;
    gdb_server& operator=(const gdb_server&) = delete;

    // Called when the CPU stops (its on_stop callback), inside the simulation.
    void cpu_stopped(cpu::stop_reason why);
    // Something the debugger watches happened (a pmem line changed persistence state): the
    // CPU stops at its next instruction, and the debugger is told `text` with the stop.
    void event_stop(const std::string& text);
    gdb_session& session() { return session_; }
    // Between two slices: accepts a client, reads its bytes (Ctrl-C asks the CPU to stop);
    // while the CPU is stopped, serves packets (blocking) until the debugger lets it run.
    // interrupted(): checked while blocking (a signal ends the wait). False: the debugger
    // killed the run ('k').
    bool poll(bool (*interrupted)());
    // The guest finished: tell a waiting debugger (W status), close.
    void exited(int status);
    bool killed() const { return killed_; }
    unsigned port() const { return listener_.port(); }

private:
    bool accept_client(int timeout_ms);
    void drop_client();
    // Reads what is there (waiting up to timeout_ms) and handles it; false if the client left.
    bool receive(int timeout_ms);
    void send_raw(const std::string& bytes);
    void send_packet(const std::string& data);
    void send_console(); // what the session has for the debugger's console, as O packets

    cpu::debug_target& target_;
    gdb_session session_;
    rsp_decoder decoder_;
    net::listener listener_;
    int client_fd_ = -1;
    bool stop_pending_ = false;  // the CPU stopped and the debugger has not heard it yet
    cpu::stop_reason stop_why_ = cpu::stop_reason::request;
    bool interrupt_pending_ = false; // the debugger's Ctrl-C asked for the stop
    bool waiting_stop_ = false;  // the debugger waits for a stop reply (after c, s)
    bool killed_ = false;
    bool no_ack_ = false;
};

} // namespace pmemvp::gdb
