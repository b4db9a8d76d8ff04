// SPDX-License-Identifier: Apache-2.0
// The monitors' transports, as QEMU spells them: -monitor and -qmp with stdio,
// unix:PATH[,server=on][,wait=off] or tcp:HOST:PORT[,server=on][,wait=off]. Several clients at
// once; one that sends garbage or goes away never stops the simulation. Polled between slices
// of simulated time, as the GDB stub is: it adds no events.
#pragma once
#include "pmemvp/monitor/monitor.h"
#include "pmemvp/net/socket.h"

#include <memory>
#include <functional>
#include <string>
#include <vector>

namespace pmemvp::monitor {

enum class protocol { qmp, hmp };

struct address {
    bool stdio = false;
    net::endpoint socket;
    bool wait = true; // server: wait for the first client before the run starts (QEMU's default)
};
// option: "-qmp" or "-monitor"; false with a message that names the fix.
bool parse_address(const std::string& option, const std::string& text, address& out, std::string& error);

class server {
public:
    explicit server(monitor& m);
    ~server();
    // Throws config_error when it cannot listen.
    void listen(protocol p, const address& where, const std::string& what);
    // Before the run: waits for a first client on every wait=on socket.
    void wait_for_clients(bool (*interrupted)());
    // Between slices: accepts clients and serves what they sent. While the machine is stopped
    // (stop, -S), keeps serving until cont or quit (or a signal: `interrupted`).
    void poll(bool (*interrupted)());
    // The machine has nothing to do (an idle guest, no timer): serves clients until `woken`
    // says a command gave it something (a device plugged, a power failure), quit, or a signal.
    void serve_until(bool (*interrupted)(), const std::function<bool()>& woken);
    // The run is over: what is left to send (SHUTDOWN) goes out; clients are closed.
    void close_all();

private:
    struct endpoint_state;
    struct client;
    void serve(int timeout_ms);
    void broadcast(const json& event);

    monitor& monitor_;
    std::vector<std::unique_ptr<endpoint_state>> endpoints_;
    std::vector<std::unique_ptr<client>> clients_;
};

} // namespace pmemvp::monitor
