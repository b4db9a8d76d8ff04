// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/monitor/server.h"

#include "pmemvp/util/config_error.h"

#include <algorithm>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace pmemvp::monitor {

bool parse_address(const std::string& option, const std::string& text, address& out, std::string& error) {
    const std::string forms = "accepted: stdio, unix:PATH,server=on,wait=off or tcp:HOST:PORT,server=on,wait=off";
    if (text == "stdio") {
        out.stdio = true;
        out.wait = false;
        return true;
    }
    std::vector<std::string> items;
    for (std::size_t at = 0; at <= text.size();) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        items.push_back(text.substr(at, comma - at));
        at = comma + 1;
    }
    const std::string& head = items[0];
    if (head.rfind("unix:", 0) == 0) {
        out.socket.unix_path = head.substr(5);
        if (out.socket.unix_path.empty()) {
            error = option + " '" + text + "': give the socket's path, e.g. unix:/tmp/qmp.sock,server=on,wait=off";
            return false;
        }
    } else if (head.rfind("tcp:", 0) == 0) {
        const std::string rest = head.substr(4);
        const auto colon = rest.rfind(':');
        const std::string port = colon == std::string::npos ? "" : rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(port) > 65535) {
            error = option + " '" + text + "': the port must be a number from 0 to 65535 (tcp:HOST:PORT)";
            return false;
        }
        out.socket.host = rest.substr(0, colon);
        out.socket.port = static_cast<unsigned>(std::stoul(port));
    } else {
        error = option + " '" + text + "': " + forms;
        return false;
    }
    bool server = false;
    for (std::size_t i = 1; i < items.size(); ++i) {
        const std::string& o = items[i];
        if (o == "server" || o == "server=on") server = true;
        else if (o == "nowait" || o == "wait=off") out.wait = false;
        else if (o == "wait=on" || o == "wait") out.wait = true;
        else {
            error = option + " '" + text + "': unknown option '" + o + "'; " + forms;
            return false;
        }
    }
    if (!server) {
        error = option + " '" + text + "': pmemvp's monitors listen: add ,server=on (and ,wait=off not to wait "
                                       "for a client before the run starts)";
        return false;
    }
    return true;
}

struct server::endpoint_state {
    protocol proto;
    std::unique_ptr<net::listener> listener; // null: stdio
    bool wait;
    bool served_once = false;
};

struct server::client {
    protocol proto;
    int in = -1, out = -1; // a socket (both), or stdin and stdout
    bool owns_fd = true;
    qmp_session qmp;
    hmp_session hmp;
    client(monitor& m, protocol p) : proto(p), qmp(m), hmp(m) {}
    // A client that cannot take its output is dropped; stdout is never dropped.
    bool send(const std::string& text) { return text.empty() || net::send_all(out, text) || out == STDOUT_FILENO; }
};

server::server(monitor& m) : monitor_(m) {
    monitor_.on_event = [this](const json& e) { broadcast(e); };
}

server::~server() {
    monitor_.on_event = nullptr;
    close_all();
}

void server::listen(protocol p, const address& where, const std::string& what) {
    auto e = std::make_unique<endpoint_state>();
    e->proto = p;
    e->wait = where.wait;
    if (where.stdio) {
        auto c = std::make_unique<client>(monitor_, p);
        c->in = STDIN_FILENO;
        c->out = STDOUT_FILENO;
        c->owns_fd = false;
        ::fcntl(STDIN_FILENO, F_SETFL, ::fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
        c->send(p == protocol::qmp ? c->qmp.greeting() : c->hmp.greeting());
        std::fflush(stdout);
        clients_.push_back(std::move(c));
    } else {
        e->listener = std::make_unique<net::listener>(where.socket, what);
    }
    endpoints_.push_back(std::move(e));
}

void server::wait_for_clients(bool (*interrupted)()) {
    for (auto& e : endpoints_) {
        if (!e->listener || !e->wait) continue;
        for (;;) {
            if (interrupted && interrupted()) return;
            const int fd = e->listener->accept(100);
            if (fd < 0) continue;
            auto c = std::make_unique<client>(monitor_, e->proto);
            c->in = c->out = fd;
            c->send(e->proto == protocol::qmp ? c->qmp.greeting() : c->hmp.greeting());
            clients_.push_back(std::move(c));
            break;
        }
    }
}

void server::broadcast(const json& event) {
    const std::string line = qmp_text(event) + "\r\n";
    for (auto& c : clients_)
        if (c->proto == protocol::qmp && c->qmp.negotiated()) c->send(line);
}

void server::serve(int timeout_ms) {
    for (auto& e : endpoints_) {
        if (!e->listener) continue;
        for (int fd; (fd = e->listener->accept(0)) >= 0;) {
            auto c = std::make_unique<client>(monitor_, e->proto);
            c->in = c->out = fd;
            c->send(e->proto == protocol::qmp ? c->qmp.greeting() : c->hmp.greeting());
            clients_.push_back(std::move(c));
        }
    }
    // Wait for input on any client (or the time), then serve each.
    std::vector<pollfd> fds;
    for (auto& c : clients_) fds.push_back({c->in, POLLIN, 0});
    if (fds.empty()) {
        if (timeout_ms > 0) ::poll(nullptr, 0, std::min(timeout_ms, 100)); // until a client may have come
        return;
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (std::size_t i = 0; i < clients_.size() && i < fds.size(); ++i) {
        auto& c = clients_[i];
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        std::string bytes;
        const bool open = net::receive(c->in, bytes, 0);
        const std::string reply = c->proto == protocol::qmp ? c->qmp.feed(bytes) : c->hmp.feed(bytes);
        const bool sent = c->send(reply);
        if (c->out == STDOUT_FILENO) std::fflush(stdout);
        if (!open || !sent) { // gone: forget it (stdin at its end: stop reading it)
            if (c->owns_fd) ::close(c->in);
            c->in = -1;
        }
    }
    clients_.erase(std::remove_if(clients_.begin(), clients_.end(), [](const auto& c) { return c->in < 0; }),
                   clients_.end());
}

void server::poll(bool (*interrupted)()) {
    serve(0);
    while (!monitor_.running() && !monitor_.quit_requested() && monitor_.state() != run_state::shutdown) {
        if (interrupted && interrupted()) return;
        serve(100);
    }
}

void server::serve_until(bool (*interrupted)(), const std::function<bool()>& woken) {
    while (!woken() && !monitor_.quit_requested() && monitor_.state() != run_state::shutdown) {
        if (interrupted && interrupted()) return;
        serve(100);
    }
}

void server::close_all() {
    for (auto& c : clients_)
        if (c->owns_fd) ::close(c->in);
    clients_.clear();
    endpoints_.clear();
}

} // namespace pmemvp::monitor
