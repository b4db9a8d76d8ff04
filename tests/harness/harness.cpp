// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/harness.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace pmemvp::test {

struct report_sink {
    static std::vector<expect_report*>& expectations() {
        static std::vector<expect_report*> e;
        return e;
    }

    static void handle(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
        using namespace sc_core;
        const std::string message = report.get_msg();
        for (expect_report* e : expectations()) {
            if (e->severity_ == report.get_severity() &&
                message.find(e->text_) != std::string::npos) {
                ++e->count_;
                e->last_ = message;
                sc_report_handler::default_handler(report, actions & ~(SC_DISPLAY | SC_LOG));
                return;
            }
        }
        if (report.get_severity() == SC_WARNING)
            ADD_FAILURE() << "unexpected SystemC warning: " << report.get_msg_type() << ": "
                          << message;
        sc_report_handler::default_handler(report, actions);
    }
};

expect_report::expect_report(sc_core::sc_severity severity, std::string text)
    : severity_(severity), text_(std::move(text)) {
    report_sink::expectations().push_back(this);
}

expect_report::~expect_report() {
    auto& e = report_sink::expectations();
    e.erase(std::remove(e.begin(), e.end(), this), e.end());
}

namespace {
struct temp_dirs {
    std::vector<std::string> paths;
    ~temp_dirs() {
        std::error_code ec;
        for (const auto& p : paths)
            std::filesystem::remove_all(p, ec);
    }
};
temp_dirs& dirs() {
    static temp_dirs d;
    return d;
}
} // namespace

std::string make_temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/pmemvp-test.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()))
        throw std::runtime_error("cannot create a temporary directory from " + templ);
    dirs().paths.emplace_back(buf.data());
    return buf.data();
}

void write_file(const std::string& path, std::size_t size, unsigned char fill) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::string data(size, static_cast<char>(fill));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint64_t file_u64(const std::string& path, std::uint64_t offset) {
    const std::string f = read_file(path);
    std::uint64_t v = 0;
    if (offset + 8 <= f.size()) std::memcpy(&v, f.data() + offset, 8);
    return v;
}

} // namespace pmemvp::test

int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    sc_core::sc_report_handler::set_handler(&pmemvp::test::report_sink::handle);
    // Deprecation and other warnings of SystemC itself fail tests too.
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                            sc_core::SC_DISPLAY | sc_core::SC_LOG);
    return RUN_ALL_TESTS();
}
