// SPDX-License-Identifier: Apache-2.0
#include "progress.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace pmemvp::sweep {

namespace {

std::string hms(double s) {
    char b[32];
    const long t = static_cast<long>(s + 0.5);
    std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    return b;
}

} // namespace

progress_line::progress_line(std::size_t total, bool quiet)
    : total_(total), quiet_(quiet), tty_(!quiet && ::isatty(2) != 0), began_(std::chrono::steady_clock::now()),
      last_draw_(began_) {}

void progress_line::update(std::size_t done, std::size_t failed, std::size_t running) {
    const auto now = std::chrono::steady_clock::now();
    if (done != last_done_ || (tty_ && now - last_draw_ >= std::chrono::seconds(1))) draw(done, failed, running);
}

void progress_line::finish(std::size_t done, std::size_t failed, std::size_t running) {
    if (done != last_done_) draw(done, failed, running); // a line for the last runs
    if (tty_) {
        draw(done, failed, running);
        std::cerr << "\n" << std::flush;
        drawn_ = false;
    }
}

void progress_line::note(const std::string& message) {
    if (quiet_) return;
    std::cerr << (tty_ && drawn_ ? "\r\033[K" : "") << "pmemvp-sweep: " << message << "\n" << std::flush;
    drawn_ = false;
    last_done_ = static_cast<std::size_t>(-1); // redraw
}

void progress_line::draw(std::size_t done, std::size_t failed, std::size_t running) {
    last_done_ = done;
    last_draw_ = std::chrono::steady_clock::now();
    if (quiet_) return;
    const double elapsed = std::chrono::duration<double>(last_draw_ - began_).count();
    const std::string eta = done == 0 || done > total_
                                ? std::string("?")
                                : hms(elapsed / static_cast<double>(done) * static_cast<double>(total_ - done));
    char line[200];
    std::snprintf(line, sizeof line, "pmemvp-sweep: %zu/%zu done, %zu failed, %zu running, %s elapsed, ETA %s", done,
                  total_, failed, running, hms(elapsed).c_str(), eta.c_str());
    if (tty_) {
        std::cerr << "\r\033[K" << line << std::flush;
        drawn_ = true;
    } else {
        std::cerr << line << "\n";
    }
}

} // namespace pmemvp::sweep
