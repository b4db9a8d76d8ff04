// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/test/debugger.h"

#include <chrono>
#include <cstdio>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace pmemvp::test {

// A client of a monitor socket (Unix or TCP).
class monitor_client {
public:
    explicit monitor_client(const std::string& unix_path) {
        for (int i = 0; i < 500 && fd_ < 0; ++i) {
            const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un a{};
            a.sun_family = AF_UNIX;
            std::snprintf(a.sun_path, sizeof a.sun_path, "%s", unix_path.c_str());
            if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) fd_ = fd;
            else {
                close(fd);
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    }
    explicit monitor_client(unsigned tcp_port) : fd_(connect_tcp(tcp_port)) {}
    ~monitor_client() {
        if (fd_ >= 0) close(fd_);
    }
    monitor_client(const monitor_client&) = delete;
    monitor_client& operator=(const monitor_client&) = delete;
    bool connected() const { return fd_ >= 0; }
    void send(const std::string& text) { (void)!::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }
    // Reads until `count` lines ending in "\r\n" (or text ending in `until`) arrived, at most 20 s.
    std::string read_lines(int count, const std::string& until = "") {
        for (int waited = 0; waited < 20000; waited += 20) {
            std::size_t lines = 0;
            for (std::size_t at = 0; (at = buffer_.find("\r\n", at)) != std::string::npos; at += 2) ++lines;
            if ((until.empty() && static_cast<int>(lines) >= count) ||
                (!until.empty() && buffer_.find(until) != std::string::npos))
                break;
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) > 0) {
                char b[4096];
                const ssize_t n = recv(fd_, b, sizeof b, 0);
                if (n <= 0) break;
                buffer_.append(b, static_cast<std::size_t>(n));
            }
        }
        // The first `count` lines (or all up to `until`).
        std::size_t end = 0;
        if (until.empty()) {
            for (int i = 0; i < count && end != std::string::npos; ++i) {
                end = buffer_.find("\r\n", end);
                if (end != std::string::npos) end += 2;
            }
            if (end == std::string::npos) end = buffer_.size();
        } else {
            end = buffer_.find(until);
            end = end == std::string::npos ? buffer_.size() : end + until.size();
        }
        std::string out = buffer_.substr(0, end);
        buffer_.erase(0, end);
        return out;
    }

private:
    int fd_ = -1;
    std::string buffer_;
};

} // namespace pmemvp::test
