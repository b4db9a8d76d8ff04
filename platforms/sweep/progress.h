// SPDX-License-Identifier: Apache-2.0
// The progress line of an executor on stderr: runs done of those to do, failures, running,
// elapsed time and an estimate of the time left.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace pmemvp::sweep {

class progress_line {
public:
    explicit progress_line(std::size_t total, bool quiet = false);

    // Called often: on a terminal the line is redrawn when the counts change or each second;
    // otherwise one line is printed each time `done` changes.
    void update(std::size_t done, std::size_t failed, std::size_t running);
    // The last line (ends the terminal's line).
    void finish(std::size_t done, std::size_t failed, std::size_t running);
    // A message on a line of its own (the progress line is redrawn after it on a terminal).
    void note(const std::string& message);
    bool tty() const { return tty_; }

private:
    void draw(std::size_t done, std::size_t failed, std::size_t running);

    std::size_t total_;
    bool quiet_, tty_;
    bool drawn_ = false;
    std::size_t last_done_ = static_cast<std::size_t>(-1);
    std::chrono::steady_clock::time_point began_, last_draw_;
};

} // namespace pmemvp::sweep
