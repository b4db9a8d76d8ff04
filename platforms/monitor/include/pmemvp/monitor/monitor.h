// SPDX-License-Identifier: Apache-2.0
// A QEMU-compatible monitor: the commands both protocols share (QMP's JSON and HMP's text), the
// run state they control, and events. The platform registers its own commands; the protocol
// sessions (qmp_session, hmp_session) and the transports (server) sit on top.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pmemvp::monitor {

// Objects keep their members' order, so that replies read as QEMU's do.
using json = nlohmann::ordered_json;
// A JSON value as QEMU's QMP writes it: ", " and ": " between members, on one line.
std::string qmp_text(const json& value);

// A failed command, with QEMU's error class ("GenericError", "CommandNotFound",
// "DeviceNotFound") and a description. Returned, never thrown: monitors run between slices of a
// simulation whose coroutines make sanitizers mistrust exceptions, and a client's mistakes are
// ordinary.
struct command_error {
    std::string error_class, desc;
    bool failed() const { return !error_class.empty(); }
    void set(std::string cls, std::string text) {
        error_class = std::move(cls);
        desc = std::move(text);
    }
};

// QEMU's run states, as query-status names them.
enum class run_state { prelaunch, running, paused, shutdown };
const char* to_string(run_state s);

class monitor {
public:
    struct version {
        unsigned major = 0, minor = 0, micro = 0;
        std::string package; // e.g. "pmemvp 0.1.0"
    };
    explicit monitor(version v);

    // QMP commands: `parameters` are the argument names accepted (others get QEMU's "Parameter
    // 'x' is unexpected"; "*" accepts any); run gets the arguments object and returns "return"'s value, or sets
    // the error.
    using qmp_handler = std::function<json(const json& arguments, command_error& error)>;
    void add_qmp(const std::string& name, std::vector<std::string> parameters, qmp_handler run);
    // HMP commands: "name" or "name|alias"; run gets the rest of the line.
    void add_hmp(const std::string& names, const std::string& arguments, const std::string& help,
                 std::function<std::string(const std::string&)> run);
    // HMP "info NAME".
    void add_info(const std::string& name, const std::string& help, std::function<std::string()> run);

    json execute(const std::string& name, const json& arguments, command_error& error);
    std::string run_hmp(const std::string& line);                  // the text to show
    const version& qemu_version() const { return version_; }

    run_state state() const { return state_; }
    bool running() const { return state_ == run_state::running; }
    // -S: the run has not started; cont starts it.
    void start_paused() { state_ = run_state::prelaunch; }
    // stop / cont as the commands do them (with their events); false if nothing changed.
    bool stop();
    bool cont();
    bool quit_requested() const { return quit_; }
    void request_quit() { quit_ = true; }
    // The run is over (the guest finished, or quit): SHUTDOWN is sent.
    void shutdown(bool by_guest, const std::string& reason);

    // An event for every QMP client that negotiated capabilities.
    void emit(const std::string& event, const json& data = nullptr);
    std::function<void(const json& event)> on_event; // the server's broadcast
    // Each command a client or script runs (an HMP line, a QMP request without its id), as it
    // runs: --record-monitor writes them with their simulated times.
    std::function<void(const std::string& command)> on_command;

private:
    struct qmp_entry {
        std::vector<std::string> parameters;
        qmp_handler run;
    };
    struct hmp_entry {
        std::string names, arguments, help;
        std::function<std::string(const std::string&)> run;
    };
    struct info_entry {
        std::string help;
        std::function<std::string()> run;
    };
    void add_builtins();
    std::string hmp_help() const;

    version version_;
    std::map<std::string, qmp_entry> qmp_;
    std::vector<hmp_entry> hmp_;
    std::map<std::string, info_entry> info_;
    run_state state_ = run_state::running;
    bool quit_ = false;
};

// One QMP client: the greeting, capabilities negotiation, JSON values split from a byte
// stream, replies with the request's id, and events once negotiated.
class qmp_session {
public:
    explicit qmp_session(monitor& m) : monitor_(m) {}
    std::string greeting() const; // with the newline
    // Bytes from the client; the text to send back (replies, one per line).
    std::string feed(const std::string& bytes);
    bool negotiated() const { return negotiated_; }

private:
    std::string handle(const std::string& text); // one complete JSON value
    monitor& monitor_;
    bool negotiated_ = false;
    // The JSON splitter: a value in progress.
    std::string value_;
    int depth_ = 0;
    bool in_string_ = false, escape_ = false;
};

// One HMP client: lines in, output and the "(qemu) " prompt out.
class hmp_session {
public:
    explicit hmp_session(monitor& m) : monitor_(m) {}
    std::string greeting() const;
    std::string feed(const std::string& bytes);

private:
    monitor& monitor_;
    std::string line_;
};

} // namespace pmemvp::monitor
