// SPDX-License-Identifier: Apache-2.0
#include "monitor_commands.h"

#include "options.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

namespace pmemvp::cli {

using monitor::command_error;
using monitor::json;

namespace {

const char* domain_name(pmem::domain_kind k) {
    return k == pmem::domain_kind::eadr ? "eadr" : k == pmem::domain_kind::adr ? "adr" : "none";
}

const char* state_name(pmem::persistence_domain::line_state s) {
    using st = pmem::persistence_domain::line_state;
    return s == st::durable ? "durable" : s == st::dirty ? "dirty" : s == st::written_back ? "written-back" : "queued";
}

std::uint64_t ns(const sc_core::sc_time& t) { return static_cast<std::uint64_t>(t.to_seconds() * 1e9 + 0.5); }

json finding_json(const std::string& memory, const pmem::finding& f) {
    return {{"kind", pmem::to_string(f.what)}, {"memory", memory}, {"offset", f.address}, {"pc", f.pc},
            {"time-ns", ns(f.time)}};
}

// An address argument: a JSON number, or a string "0x..." as HMP users write it.
std::optional<std::uint64_t> address_argument(const json& a) {
    if (a.is_number_unsigned()) return a.get<std::uint64_t>();
    if (a.is_string()) return util::parse_number(a.get<std::string>());
    return std::nullopt;
}

} // namespace

void add_platform_commands(monitor::monitor& m, platform::virt_platform& top, platform::pmem_commands& pmem,
                           const std::string& name) {
    m.add_qmp("query-name", {}, [name](const json&, command_error&) { return name.empty() ? json::object() : json{{"name", name}}; });
    m.add_info("name", "show the current VM name", [name] { return name.empty() ? std::string() : name + "\n"; });

    // After the end nothing runs again: a reset then would only change the counts.
    const char* const over = "The run is over (the guest finished or the power failed); nothing can be reset";
    auto reset = [&top, &m] {
        top.system_reset();
        m.emit("RESET", {{"guest", false}, {"reason", "host-qmp-system-reset"}});
    };
    m.add_qmp("system_reset", {}, [reset, over, &top](const json&, command_error& error) {
        if (top.run_over()) error.set("GenericError", over);
        else reset();
        return json::object();
    });
    m.add_hmp("system_reset", "", "reset the system", [reset, over, &top](const std::string&) {
        if (top.run_over()) return std::string(over) + "\n";
        reset();
        return std::string();
    });

    auto memory_devices = [&top] {
        json list = json::array();
        for (const auto& r : top.pmem_ranges())
            for (const auto* d : r.dimms)
                list.push_back({{"type", "nvdimm"},
                                {"data", {{"slot", d->slot()}, {"node", d->options().node}, {"addr", r.base},
                                          {"memdev", "/objects/" + d->memdev().id()}, {"id", d->id()},
                                          {"hotpluggable", true}, {"hotplugged", top.hotplugged(*d)}, {"size", d->pmem_size()}}}});
        for (const auto& v : top.virtio_pmems())
            list.push_back({{"type", "virtio-pmem"},
                            {"data", {{"id", v->id()}, {"memaddr", v->address()}, {"size", v->size()},
                                      {"memdev", "/objects/" + v->memdev().id()}}}});
        return list;
    };
    m.add_qmp("query-memory-devices", {}, [memory_devices](const json&, command_error&) { return memory_devices(); });
    m.add_info("memory-devices", "show memory devices", [memory_devices] {
        std::ostringstream out;
        for (const auto& d : memory_devices()) {
            const auto& data = d["data"];
            out << "Memory device [" << d["type"].get<std::string>() << "]: \"" << data["id"].get<std::string>() << "\"\n";
            for (const auto& [key, value] : data.items()) {
                if (key == "id") continue;
                out << "  " << key << ": ";
                if (value.is_number_unsigned() && (key == "addr" || key == "memaddr" || key == "size"))
                    out << util::hex(value.get<std::uint64_t>());
                else if (value.is_string()) out << value.get<std::string>();
                else out << value.dump();
                out << "\n";
            }
        }
        return out.str();
    });
    m.add_info("mtree", "show the memory map", [&top] {
        std::ostringstream out;
        out << "address-space: memory\n";
        for (const auto& map : top.bus.mappings()) {
            char line[160];
            std::snprintf(line, sizeof line, "  %016llx-%016llx (prio 0, i/o): %s\n",
                          static_cast<unsigned long long>(map.base), static_cast<unsigned long long>(map.end()),
                          map.name.c_str());
            out << line;
        }
        return out.str();
    });

    // pmemvp's own, named as QEMU names additions (x-...).
    m.add_qmp("x-pmemvp-power-fail", {"at"}, [&top](const json& args, command_error& error) {
        if (top.run_over()) {
            error.set("GenericError", "The run is over (the guest finished or the power failed); nothing can fail now");
            return json::object();
        }
        if (!args.contains("at")) {
            top.power_fail_now();
            return json::object();
        }
        const auto text = args["at"].is_string() ? args["at"].get<std::string>() : std::string();
        const auto at = parse_time(text);
        if (!at) error.set("GenericError", "Parameter 'at' expects a simulated time, e.g. \"5ms\"");
        else if (*at < top.cpu.now())
            error.set("GenericError", "'at' " + text + " is in the past (now: " + top.cpu.now().to_string() + ")");
        else top.schedule_power_fail(*at);
        return json::object();
    });
    m.add_qmp("x-pmemvp-query-pmem", {"address"}, [&top](const json& args, command_error& error) {
        if (args.contains("address")) {
            const auto address = address_argument(args["address"]);
            if (!address) {
                error.set("GenericError", "Parameter 'address' expects an unsigned number");
                return json();
            }
            const std::uint64_t a = *address;
            const auto where = top.locate_pmem(a);
            if (!where) {
                error.set("GenericError", util::hex(a) + " is not in a pmem memory");
                return json();
            }
            const auto& d = *where->memory->domain;
            json line = {{"memory", where->memory->name}, {"offset", where->offset / 64 * 64},
                         {"state", state_name(d.state_of(where->offset))}, {"durable", d.durable(where->offset)}};
            if (const auto* h = d.history(where->offset); h && h->stored)
                line["last-store"] = {{"pc", h->last_store_pc}, {"time-ns", ns(h->last_store_time)}};
            return line;
        }
        json list = json::array();
        for (const auto& t : top.persistence_domains()) {
            const auto& d = *t.domain;
            list.push_back({{"memory", t.name}, {"memdev", t.file->id()}, {"domain", domain_name(d.kind())},
                            {"base", t.base}, {"size", t.size}, {"non-durable-lines", d.non_durable_count()},
                            {"awaiting-fence-lines", d.awaiting_fence_count()}, {"wpq-lines", d.queued_count()},
                            {"flush-findings", d.findings().size()}});
        }
        return list;
    });
    m.add_qmp("x-pmemvp-persist-check", {}, [&top](const json&, command_error&) {
        json list = json::array();
        for (const auto& t : top.persistence_domains()) {
            for (const auto& f : t.domain->findings()) list.push_back(finding_json(t.name, f));
            for (const auto& f : t.domain->check_at_end(top.cpu.now())) list.push_back(finding_json(t.name, f));
        }
        return list;
    });
    top.on_power_failure = [&top, &m](std::size_t first) {
        const auto& all = top.power_fail_findings();
        json lost = json::array();
        for (std::size_t i = first; i < all.size(); ++i)
            if (all[i].second.what == pmem::finding::kind::not_durable) lost.push_back(finding_json(all[i].first, all[i].second));
        m.emit("POWER_FAILURE", {{"time-ns", ns(top.cpu.now())}, {"lost-lines", lost.size()}, {"lines", lost}});
    };
    // HMP: the pmem commands as the GDB stub's monitor has them (dashes or underscores).
    for (const char* names : {"pmem", "pmem-stats|pmem_stats", "power-fail|power_fail", "persist-check|persist_check"}) {
        const std::string command = std::string(names).substr(0, std::string(names).find('|'));
        m.add_hmp(names, command == "pmem" ? "ADDR" : "", command == "pmem" ? "where a pmem line is on its way to durability"
                                                          : command == "pmem-stats" ? "persistence counts of each pmem memory"
                                                          : command == "power-fail" ? "a power failure now"
                                                                                    : "the persistence checker's findings so far",
                  [&pmem, command](const std::string& args) { return pmem.run(command + " " + args); });
    }
}

std::unique_ptr<monitor::script_runner> load_monitor_script(const std::string& path, monitor::monitor& m) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error("--monitor-script '" + path + "': cannot read the file");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<monitor::script_command> commands;
    std::string error;
    if (!monitor::parse_script(text, commands, error)) throw config_error("--monitor-script '" + path + "' " + error);
    return std::make_unique<monitor::script_runner>(m, std::move(commands));
}

} // namespace pmemvp::cli
