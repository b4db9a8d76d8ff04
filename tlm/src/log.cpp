// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/log.h"

#include <cstdio>
#include <map>
#include <systemc>

namespace pmemvp {
namespace {
std::map<std::string, log_level>& rules() {
    static std::map<std::string, log_level> r{{"", log_level::warning}};
    return r;
}
} // namespace

logger::logger(std::string name) : name_(std::move(name)), level_(log_level::warning) {
    std::size_t best = 0;
    for (const auto& [prefix, level] : rules()) {
        if (name_.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best) {
            best = prefix.size();
            level_ = level;
        }
    }
}

void logger::set_level_for(const std::string& prefix, log_level level) { rules()[prefix] = level; }

std::optional<log_level> logger::parse_level(const std::string& text) {
    static const std::map<std::string, log_level> names{{"error", log_level::error},
                                                        {"warning", log_level::warning},
                                                        {"info", log_level::info},
                                                        {"debug", log_level::debug},
                                                        {"trace", log_level::trace}};
    auto it = names.find(text);
    if (it == names.end())
        return std::nullopt;
    return it->second;
}

namespace {
void stderr_handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
    using namespace sc_core;
    if (actions & SC_DISPLAY) {
        const char* what = report.get_severity() == SC_INFO      ? "info"
                           : report.get_severity() == SC_WARNING ? "warning"
                                                                 : "error";
        std::fprintf(stderr, "pmemvp: %s: %s: %s\n", what, report.get_msg_type(), report.get_msg());
    }
    sc_report_handler::default_handler(report, actions & ~(SC_DISPLAY | SC_LOG));
}
} // namespace

void logger::route_reports_to_stderr() {
    using namespace sc_core;
    sc_report_handler::set_handler(&stderr_handler);
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
}

void logger::emit(log_level level, const std::string& message) const {
    using namespace sc_core;
    switch (level) {
    case log_level::error:
        sc_report_handler::report(SC_ERROR, name_.c_str(), message.c_str(), __FILE__, __LINE__);
        break;
    case log_level::warning:
        sc_report_handler::report(SC_WARNING, name_.c_str(), message.c_str(), __FILE__, __LINE__);
        break;
    default:
        sc_report_handler::report(SC_INFO, name_.c_str(), message.c_str(), SC_NONE, __FILE__,
                                  __LINE__);
        break;
    }
}

} // namespace pmemvp
