// SPDX-License-Identifier: Apache-2.0
#pragma once
// The pmemvp test harness: its sc_main runs GoogleTest, and its SystemC report handler turns
// every warning into a test failure (errors throw as usual, which also fails the test) unless
// an expect_report scope says the report is wanted.
#include <gtest/gtest.h>
#include <cstdint>
#include <string>
#include <systemc>

namespace pmemvp::test {

// While alive, reports of `severity` whose message contains `text` are counted and not shown.
class expect_report {
public:
    expect_report(sc_core::sc_severity severity, std::string text);
    ~expect_report();
    expect_report(const expect_report&) = delete;
    expect_report& operator=(const expect_report&) = delete;

    unsigned count() const { return count_; }
    const std::string& last_message() const { return last_; }

private:
    friend struct report_sink;
    sc_core::sc_severity severity_;
    std::string text_;
    unsigned count_ = 0;
    std::string last_;
};

// The test executable's one bench, built on first use, with elaboration finished at once
// (sc_start(SC_ZERO_TIME)), so tests can drive it and run the simulation in steps.
template <typename Bench> Bench& elaborated_bench() {
    static Bench* bench = [] {
        auto* b = new Bench("tb");
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
        return b;
    }();
    return *bench;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the test
// executable exits.
std::string make_temp_dir();
// Writes `size` bytes of `fill` to a new file at `path`.
void write_file(const std::string& path, std::size_t size, unsigned char fill);
// Reads the whole file.
std::string read_file(const std::string& path);
// The little-endian 64-bit value at `offset` of the file (0 if the file is shorter).
std::uint64_t file_u64(const std::string& path, std::uint64_t offset);

} // namespace pmemvp::test
