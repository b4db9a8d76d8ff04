// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/net/socket.h"

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

namespace pmemvp::net {

namespace {

std::string errno_text() { return std::strerror(errno); }

int listen_unix(const std::string& path, const std::string& what) {
    sockaddr_un a{};
    if (path.empty() || path.size() >= sizeof a.sun_path)
        throw config_error(what + ": the socket path must have 1 to " + std::to_string(sizeof a.sun_path - 1) +
                           " characters");
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw config_error(what + ": the path exists and is not a socket; choose another path");
        ::unlink(path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0) {
        const std::string why = errno_text();
        if (fd >= 0) ::close(fd);
        throw config_error(what + ": cannot listen (" + why + ")");
    }
    return fd;
}

int listen_tcp(const endpoint& where, const std::string& what, unsigned& bound_port) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(where.port);
    if (getaddrinfo(where.host.empty() ? nullptr : where.host.c_str(), port.c_str(), &hints, &found) || !found)
        throw config_error(what + ": cannot resolve the host '" + where.host + "'");
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 4) == 0;
    freeaddrinfo(found);
    if (!ok) {
        const std::string why = errno_text();
        if (fd >= 0) ::close(fd);
        throw config_error(what + ": cannot listen (" + why + ")");
    }
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
    bound_port = ntohs(bound.sin_port);
    return fd;
}

} // namespace

listener::listener(const endpoint& where, const std::string& what) {
    if (!where.unix_path.empty()) {
        fd_ = listen_unix(where.unix_path, what);
        unix_path_ = where.unix_path;
    } else {
        fd_ = listen_tcp(where, what, port_);
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

listener::~listener() {
    ::close(fd_);
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str()); // the socket this run made
}

int listener::accept(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return -1;
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return -1;
    const int one = 1;
    if (unix_path_.empty()) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool send_all(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (fd >= 0 && sent < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) n = ::write(fd, bytes.data() + sent, bytes.size() - sent); // stdout
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 1000) <= 0) return false;
        } else {
            return false;
        }
    }
    return fd >= 0;
}

bool receive(int fd, std::string& out, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return true;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer); // a socket or a pipe (stdin)
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    out.append(buffer, static_cast<std::size_t>(n));
    return true;
}

} // namespace pmemvp::net
