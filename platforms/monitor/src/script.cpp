// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/monitor/script.h"

#include "pmemvp/util/keyval.h"

#include <cmath>

namespace pmemvp::monitor {

namespace {

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

} // namespace

bool parse_script(const std::string& text, std::vector<script_command>& out, std::string& error) {
    unsigned number = 0;
    std::uint64_t last = 0;
    for (std::size_t at = 0; at <= text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        const std::string line = trimmed(text.substr(at, end - at));
        at = end + 1;
        ++number;
        if (line.empty() || line[0] == '#') continue;
        const std::string where = "line " + std::to_string(number) + ": ";
        if (line[0] != '@') {
            error = where + "'" + line.substr(0, 40) + "' has no time; write @TIME COMMAND (e.g. @5ms info status)";
            return false;
        }
        const std::size_t space = line.find_first_of(" \t");
        const std::string time = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
        const auto seconds = util::parse_seconds(time);
        if (!seconds) {
            error = where + "'@" + time + "' is not a simulated time; write e.g. @5ms, @250us, @1234ps";
            return false;
        }
        script_command c;
        c.time_ps = static_cast<std::uint64_t>(std::llround(*seconds * 1e12));
        c.time = time;
        c.text = space == std::string::npos ? "" : trimmed(line.substr(space));
        c.line = number;
        if (c.text.empty()) {
            error = where + "@" + time + " has no command; write a monitor command after the time";
            return false;
        }
        if (c.time_ps < last) {
            error = where + "@" + time + " is before the line above; keep the commands in time order";
            return false;
        }
        c.qmp = c.text[0] == '{';
        if (c.qmp && json::parse(c.text, nullptr, false).is_discarded()) {
            error = where + "the QMP command is not valid JSON; write it on one line, e.g. {\"execute\": \"stop\"}";
            return false;
        }
        last = c.time_ps;
        out.push_back(std::move(c));
    }
    return true;
}

std::string script_line(std::uint64_t time_ps, const std::string& command) {
    return "@" + std::to_string(time_ps) + "ps " + command;
}

script_runner::script_runner(monitor& m, std::vector<script_command> commands)
    : monitor_(m), commands_(std::move(commands)), qmp_(m) {
    qmp_.feed("{\"execute\": \"qmp_capabilities\"}");
}

std::optional<std::uint64_t> script_runner::next_time_ps() const {
    if (next_ >= commands_.size()) return std::nullopt;
    return commands_[next_].time_ps;
}

std::string script_runner::run_due(std::uint64_t now_ps) {
    std::string transcript;
    while (next_ < commands_.size() && commands_[next_].time_ps <= now_ps && !monitor_.quit_requested())
        transcript += run_next();
    return transcript;
}

std::string script_runner::run_next() {
    if (next_ >= commands_.size()) return "";
    const script_command& c = commands_[next_++];
    std::string transcript = "@" + c.time + " " + c.text + "\n";
    if (c.qmp) {
        transcript += qmp_.feed(c.text); // recorded by the session, as a client's would be
    } else {
        if (monitor_.on_command) monitor_.on_command(c.text);
        transcript += monitor_.run_hmp(c.text);
    }
    return transcript;
}

} // namespace pmemvp::monitor
