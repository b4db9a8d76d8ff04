// SPDX-License-Identifier: Apache-2.0
// The monitors' input (platforms/monitor): whatever a QMP or HMP client sends. Byte 0 picks the
// protocol (even: QMP, odd: HMP); the rest is fed in two parts (a stream split anywhere), to a
// session whose monitor has the built-in commands (run control, query-*, human-monitor-command,
// info). Replies must be valid JSON lines (QMP); nothing may throw. The same bytes are also
// read as a --monitor-script, and what parses is run.
#include "pmemvp/monitor/monitor.h"
#include "pmemvp/monitor/script.h"

#include <cstdint>
#include <string>

using namespace pmemvp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    monitor::monitor m({0, 1, 0, "pmemvp fuzz"});
    std::string events;
    m.on_event = [&events](const monitor::json& e) { events += monitor::qmp_text(e) + "\r\n"; };
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t cut = input.empty() ? 0 : data[0] % (input.size() + 1);
    if (data[0] % 2 == 0) {
        monitor::qmp_session s(m);
        std::string out = s.feed(input.substr(0, cut));
        out += s.feed(input.substr(cut));
        // Every reply line parses as JSON.
        for (std::size_t at = 0, end; (end = out.find("\r\n", at)) != std::string::npos; at = end + 2)
            if (!monitor::json::accept(out.substr(at, end - at))) __builtin_trap();
    } else {
        monitor::hmp_session s(m);
        s.feed(input.substr(0, cut));
        s.feed(input.substr(cut));
    }
    std::vector<monitor::script_command> commands;
    std::string error;
    if (monitor::parse_script(input, commands, error)) {
        for (std::size_t i = 1; i < commands.size(); ++i)
            if (commands[i].time_ps < commands[i - 1].time_ps) __builtin_trap(); // in time order
        monitor::script_runner runner(m, commands);
        runner.run_due(~0ull);
    } else if (error.rfind("line ", 0) != 0) {
        __builtin_trap(); // every error names its line
    }
    return 0;
}
