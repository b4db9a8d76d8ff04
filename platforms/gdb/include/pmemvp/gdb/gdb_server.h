// SPDX-License-Identifier: Apache-2.0
// A GDB remote stub on TCP for one CPU (a cpu::debug_target). It is polled between slices of
// simulated time: it never adds events, so a debugger changes nothing simulated.
#pragma once
#include "pmemvp/cpu/debug_target.h"
#include "pmemvp/gdb/rsp.h"

#include <cstdint>
#include <set>
#include <string>

namespace pmemvp::gdb {

// Turns packets into replies for a debug target (no I/O, unit-testable).
class gdb_session {
public:
    explicit gdb_session(cpu::debug_target& target) : target_(target) {}

    enum class action { none, resume, step, detach, kill };
    // The reply to one packet's data (without framing); sets `then` to what the CPU must do.
    std::string handle(const std::string& packet, action& then);
    // Removes every breakpoint set by the debugger.
    void clear_breakpoints();

private:
    std::string read_registers();
    std::string write_registers(const std::string& hex);
    bool register_index(std::uint64_t gdb_number, unsigned& index) const;
    std::string target_xml() const;
    std::string memory_read(const std::string& args);
    std::string memory_write(const std::string& args, bool binary);
    std::string breakpoint(const std::string& args, bool insert);

    cpu::debug_target& target_;
    std::set<std::uint64_t> breakpoints_;
};

// -gdb tcp::PORT / tcp:HOST:PORT: nullopt-like false and a message if not understood.
struct gdb_address {
    std::string host; // empty: any
    unsigned port = 0;
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
    // Between two slices: accepts a client, reads its bytes (Ctrl-C asks the CPU to stop);
    // while the CPU is stopped, serves packets (blocking) until the debugger lets it run.
    // interrupted(): checked while blocking (a signal ends the wait). False: the debugger
    // killed the run ('k').
    bool poll(bool (*interrupted)());
    // The guest finished: tell a waiting debugger (W status), close.
    void exited(int status);
    bool killed() const { return killed_; }
    unsigned port() const { return port_; }

private:
    bool accept_client(int timeout_ms);
    void drop_client();
    // Reads what is there (waiting up to timeout_ms) and handles it; false if the client left.
    bool receive(int timeout_ms);
    void send_raw(const std::string& bytes);
    void send_packet(const std::string& data);

    cpu::debug_target& target_;
    gdb_session session_;
    rsp_decoder decoder_;
    int listen_fd_ = -1, client_fd_ = -1;
    unsigned port_ = 0;
    bool stop_pending_ = false;  // the CPU stopped and the debugger has not heard it yet
    bool waiting_stop_ = false;  // the debugger waits for a stop reply (after c, s)
    bool killed_ = false;
    bool no_ack_ = false;
};

} // namespace pmemvp::gdb
