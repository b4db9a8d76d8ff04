// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/devices.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>

namespace pmemvp::platform {

namespace {
// Splits "TYPE,rest".
std::pair<std::string, std::string> split_type(const std::string& text) {
    const auto comma = text.find(',');
    return {text.substr(0, comma), comma == std::string::npos ? "" : text.substr(comma + 1)};
}

unsigned small_number(util::keyval_list& list, const std::string& key, std::uint64_t max, unsigned fallback) {
    const auto value = list.take_size(key);
    if (!value) return fallback;
    if (*value > max)
        throw config_error(list.what() + ": option '" + key + "' value " + std::to_string(*value) +
                           " is out of range (0.." + std::to_string(max) + ")");
    return static_cast<unsigned>(*value);
}
} // namespace

root_port_options root_port_options::parse(const std::string& keyvals) {
    util::keyval_list list("-device pcie-root-port", keyvals);
    root_port_options o;
    o.id = list.take_string("id").value_or("");
    o.slot = small_number(list, "slot", 255, 0);
    o.chassis = small_number(list, "chassis", 255, 0);
    if (auto addr = list.take_string("addr")) {
        // QEMU's "DEV[.FN]", decimal or 0x-hex; only function 0 here.
        const std::string text = addr->substr(0, addr->find('.'));
        const auto device = util::parse_number(text);
        if (!device || *device > 31 || (addr->find('.') != std::string::npos && addr->substr(addr->find('.') + 1) != "0"))
            throw config_error("-device pcie-root-port: option 'addr' value '" + *addr +
                               "' is not a device number 1..31 (function 0), e.g. addr=0x5");
        if (*device == 0)
            throw config_error("-device pcie-root-port: addr 0 is the host bridge's; give 1..31");
        o.addr = static_cast<unsigned>(*device);
    }
    if (auto bus = list.take_string("bus"); bus && *bus != "pcie.0")
        throw config_error("-device pcie-root-port: bus '" + *bus + "' not found; root ports go on pcie.0");
    list.take_string("port"); // QEMU's port number: Linux does not use it
    list.finish({"id", "slot", "chassis", "addr", "bus", "port"});
    if (o.id.empty())
        throw config_error("-device pcie-root-port: option 'id' is missing; name it, e.g. id=rp1, so "
                           "device_add ...,bus=rp1 can plug into it");
    return o;
}

device_options parse_device(const std::string& text) {
    const auto [type, rest] = split_type(text);
    if (type == "nvdimm") return nvdimm::nvdimm_options::parse(rest);
    if (type == "virtio-pmem-pci") return virtio::virtio_pmem_options::parse(rest);
    if (type == "pcie-root-port") return root_port_options::parse(rest);
    // QEMU's words for a type it does not know.
    throw config_error("'" + type + "' is not a valid device model name");
}

const std::string& device_id(const device_options& device) {
    return std::visit([](const auto& o) -> const std::string& { return o.id; }, device);
}

object_options parse_object(const std::string& text) {
    const auto [type, rest] = split_type(text);
    if (type == "nvdimm-interleave") return nvdimm::interleave_options::parse(rest);
    if (type != "memory-backend-file")
        throw config_error("-object '" + type + "': unknown object type; accepted: memory-backend-file, "
                           "nvdimm-interleave");
    auto backend = backend::file_backend_options::parse(rest);
    if (backend.id.empty())
        throw config_error("-object memory-backend-file: option 'id' is missing; name it, e.g. id=mem0, "
                           "so a device can use memdev=mem0");
    return backend;
}


const std::vector<type_help>& device_types() {
    static const std::vector<type_help> types{
        {"nvdimm", "an NVDIMM on a memory backend (-machine virt,nvdimm=on), described by the ACPI NFIT",
         {{"id=<str>", "the device's name"},
          {"memdev=<link<memory-backend>>", "the memory-backend-file holding its memory and label area"},
          {"label-size=<size>", "bytes at the end of memdev for the namespace label area (default 0)"},
          {"unarmed=<bool>", "the DIMM reports it cannot keep data (NFIT flag, read-only)"},
          {"slot=<int>", "the DIMM slot (default: the first free one)"},
          {"node=<int>", "the proximity domain in the NFIT"},
          {"flush-hints=<int>", "flush hint addresses in the NFIT (default 1)"},
          {"badrange=<OFF+LEN[:OFF+LEN...]>", "bad ranges reported by Address Range Scrub"}}},
        {"virtio-pmem-pci", "a virtio-pmem device on PCI: its memory is the backend's, made durable by flush requests",
         {{"id=<str>", "the device's name"},
          {"memdev=<link<memory-backend>>", "the memory-backend-file holding its memory"},
          {"memaddr=<uint64>", "the physical address of its memory (default: the next free one)"},
          {"flush-latency=<time>", "time a flush request takes (default 20us)"},
          {"flush-page-cost=<time>", "time a flush takes per dirty page (default 1us)"},
          {"flush-io=<inline|thread>", "where the host's msync runs (default inline)"},
          {"shmem=<bool>", "offer the memory as virtio shared memory region 0 too"},
          {"bus=<str>", "the pcie-root-port to plug into (default: bus 0 at start, a free root port for device_add)"}}},
        {"pcie-root-port", "a PCIe root port with a hot-plug slot (native PCIe hot-plug, as Linux's pciehp drives it)",
         {{"id=<str>", "the port's name; device_add ...,bus=ID plugs into it"},
          {"slot=<uint8>", "the physical slot number (default 0)"},
          {"chassis=<uint8>", "the chassis number (accepted, no effect)"},
          {"addr=<int32>", "its device number on bus 0 (default: the next free one)"},
          {"bus=<str>", "pcie.0, the only bus with root ports"}}},
    };
    return types;
}

const std::vector<type_help>& object_types() {
    static const std::vector<type_help> types{
        {"memory-backend-file", "a host file mapped as guest memory, with QEMU's rules",
         {{"id=<str>", "the name devices give as memdev"},
          {"mem-path=<str>", "the file (created if missing; an empty one is extended to size)"},
          {"size=<size>", "the memory's size"},
          {"share=<bool>", "stores reach the file (default off: a private copy)"},
          {"pmem=<bool>", "the file is on persistent memory (MAP_SYNC when the host allows)"},
          {"readonly=<bool>", "the guest cannot write it"},
          {"align=<size>", "mapping alignment"},
          {"offset=<size>", "where in the file the memory starts"},
          {"prealloc=<bool>", "fault every page in at start"},
          {"discard-data=<bool>", "do not write the content back at exit"}}},
        {"nvdimm-interleave", "pmemvp's own: NVDIMMs interleaved into one SPA range",
         {{"id=<str>", "the set's name"},
          {"dimms=<id:id[:...]>", "the -device nvdimm ids, in way order"},
          {"granularity=<size>", "interleave granularity (default 4K)"}}},
    };
    return types;
}

// "-device help" lists the types; "-device TYPE,help" the properties of one. Empty if the
// text asks for no help.
std::string type_help_text(const std::string& option, const std::string& text, const std::vector<type_help>& types) {
    if (text == "help" || text == "?") {
        std::string out = "Available " + option.substr(1) + " types:\n";
        for (const auto& t : types) out += "name \"" + std::string(t.type) + "\", desc \"" + t.description + "\"\n";
        return out;
    }
    const auto comma = text.find(',');
    if (comma == std::string::npos || text.substr(comma + 1) != "help") return "";
    const std::string type = text.substr(0, comma);
    for (const auto& t : types) {
        if (type != t.type) continue;
        std::string out = type + " options:\n";
        for (const auto& [name, what] : t.properties) {
            std::string line = "  " + std::string(name);
            line.resize(std::max<std::size_t>(line.size() + 1, 36), ' ');
            out += line + "- " + what + "\n";
        }
        return out;
    }
    throw config_error(option + " '" + type + "': unknown type; " + option + " help lists them");
}


} // namespace pmemvp::platform
