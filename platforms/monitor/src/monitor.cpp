// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/monitor/monitor.h"

#include <chrono>
#include <sstream>

namespace pmemvp::monitor {

const char* to_string(run_state s) {
    switch (s) {
    case run_state::prelaunch: return "prelaunch";
    case run_state::running: return "running";
    case run_state::paused: return "paused";
    case run_state::shutdown: return "shutdown";
    }
    return "?";
}

monitor::monitor(version v) : version_(std::move(v)) { add_builtins(); }

void monitor::add_qmp(const std::string& name, std::vector<std::string> parameters, qmp_handler run) {
    qmp_[name] = {std::move(parameters), std::move(run)};
}

void monitor::add_hmp(const std::string& names, const std::string& arguments, const std::string& help,
                      std::function<std::string(const std::string&)> run) {
    hmp_.push_back({names, arguments, help, std::move(run)});
}

void monitor::add_info(const std::string& name, const std::string& help, std::function<std::string()> run) {
    info_[name] = {help, std::move(run)};
}

json monitor::execute(const std::string& name, const json& arguments, command_error& error) {
    const auto c = qmp_.find(name);
    if (c == qmp_.end()) {
        error.set("CommandNotFound", "The command " + name + " has not been found");
        return nullptr;
    }
    for (const auto& [key, value] : arguments.items()) {
        bool known = false;
        for (const auto& p : c->second.parameters) known = known || p == key || p == "*";
        if (!known) {
            error.set("GenericError", "Parameter '" + key + "' is unexpected");
            return nullptr;
        }
    }
    return c->second.run(arguments, error);
}

bool monitor::stop() {
    if (state_ != run_state::running && state_ != run_state::prelaunch) return false;
    const bool was_running = state_ == run_state::running;
    state_ = run_state::paused;
    if (was_running) emit("STOP");
    return true;
}

bool monitor::cont() {
    if (state_ == run_state::running || state_ == run_state::shutdown) return false;
    state_ = run_state::running;
    emit("RESUME");
    return true;
}

void monitor::shutdown(bool by_guest, const std::string& reason) {
    if (state_ == run_state::shutdown) return;
    state_ = run_state::shutdown;
    emit("SHUTDOWN", {{"guest", by_guest}, {"reason", reason}});
}

void monitor::emit(const std::string& event, const json& data) {
    if (!on_event) return;
    // QEMU stamps events with the host's wall clock (it says when, not what was simulated).
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    json e = {{"timestamp", {{"seconds", us / 1000000}, {"microseconds", us % 1000000}}}, {"event", event}};
    if (!data.is_null()) e["data"] = data;
    on_event(e);
}

void monitor::add_builtins() {
    add_qmp("query-status", {}, [this](const json&, command_error&) {
        return json{{"status", to_string(state_)}, {"singlestep", false}, {"running", running()}};
    });
    add_qmp("stop", {}, [this](const json&, command_error&) {
        stop();
        return json::object();
    });
    add_qmp("cont", {}, [this](const json&, command_error& error) {
        if (state_ == run_state::shutdown) error.set("GenericError", "The run is over: the guest finished");
        else cont();
        return json::object();
    });
    add_qmp("quit", {}, [this](const json&, command_error&) {
        quit_ = true;
        shutdown(false, "host-qmp-quit"); // QEMU sends SHUTDOWN before the reply
        return json::object();
    });
    // As on QEMU's RISC-V virt: the request is announced, and no power button exists to press.
    add_qmp("system_powerdown", {}, [this](const json&, command_error&) {
        emit("POWERDOWN");
        return json::object();
    });
    add_qmp("query-version", {}, [this](const json&, command_error&) {
        return json{{"qemu", {{"micro", version_.micro}, {"minor", version_.minor}, {"major", version_.major}}},
                    {"package", version_.package}};
    });
    add_qmp("query-commands", {}, [this](const json&, command_error&) {
        json list = json::array();
        list.push_back({{"name", "qmp_capabilities"}});
        for (const auto& [name, entry] : qmp_) list.push_back({{"name", name}});
        return list;
    });
    add_qmp("human-monitor-command", {"command-line", "cpu-index"}, [this](const json& args, command_error& error) {
        if (!args.contains("command-line") || !args["command-line"].is_string()) {
            error.set("GenericError", "Parameter 'command-line' is missing");
            return json();
        }
        std::string out = run_hmp(args["command-line"].get<std::string>());
        // QMP carries HMP output with \r\n line ends, as QEMU's monitor writes them.
        std::string crlf;
        for (const char c : out) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        return json(crlf);
    });

    add_hmp("help|?", "[cmd]", "show the help", [this](const std::string&) { return hmp_help(); });
    add_hmp("stop|s", "", "stop emulation", [this](const std::string&) {
        stop();
        return std::string();
    });
    add_hmp("cont|c", "", "resume emulation", [this](const std::string&) {
        if (state_ == run_state::shutdown) return std::string("Error: the run is over: the guest finished\n");
        cont();
        return std::string();
    });
    add_hmp("quit|q", "", "quit the emulator", [this](const std::string&) {
        quit_ = true;
        shutdown(false, "host-qmp-quit");
        return std::string();
    });
    add_hmp("system_powerdown", "", "send system power down event", [this](const std::string&) {
        emit("POWERDOWN");
        return std::string();
    });
    add_hmp("info", "[subcommand]", "show various information about the system state", [this](const std::string& what) {
        const auto i = info_.find(what);
        if (what.empty() || i == info_.end()) {
            std::string out;
            for (const auto& [name, entry] : info_) out += "info " + name + "  -- " + entry.help + "\n";
            return out;
        }
        return i->second.run();
    });
    add_info("status", "show the current VM status (running|paused)", [this] {
        // As QEMU: "running", "paused", or "paused (STATE)" for the other states.
        if (running()) return std::string("VM status: running\n");
        if (state_ == run_state::paused) return std::string("VM status: paused\n");
        return std::string("VM status: paused (") + to_string(state_) + ")\n";
    });
    add_info("version", "show the version of QEMU", [this] {
        return std::to_string(version_.major) + "." + std::to_string(version_.minor) + "." +
               std::to_string(version_.micro) + version_.package + "\n";
    });
}

std::string monitor::hmp_help() const {
    std::ostringstream out;
    for (const auto& c : hmp_) {
        std::string head = c.names + (c.arguments.empty() ? "" : " " + c.arguments);
        out << head << " -- " << c.help << "\n";
    }
    return out.str();
}

std::string monitor::run_hmp(const std::string& line) {
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) return "";
    const std::size_t end = line.find_first_of(" \t", start);
    const std::string name = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string rest = end == std::string::npos ? "" : line.substr(end);
    rest.erase(0, rest.find_first_not_of(" \t"));
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r')) rest.pop_back();
    for (const auto& c : hmp_) {
        std::istringstream names(c.names);
        for (std::string n; std::getline(names, n, '|');)
            if (n == name) return c.run(rest);
    }
    return "unknown command: '" + name + "'\n";
}

} // namespace pmemvp::monitor
