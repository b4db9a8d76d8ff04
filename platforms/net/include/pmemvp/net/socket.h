// SPDX-License-Identifier: Apache-2.0
// Sockets for pmemvp's servers (the GDB stub, the QMP and HMP monitors): a listener on TCP or a
// Unix-domain socket, and sending to a client that may be slow or gone. Nothing here blocks
// longer than the caller asks.
#pragma once
#include <string>

namespace pmemvp::net {

// Where a server listens: tcp:HOST:PORT (HOST empty: every address) or unix:PATH.
struct endpoint {
    std::string host;
    unsigned port = 0;
    std::string unix_path; // set: a Unix-domain socket
};

// A listening socket. A Unix socket file left at the path by an earlier run is replaced; any
// other file there is refused, never removed; the socket file is removed at destruction.
class listener {
public:
    // Throws config_error naming `what` (e.g. "-gdb tcp::1234") when it cannot listen.
    listener(const endpoint& where, const std::string& what);
    ~listener();
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    // A client (non-blocking, close-on-exec), or -1 if none came within timeout_ms.
    int accept(int timeout_ms);
    unsigned port() const { return port_; } // the TCP port bound (for port 0)
    bool is_unix() const { return !unix_path_.empty(); }

private:
    int fd_ = -1;
    unsigned port_ = 0;
    std::string unix_path_;
};

// Sends all of `bytes` to a non-blocking socket; false when the peer went away, or read
// nothing for a second (a client that never reads must not stop the simulation).
bool send_all(int fd, const std::string& bytes);

// Reads what is there (waiting up to timeout_ms) into `out`; false when the peer closed.
bool receive(int fd, std::string& out, int timeout_ms);

} // namespace pmemvp::net
