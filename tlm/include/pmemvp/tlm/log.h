// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <optional>
#include <sstream>
#include <string>

namespace pmemvp {

enum class log_level { error = 0, warning, info, debug, trace };

// A per-module logger on top of sc_report: messages carry the module's name as their message
// type, so SystemC's own report handling (actions, log files, test handlers) applies; the level
// gate is ours, so each module can be made more or less talkative on its own.
class logger {
public:
    explicit logger(std::string name);

    const std::string& name() const { return name_; }
    log_level level() const { return level_; }
    void set_level(log_level level) { level_ = level; }
    bool enabled(log_level level) const { return level <= level_; }

    template <typename... Args> void error(const Args&... args) const {
        emit(log_level::error, join(args...));
    }
    template <typename... Args> void warn(const Args&... args) const {
        if (enabled(log_level::warning)) emit(log_level::warning, join(args...));
    }
    template <typename... Args> void info(const Args&... args) const {
        if (enabled(log_level::info)) emit(log_level::info, join(args...));
    }
    template <typename... Args> void debug(const Args&... args) const {
        if (enabled(log_level::debug)) emit(log_level::debug, join(args...));
    }

    // Loggers whose name starts with `prefix` and that are created afterwards start at `level`
    // ("" = all). The longest matching prefix wins.
    static void set_level_for(const std::string& prefix, log_level level);
    static std::optional<log_level> parse_level(const std::string& text);
    // For executables: SystemC reports go to stderr as "pmemvp: warning: <module>: <text>",
    // keeping stdout for the guest's own output; SystemC's banner and its "simulation
    // stopped" note are silenced. Errors still throw.
    static void route_reports_to_stderr();

private:
    template <typename... Args> static std::string join(const Args&... args) {
        std::ostringstream os;
        (os << ... << args);
        return os.str();
    }
    void emit(log_level level, const std::string& message) const;

    std::string name_;
    log_level level_;
};

} // namespace pmemvp
