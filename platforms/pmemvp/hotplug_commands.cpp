// SPDX-License-Identifier: Apache-2.0
// Monitor commands that change the machine while it runs (object-add, device_add and their
// removals) and that show its PCI buses (query-pci, info pci), in QEMU's shapes.
#include "monitor_commands.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <cstdio>
#include <sstream>
#include <tuple>

namespace pmemvp::cli {

using monitor::command_error;
using monitor::json;

namespace {

enum class kind { boolean, integer, string };

// memory-backend-file's QMP members, typed as QEMU checks them.
const std::vector<std::pair<std::string, kind>>& backend_members() {
    static const std::vector<std::pair<std::string, kind>> members{
        {"id", kind::string},        {"mem-path", kind::string},   {"size", kind::integer},
        {"share", kind::boolean},    {"pmem", kind::boolean},      {"readonly", kind::boolean},
        {"align", kind::integer},    {"offset", kind::integer},    {"prealloc", kind::boolean},
        {"discard-data", kind::boolean}};
    return members;
}

// A JSON scalar as the key=value text the command-line parsers take; nullopt with the error
// set when QEMU would refuse its type.
std::optional<std::string> keyval_value(const std::string& key, const json& value, kind expected, command_error& error) {
    const char* const names[] = {"boolean", "integer", "string"};
    const bool ok = (expected == kind::boolean && value.is_boolean()) ||
                    (expected == kind::integer && value.is_number_unsigned()) ||
                    (expected == kind::string && value.is_string());
    if (!ok) {
        error.set("GenericError", "Invalid parameter type for '" + key + "', expected: " + names[static_cast<int>(expected)]);
        return std::nullopt;
    }
    std::string text = value.is_boolean() ? (value.get<bool>() ? "on" : "off")
                       : value.is_string() ? value.get<std::string>()
                                           : std::to_string(value.get<std::uint64_t>());
    if (text.find(',') != std::string::npos) {
        error.set("GenericError", "Parameter '" + key + "' value '" + text + "' contains a comma, which pmemvp's "
                                  "option lists cannot hold; use a path without commas");
        return std::nullopt;
    }
    return text;
}

// object-add's arguments as "-object" text.
std::optional<std::string> object_text(const json& args, command_error& error) {
    const auto type = args.value("qom-type", json()).is_string() ? args["qom-type"].get<std::string>() : "";
    if (type.empty()) {
        error.set("GenericError", "Parameter 'qom-type' is missing");
        return std::nullopt;
    }
    if (type != "memory-backend-file") {
        error.set("GenericError", "Parameter 'qom-type' does not accept value '" + type + "'");
        return std::nullopt;
    }
    std::string text = type;
    for (const auto& [key, value] : args.items()) {
        if (key == "qom-type") continue;
        const auto member = std::find_if(backend_members().begin(), backend_members().end(),
                                         [&key = key](const auto& m) { return m.first == key; });
        if (member == backend_members().end()) {
            error.set("GenericError", "Parameter '" + key + "' is unexpected");
            return std::nullopt;
        }
        const auto v = keyval_value(key, value, member->second, error);
        if (!v) return std::nullopt;
        text += "," + key + "=" + *v;
    }
    return text;
}

// device_add's arguments as "-device" text: QEMU takes any scalar for a property.
std::optional<std::string> device_text(const json& args, command_error& error) {
    if (!args.contains("driver") || !args["driver"].is_string()) {
        error.set("GenericError", "Parameter 'driver' is missing");
        return std::nullopt;
    }
    std::string text = args["driver"].get<std::string>();
    for (const auto& [key, value] : args.items()) {
        if (key == "driver") continue;
        const kind k = value.is_boolean() ? kind::boolean : value.is_number_unsigned() ? kind::integer : kind::string;
        const auto v = keyval_value(key, value, k, error);
        if (!v) return std::nullopt;
        text += "," + key + "=" + *v;
    }
    return text;
}

std::string hmp_result(const std::string& error) { return error.empty() ? "" : "Error: " + error + "\n"; }

// Parses with a factory function; "" and the parsed value, or the error text.
template <typename T, typename Parse>
std::string parse(const std::string& text, Parse parse_text, std::optional<T>& out) {
    try {
        out = parse_text(text);
        return "";
    } catch (const config_error& e) {
        return e.what();
    }
}

// QEMU's names for the classes pmemvp has; nullptr for the others (QEMU then gives no "desc").
const char* class_description(std::uint32_t class_code) {
    switch (class_code >> 8) {
    case 0x0600: return "Host bridge";
    case 0x0604: return "PCI bridge";
    default: return nullptr;
    }
}

json range(std::uint64_t base, std::uint64_t limit) { return {{"base", base}, {"limit", limit}}; }

// One function as QEMU's query-pci shows it.
json function_json(platform::virt_platform& top, unsigned bus, unsigned device, unsigned function, const pci::pci_device& d) {
    std::string qdev_id;
    for (const auto& p : top.root_ports())
        if (p.port.get() == &d) qdev_id = p.id;
    for (const auto& v : top.virtio_pmems())
        if (&v->transport() == &d) qdev_id = v->id();
    const std::uint32_t class_code = d.config_read(pci::cfg::class_code, 4) & 0xffffff;
    const unsigned pin = d.config_read(pci::cfg::interrupt_pin, 1);
    json f = {{"irq_pin", pin}, {"bus", bus}};
    const auto* port = dynamic_cast<const pci::pcie_root_port*>(&d);
    if (port) {
        const auto memory = port->memory_window(), prefetch = port->prefetch_window();
        json below = json::array();
        top.pci().for_each_function([&](unsigned b, unsigned dev, unsigned fn, const pci::pci_device& child) {
            if (b != 0 && b == port->secondary_bus()) below.push_back(function_json(top, b, dev, fn, child));
        });
        json bridge = {{"bus", {{"prefetchable_range", range(prefetch.base, prefetch.limit)},
                                {"memory_range", range(memory.base, memory.limit)},
                                {"secondary", port->secondary_bus()},
                                {"io_range", range(0xf000, 0xfff)}, // no I/O window
                                {"number", port->primary_bus()},
                                {"subordinate", port->subordinate_bus()}}}};
        if (!below.empty()) bridge["devices"] = below;
        f["pci_bridge"] = bridge;
    }
    f["qdev_id"] = qdev_id;
    if (pin) f["irq"] = d.config_read(pci::cfg::interrupt_line, 1);
    f["slot"] = device;
    f["class_info"] = {{"class", class_code >> 8}};
    if (const char* desc = class_description(class_code)) f["class_info"]["desc"] = desc;
    json id = {{"device", d.config_read(pci::cfg::device_id, 2)}};
    if (!port) id["subsystem-vendor"] = d.config_read(pci::cfg::subsystem_vendor, 2);
    id["vendor"] = d.config_read(pci::cfg::vendor_id, 2);
    if (!port) id["subsystem"] = d.config_read(pci::cfg::subsystem_id, 2);
    f["id"] = id;
    f["function"] = function;
    json regions = json::array();
    for (unsigned bar = 0; bar < pci::pci_device::num_bars; ++bar) {
        std::uint64_t base = 0, size = 0;
        const std::uint32_t low = d.config_read(pci::cfg::bar0 + 4 * bar, 4);
        if (!d.bar_size(bar)) continue;
        const bool decodes = d.bar_decodes(bar, base, size);
        const bool is64 = (low & 6) == 4;
        json region = {{"prefetch", (low & 8) != 0}, {"mem_type_64", is64}, {"bar", bar}, {"size", d.bar_size(bar)}};
        region["address"] = decodes ? json(base) : json(-1);
        region["type"] = "memory";
        regions.push_back(region);
    }
    f["regions"] = regions;
    return f;
}

json query_pci(platform::virt_platform& top) {
    json devices = json::array();
    top.pci().for_each_function([&](unsigned bus, unsigned device, unsigned fn, const pci::pci_device& d) {
        if (bus == 0) devices.push_back(function_json(top, bus, device, fn, d));
    });
    return json::array({{{"bus", 0}, {"devices", devices}}});
}

void print_function(std::ostringstream& out, const json& f) {
    char line[200];
    std::snprintf(line, sizeof line, "  Bus %2u, device %3u, function %u:\n", f["bus"].get<unsigned>(),
                  f["slot"].get<unsigned>(), f["function"].get<unsigned>());
    out << line;
    const auto& cls = f["class_info"];
    char name[32];
    std::snprintf(name, sizeof name, "Class %04u", cls["class"].get<unsigned>()); // decimal, as QEMU prints it
    std::snprintf(line, sizeof line, "    %s: PCI device %04x:%04x\n",
                  cls.contains("desc") ? cls["desc"].get<std::string>().c_str() : name,
                  f["id"]["vendor"].get<unsigned>(), f["id"]["device"].get<unsigned>());
    out << line;
    if (f["id"].contains("subsystem")) {
        std::snprintf(line, sizeof line, "      PCI subsystem %04x:%04x\n", f["id"]["subsystem-vendor"].get<unsigned>(),
                      f["id"]["subsystem"].get<unsigned>());
        out << line;
    }
    if (f["irq_pin"].get<unsigned>()) {
        std::snprintf(line, sizeof line, "      IRQ %u, pin %c\n", f["irq"].get<unsigned>(), 'A' + f["irq_pin"].get<unsigned>() - 1);
        out << line;
    }
    if (f.contains("pci_bridge")) {
        const auto& b = f["pci_bridge"]["bus"];
        out << "      BUS " << b["number"].get<unsigned>() << ".\n";
        out << "      secondary bus " << b["secondary"].get<unsigned>() << ".\n";
        out << "      subordinate bus " << b["subordinate"].get<unsigned>() << ".\n";
        for (const auto& [name, key, digits] : {std::tuple<const char*, const char*, int>{"IO range", "io_range", 4},
                                                {"memory range", "memory_range", 8},
                                                {"prefetchable memory range", "prefetchable_range", 8}}) {
            std::snprintf(line, sizeof line, "      %s [0x%0*llx, 0x%0*llx]\n", name, digits,
                          static_cast<unsigned long long>(b[key]["base"].get<std::uint64_t>()), digits,
                          static_cast<unsigned long long>(b[key]["limit"].get<std::uint64_t>()));
            out << line;
        }
    }
    for (const auto& r : f["regions"]) {
        // QEMU's line; an unassigned BAR is at -1 (its end wraps, as QEMU prints it).
        const auto address = r["address"].is_number_unsigned() ? r["address"].get<std::uint64_t>() : ~0ull;
        std::snprintf(line, sizeof line, "      BAR%u: %d bit%s memory at 0x%08llx [0x%08llx].\n", r["bar"].get<unsigned>(),
                      r["mem_type_64"].get<bool>() ? 64 : 32, r["prefetch"].get<bool>() ? " prefetchable" : "",
                      static_cast<unsigned long long>(address),
                      static_cast<unsigned long long>(address + r["size"].get<std::uint64_t>() - 1));
        out << line;
    }
    out << "      id \"" << f["qdev_id"].get<std::string>() << "\"\n";
    if (f.contains("pci_bridge") && f["pci_bridge"].contains("devices"))
        for (const auto& child : f["pci_bridge"]["devices"]) print_function(out, child);
}

} // namespace

void add_hotplug_commands(monitor::monitor& m, platform::virt_platform& top) {
    std::vector<std::string> object_members{"qom-type"};
    for (const auto& [name, k] : backend_members()) object_members.push_back(name);

    auto object_add = [&top](const std::string& text) {
        std::optional<platform::object_options> o;
        if (auto e = parse<platform::object_options>(text, platform::parse_object, o); !e.empty()) return e;
        return top.object_add(*o);
    };
    auto device_add = [&top](const std::string& text) {
        std::optional<platform::device_options> d;
        if (auto e = parse<platform::device_options>(text, platform::parse_device, d); !e.empty()) return e;
        return top.device_add(*d);
    };
    m.add_qmp("object-add", object_members, [object_add](const json& args, command_error& error) {
        if (const auto text = object_text(args, error))
            if (auto e = object_add(*text); !e.empty()) error.set("GenericError", e);
        return json::object();
    });
    m.add_hmp("object_add", "TYPE,id=ID,...", "create a QOM object (memory-backend-file)",
              [object_add](const std::string& args) { return hmp_result(object_add(args)); });
    m.add_qmp("object-del", {"id"}, [&top](const json& args, command_error& error) {
        if (!args.contains("id") || !args["id"].is_string()) error.set("GenericError", "Parameter 'id' is missing");
        else if (auto e = top.object_del(args["id"].get<std::string>()); !e.empty()) error.set("GenericError", e);
        return json::object();
    });
    m.add_hmp("object_del", "ID", "destroy a QOM object",
              [&top](const std::string& args) { return hmp_result(top.object_del(args)); });

    // device_add takes any property (QEMU checks them per device type).
    m.add_qmp("device_add", {"*"}, [device_add](const json& args, command_error& error) {
        if (const auto text = device_text(args, error))
            if (auto e = device_add(*text); !e.empty()) error.set("GenericError", e);
        return json::object();
    });
    m.add_hmp("device_add", "DRIVER,prop=value,...", "add a device (virtio-pmem-pci into a pcie-root-port)",
              [device_add](const std::string& args) { return hmp_result(device_add(args)); });
    auto device_del = [&top](const std::string& id, command_error& error) {
        const std::string e = top.device_del(id);
        if (!e.empty()) error.set(e == "Device '" + id + "' not found" ? "DeviceNotFound" : "GenericError", e);
    };
    m.add_qmp("device_del", {"id"}, [device_del](const json& args, command_error& error) {
        if (!args.contains("id") || !args["id"].is_string()) error.set("GenericError", "Parameter 'id' is missing");
        else device_del(args["id"].get<std::string>(), error);
        return json::object();
    });
    m.add_hmp("device_del", "ID", "remove a device (the guest is asked, as with an attention button)",
              [device_del](const std::string& args) {
                  command_error error;
                  device_del(args, error);
                  return hmp_result(error.desc);
              });
    top.on_device_deleted = [&m](const std::string& id) {
        // QEMU sends one for the virtio backend, then one for the device.
        m.emit("DEVICE_DELETED", {{"path", "/machine/peripheral/" + id + "/virtio-backend"}});
        m.emit("DEVICE_DELETED", {{"device", id}, {"path", "/machine/peripheral/" + id}});
    };

    m.add_qmp("query-pci", {}, [&top](const json&, command_error&) { return query_pci(top); });
    m.add_info("pci", "show PCI info", [&top] {
        std::ostringstream out;
        for (const auto& bus : query_pci(top))
            for (const auto& f : bus["devices"]) print_function(out, f);
        return out.str();
    });
}

} // namespace pmemvp::cli
