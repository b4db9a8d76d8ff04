// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/monitor/monitor.h"

namespace pmemvp::monitor {

namespace {
constexpr std::size_t max_value = 1 << 20; // bytes in one QMP request
constexpr int max_depth = 64;
constexpr std::size_t max_line = 4096; // an HMP line

std::string reply_error(const std::string& cls, const std::string& desc, const json* id) {
    json r = json::object();
    if (id) r["id"] = *id; // QEMU: the id first in errors, last in returns
    r["error"] = {{"class", cls}, {"desc", desc}};
    return qmp_text(r) + "\r\n";
}

std::string reply_return(const json& value, const json* id) {
    json r = {{"return", value}};
    if (id) r["id"] = *id;
    return qmp_text(r) + "\r\n";
}
} // namespace

std::string qmp_text(const json& v) {
    if (v.is_object()) {
        std::string out = "{";
        const char* sep = "";
        for (const auto& [key, value] : v.items()) {
            out += sep + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + ": " + qmp_text(value);
            sep = ", ";
        }
        return out + "}";
    }
    if (v.is_array()) {
        std::string out = "[";
        const char* sep = "";
        for (const auto& value : v) {
            out += sep + qmp_text(value);
            sep = ", ";
        }
        return out + "]";
    }
    // A client's bytes may be any: invalid UTF-8 is written as U+FFFD, never an exception.
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string qmp_session::greeting() const {
    const auto& v = monitor_.qemu_version();
    json g = {{"QMP",
               {{"version", {{"qemu", {{"micro", v.micro}, {"minor", v.minor}, {"major", v.major}}}, {"package", v.package}}},
                {"capabilities", json::array({"oob"})}}}};
    return qmp_text(g) + "\r\n";
}

std::string qmp_session::feed(const std::string& bytes) {
    // Split the stream into JSON values by their brackets (strings and escapes respected), as
    // QEMU's streamer does; a top-level word that is not a bracket ends at white space.
    std::string out;
    for (const char c : bytes) {
        if (depth_ == 0 && value_.empty() && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) continue;
        value_ += c;
        if (in_string_) {
            if (escape_) escape_ = false;
            else if (c == '\\') escape_ = true;
            else if (c == '"') in_string_ = false;
        } else if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            --depth_;
        }
        const bool bare_word_done = depth_ == 0 && !in_string_ && value_.size() > 1 && value_[0] != '{' &&
                                    value_[0] != '[' && value_[0] != '"' &&
                                    (c == ' ' || c == '\n' || c == '\r' || c == '\t');
        const bool value_done = depth_ <= 0 && !in_string_ && !value_.empty() &&
                                (c == '}' || c == ']' || (value_[0] == '"' && value_.size() > 1 && c == '"'));
        if (value_done || bare_word_done) {
            out += handle(value_);
            value_.clear();
            depth_ = 0;
        } else if (value_.size() > max_value || depth_ > max_depth) {
            out += reply_error("GenericError", "JSON parse error, request too large or too deeply nested", nullptr);
            value_.clear();
            depth_ = 0;
            in_string_ = escape_ = false;
        }
    }
    return out;
}

std::string qmp_session::handle(const std::string& text) {
    const json request = json::parse(text, nullptr, false); // no exception: see command_error
    if (request.is_discarded()) {
        std::string word = text;
        while (!word.empty() && (word.back() == ' ' || word.back() == '\n' || word.back() == '\r')) word.pop_back();
        const bool keyword = !word.empty() && word[0] != '{' && word[0] != '[' && word[0] != '"';
        if (word.size() > 64) word = word.substr(0, 64) + "...";
        return reply_error("GenericError",
                           keyword ? "JSON parse error, invalid keyword '" + word + "'" : "JSON parse error, expecting value",
                           nullptr);
    }
    if (!request.is_object()) return reply_error("GenericError", "QMP input must be a JSON object", nullptr);
    const json* id = request.contains("id") ? &request["id"] : nullptr;
    for (const auto& [key, value] : request.items())
        if (key != "execute" && key != "arguments" && key != "id" && key != "exec-oob")
            return reply_error("GenericError", "QMP input member '" + key + "' is unexpected", id);
    if (!request.contains("execute"))
        return reply_error("GenericError", "QMP input lacks member 'execute'", id);
    if (!request["execute"].is_string())
        return reply_error("GenericError", "QMP input member 'execute' must be a string", id);
    const std::string name = request["execute"].get<std::string>();
    json arguments = json::object();
    if (request.contains("arguments")) {
        if (!request["arguments"].is_object())
            return reply_error("GenericError", "QMP input member 'arguments' must be an object", id);
        arguments = request["arguments"];
    }
    if (name == "qmp_capabilities") {
        if (negotiated_)
            return reply_error("CommandNotFound", "Capabilities negotiation is already complete, command ignored", id);
        negotiated_ = true;
        return reply_return(json::object(), id);
    }
    if (!negotiated_)
        return reply_error("CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'", id);
    if (monitor_.on_command) {
        json recorded = request;
        recorded.erase("id");
        monitor_.on_command(qmp_text(recorded));
    }
    command_error error;
    const json value = monitor_.execute(name, arguments, error);
    if (error.failed()) return reply_error(error.error_class, error.desc, id);
    return reply_return(value, id);
}

std::string hmp_session::greeting() const {
    const auto& v = monitor_.qemu_version();
    return v.package + " monitor - type 'help' for more information\r\n(qemu) ";
}

std::string hmp_session::feed(const std::string& bytes) {
    std::string out;
    for (const char c : bytes) {
        if (c == '\n') {
            if (monitor_.on_command && line_.find_first_not_of(" \t\r") != std::string::npos) {
                std::string command = line_;
                while (!command.empty() && (command.back() == '\r' || command.back() == ' ')) command.pop_back();
                monitor_.on_command(command);
            }
            std::string text = monitor_.run_hmp(line_);
            line_.clear();
            for (const char t : text) {
                if (t == '\n') out += '\r';
                out += t;
            }
            out += "(qemu) ";
        } else if (line_.size() < max_line) {
            line_ += c;
        }
    }
    return out;
}

} // namespace pmemvp::monitor
