// SPDX-License-Identifier: Apache-2.0
// Monitor scripts (--monitor-script, --record-monitor; docs/monitor.md): HMP or QMP commands
// at given simulated times, so that a session with hotplug or power failures gives the same
// timeline every run. One command per line:
//   @5ms device_add virtio-pmem-pci,id=vp1,memdev=m1        (HMP)
//   @5ms {"execute": "x-pmemvp-power-fail"}                 (QMP: a line starting with '{')
// '#' starts a comment line; times never go back.
#pragma once
#include "pmemvp/monitor/monitor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pmemvp::monitor {

struct script_command {
    std::uint64_t time_ps = 0;
    std::string time; // as written (e.g. "5ms")
    std::string text; // the command, as typed
    bool qmp = false;
    unsigned line = 0;
};

// Parses a script; false with `error` naming the line, the problem and the fix.
bool parse_script(const std::string& text, std::vector<script_command>& out, std::string& error);

// A line of a recorded session: "@TIMEps COMMAND".
std::string script_line(std::uint64_t time_ps, const std::string& command);

// Runs a script's commands on a monitor when the simulation reaches their times.
class script_runner {
public:
    script_runner(monitor& m, std::vector<script_command> commands);
    // When the next command is due; nullopt when none is left.
    std::optional<std::uint64_t> next_time_ps() const;
    // Runs every command due at `now_ps`; returns the transcript: each command with its time,
    // then what a client would have seen (HMP's output, QMP's reply).
    std::string run_due(std::uint64_t now_ps);
    // The next command whatever its time: a stopped machine's time does not pass.
    std::string run_next();

private:
    monitor& monitor_;
    std::vector<script_command> commands_;
    std::size_t next_ = 0;
    qmp_session qmp_; // negotiated at once: a script speaks after the greeting
};

} // namespace pmemvp::monitor
