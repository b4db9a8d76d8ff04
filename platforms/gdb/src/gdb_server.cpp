// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/gdb/gdb_server.h"

#include "pmemvp/util/config_error.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace pmemvp::gdb {

namespace {
const char* const accepted = "expected tcp::PORT, tcp:HOST:PORT or unix:PATH,server";
}

bool parse_gdb_device(const std::string& device, gdb_address& out, std::string& error) {
    if (device.rfind("unix:", 0) == 0) {
        // unix:PATH[,server[=on]][,wait=off|,nowait] as QEMU's character devices spell it: the
        // stub is always a server that does not wait (-S is what makes the CPU wait).
        std::string rest = device.substr(5);
        const auto comma = rest.find(',');
        out.unix_path = rest.substr(0, comma);
        for (std::size_t at = comma; at != std::string::npos;) {
            const auto next = rest.find(',', at + 1);
            const std::string option = rest.substr(at + 1, next == std::string::npos ? next : next - at - 1);
            if (option != "server" && option != "server=on" && option != "nowait" && option != "wait=off") {
                error = "-gdb '" + device + "': unknown option '" + option + "' (" + accepted + ")";
                return false;
            }
            at = next;
        }
        sockaddr_un a{};
        if (out.unix_path.empty() || out.unix_path.size() >= sizeof a.sun_path) {
            error = "-gdb '" + device + "': the socket path must have 1 to " +
                    std::to_string(sizeof a.sun_path - 1) + " characters";
            return false;
        }
        return true;
    }
    if (device.rfind("tcp:", 0) != 0) {
        error = "-gdb '" + device + "': " + accepted;
        return false;
    }
    const std::string rest = device.substr(4);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) {
        error = "-gdb '" + device + "': " + accepted;
        return false;
    }
    const std::string port = rest.substr(colon + 1);
    unsigned long value = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (const char c : port) ok = ok && c >= '0' && c <= '9';
    if (ok) value = std::stoul(port);
    if (!ok || value > 65535) {
        error = "-gdb '" + device + "': the port must be a number from 0 to 65535";
        return false;
    }
    out.host = rest.substr(0, colon);
    out.port = static_cast<unsigned>(value);
    return true;
}


gdb_server::gdb_server(cpu::debug_target& target, const gdb_address& address, bool stop_at_start)
    : target_(target), session_(target),
      listener_(net::endpoint{address.host, address.port, address.unix_path},
                address.unix_path.empty() ? "-gdb tcp:" + address.host + ":" + std::to_string(address.port)
                                          : "-gdb unix:" + address.unix_path) {
    if (stop_at_start) target_.request_stop();
}

gdb_server::~gdb_server() {
    if (client_fd_ >= 0) ::close(client_fd_);
}

void gdb_server::cpu_stopped(cpu::stop_reason why) {
    stop_pending_ = true;
    stop_why_ = why;
}

void gdb_server::event_stop(const std::string& text) {
    if (client_fd_ < 0) return;
    session_.console(text);
    target_.request_stop();
}

bool gdb_server::accept_client(int timeout_ms) {
    const int fd = listener_.accept(timeout_ms);
    if (fd < 0) return false;
    client_fd_ = fd;
    decoder_.reset();
    waiting_stop_ = false;
    return true;
}

void gdb_server::drop_client() {
    if (client_fd_ < 0) return;
    ::close(client_fd_);
    client_fd_ = -1;
    // As a detach: a debugger that went away leaves the guest running.
    session_.clear_breakpoints();
    waiting_stop_ = false;
    if (target_.stopped()) target_.resume();
}

void gdb_server::send_raw(const std::string& bytes) { net::send_all(client_fd_, bytes); }

void gdb_server::send_packet(const std::string& data) { send_raw(frame(data)); }

void gdb_server::send_console() {
    for (const std::string& text : session_.take_console())
        for (std::size_t at = 0; at < text.size(); at += max_packet / 2 - 16) // hex doubles it
            send_packet("O" + to_hex(text.data() + at, std::min(text.size() - at, max_packet / 2 - 16)));
}

bool gdb_server::receive(int timeout_ms) {
    std::string bytes;
    if (!net::receive(client_fd_, bytes, timeout_ms)) return false;
    if (bytes.empty()) return true;
    std::vector<rsp_event> events;
    decoder_.feed(bytes.data(), bytes.size(), events);
    for (auto& e : events) {
        switch (e.what) {
        case rsp_event::kind::ack:
        case rsp_event::kind::nack: break;
        case rsp_event::kind::bad_packet: send_raw("-"); break;
        case rsp_event::kind::interrupt:
            if (!target_.stopped()) {
                target_.request_stop();
                interrupt_pending_ = true;
                waiting_stop_ = true;
            }
            break;
        case rsp_event::kind::packet: {
            send_raw("+");
            gdb_session::action then = gdb_session::action::none;
            const std::string reply = session_.handle(e.data, then);
            switch (then) {
            case gdb_session::action::none:
                send_console();
                send_packet(reply);
                break;
            case gdb_session::action::resume:
            case gdb_session::action::step:
                stop_pending_ = false;
                waiting_stop_ = true;
                if (then == gdb_session::action::step) target_.step();
                else target_.resume();
                break;
            case gdb_session::action::detach:
                send_packet(reply);
                return false; // drop_client removes the breakpoints and resumes
            case gdb_session::action::kill:
                killed_ = true;
                return false;
            }
            break;
        }
        }
    }
    return true;
}

bool gdb_server::poll(bool (*interrupted)()) {
    if (client_fd_ < 0) accept_client(0);
    if (client_fd_ >= 0 && !receive(0)) drop_client();
    while (!killed_ && target_.stopped()) {
        if (interrupted && interrupted()) return true;
        if (client_fd_ < 0) {
            accept_client(100); // the CPU waits for a debugger (-S)
            continue;
        }
        if (stop_pending_ && waiting_stop_) {
            stop_pending_ = waiting_stop_ = false;
            send_console(); // why an event stopped it
            send_packet(session_.stop_reply(stop_why_, interrupt_pending_));
            interrupt_pending_ = false;
        }
        if (!receive(100)) drop_client();
    }
    return !killed_;
}

void gdb_server::exited(int status) {
    if (client_fd_ < 0) return;
    send_packet("W" + le_hex(static_cast<unsigned>(status) & 0xff, 1));
    // Let the debugger acknowledge it before the socket goes: on a Unix socket, its '+' to a
    // closed peer would fail as a broken pipe instead of an exit.
    pollfd p{client_fd_, POLLIN, 0};
    char ack[64];
    if (::poll(&p, 1, 1000) > 0) (void)!::recv(client_fd_, ack, sizeof ack, 0);
    ::close(client_fd_);
    client_fd_ = -1;
}

} // namespace pmemvp::gdb
