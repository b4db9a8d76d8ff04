// SPDX-License-Identifier: Apache-2.0
// pmemvp-inspect: looks inside NVDIMM metadata on the host.
//   pmemvp-inspect nfit FILE [--json]                   decode and validate an NFIT binary
//   pmemvp-inspect labels FILE... --label-size N [--json]
//                                      the namespaces in the label area at the end of NVDIMM
//                                      backing files; --json prints what `ndctl read-labels -j`
//                                      prints for DIMMs nmem0, nmem1, ... (docs/labels.md)
// Both use the same format code as the guest library (sw/lib/nvdimm).
#include "labels.h"
#include "nfit.h"
#include "pmemvp/util/keyval.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

int usage(const char* problem) {
    std::cerr << "pmemvp-inspect: " << problem << "\n"
              << "usage: pmemvp-inspect nfit FILE [--json]\n"
                 "       pmemvp-inspect labels FILE... --label-size SIZE [--json]\n";
    return 2;
}

std::string hex(std::uint64_t v) { return pmemvp::util::hex(v); }

std::string json_string(const char* s) {
    std::string out = "\"";
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\') out += '\\';
        if (static_cast<unsigned char>(*s) >= 0x20) out += *s;
    }
    return out + "\"";
}

bool read_whole(const std::string& path, std::vector<std::uint8_t>& data) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

int show_nfit(const std::string& path, bool json) {
    std::vector<std::uint8_t> data;
    if (!read_whole(path, data)) {
        std::cerr << "pmemvp-inspect: cannot read '" << path << "' (" << std::strerror(errno) << ")\n";
        return 1;
    }
    nfit_info info;
    if (nfit_parse(data.data(), data.size(), &info) != 0) {
        std::cerr << "pmemvp-inspect: " << path << ": invalid NFIT: " << info.error << "\n";
        return 1;
    }
    std::ostringstream os;
    if (json) {
        os << "{\"oem_id\":" << json_string(info.oem_id) << ",\"spa_ranges\":[";
        for (unsigned i = 0; i < info.nspa; ++i) {
            const auto& s = info.spa[i];
            os << (i ? "," : "") << "{\"index\":" << s.index << ",\"type\":\""
               << nfit_spa_type_name(s.type_guid) << "\",\"base\":" << s.base << ",\"length\":"
               << s.length << ",\"proximity_domain\":" << s.proximity_domain << "}";
        }
        os << "],\"dimms\":[";
        for (unsigned i = 0; i < info.ndimm; ++i) {
            const auto& d = info.dimm[i];
            os << (i ? "," : "") << "{\"handle\":" << d.handle << ",\"spa_index\":" << d.spa_index
               << ",\"dcr_index\":" << d.dcr_index << ",\"region_size\":" << d.region_size
               << ",\"region_offset\":" << d.region_offset << ",\"dpa\":" << d.dpa
               << ",\"interleave_ways\":" << d.interleave_ways << ",\"line_size\":" << d.line_size
               << ",\"unarmed\":" << ((d.flags & NFIT_MEM_NOT_ARMED) ? "true" : "false")
               << ",\"vendor\":" << d.vendor << ",\"serial\":" << d.serial << ",\"fic\":" << d.fic
               << ",\"flush_hints\":[";
            for (unsigned h = 0; h < d.hint_count; ++h) os << (h ? "," : "") << d.hints[h];
            os << "]}";
        }
        os << "]";
        if (info.has_capabilities) os << ",\"capabilities\":" << info.capabilities;
        os << "}\n";
    } else {
        os << path << ": valid NFIT (OEM " << info.oem_id << ")\n";
        for (unsigned i = 0; i < info.nspa; ++i) {
            const auto& s = info.spa[i];
            os << "  SPA range " << s.index << ": " << nfit_spa_type_name(s.type_guid) << " "
               << hex(s.base) << ".." << hex(s.base + s.length - 1) << " (" << s.length << " bytes)\n";
        }
        for (unsigned i = 0; i < info.ndimm; ++i) {
            const auto& d = info.dimm[i];
            os << "  DIMM handle " << hex(d.handle) << ": SPA " << d.spa_index << " offset "
               << hex(d.region_offset) << " size " << hex(d.region_size) << ", " << d.interleave_ways
               << "-way" << (d.line_size ? " x " + hex(d.line_size) : "") << ", serial "
               << hex(d.serial) << ", " << d.hint_count << " flush hint(s)"
               << ((d.flags & NFIT_MEM_NOT_ARMED) ? ", NOT ARMED" : "") << "\n";
        }
        if (info.has_capabilities)
            os << "  platform capabilities: " << hex(info.capabilities)
               << ((info.capabilities & 1) ? " (cpu cache flush)" : (info.capabilities & 2) ? " (memory controller flush)" : "")
               << "\n";
    }
    std::cout << os.str();
    return 0;
}

// One little-endian field of the label area.
std::uint64_t le(const std::uint8_t* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

std::string uuid_string(const std::uint8_t* u) {
    char s[37];
    nslabel_uuid_string(u, s);
    return s;
}

// The label area at the end of an NVDIMM backing file: 0 with `area` filled, else the exit status.
int read_label_area(const std::string& path, std::uint64_t label_size, std::vector<std::uint8_t>& area) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        std::cerr << "pmemvp-inspect: cannot read '" << path << "' (" << std::strerror(errno) << ")\n";
        return 1;
    }
    const std::uint64_t file_size = static_cast<std::uint64_t>(in.tellg());
    if (label_size == 0 || label_size > file_size || label_size > (1u << 30)) {
        std::cerr << "pmemvp-inspect: --label-size " << label_size << " does not fit '" << path
                  << "' (" << file_size << " bytes); give the label-size of the -device nvdimm\n";
        return 2;
    }
    area.resize(label_size);
    in.seekg(static_cast<std::streamoff>(file_size - label_size));
    in.read(reinterpret_cast<char*>(area.data()), static_cast<std::streamsize>(label_size));
    return 0;
}

// One DIMM as `ndctl read-labels -j` prints it (ndctl 76, ndctl/dimm.c: dump_json,
// dump_index_json, dump_label_json), pretty-printed the way json-c does for ndctl:
// - "dev": the name given (nmem0, nmem1, ... in command-line order);
// - "index": both index blocks as stored, at offset 0 and one index size: the signature (its
//   first 15 bytes), major, minor, labelsize (1 << (7 + the stored byte)), seq and nslot;
// - "label": every slot whose stored slot number is its own, in use or freed (ndctl reads the
//   slots, not the free bitmap), with uuid, name, slot, position, nlabel, flags, isetcookie,
//   lbasize, dpa, rawsize, and for 256-byte (v1.2) labels type_guid and abstraction_guid.
void ndctl_dimm_json(std::ostream& os, const std::string& dev, const nslabel_area& a) {
    os << "  {\n    \"dev\":\"" << dev << "\",\n    \"index\":[\n";
    for (int i = 0; i < 2; ++i) {
        const std::uint8_t* p = a.data + static_cast<std::size_t>(i) * a.g.index_size;
        char signature[16] = {};
        std::memcpy(signature, p, 15);
        os << "      {\n        \"signature\":" << json_string(signature) << ",\n        \"major\":"
           << le(p + 60, 2) << ",\n        \"minor\":" << le(p + 62, 2)
           << ",\n        \"labelsize\":" << (1u << ((7 + p[19]) & 31)) << ",\n        \"seq\":"
           << le(p + 20, 4) << ",\n        \"nslot\":" << le(p + 56, 4) << "\n      }"
           << (i ? "\n" : ",\n");
    }
    os << "    ],\n    \"label\":[";
    bool first = true;
    for (std::uint32_t slot = 0; slot < a.g.nslot; ++slot) {
        ns_label l;
        nslabel_read(&a, slot, &l);
        if (l.slot != slot) continue;
        l.name[63] = 0; // ndctl keeps 63 characters of the 64
        os << (first ? "\n" : ",\n") << "      {\n        \"uuid\":\"" << uuid_string(l.uuid)
           << "\",\n        \"name\":" << json_string(l.name) << ",\n        \"slot\":" << l.slot
           << ",\n        \"position\":" << l.position << ",\n        \"nlabel\":" << l.nlabel
           << ",\n        \"flags\":" << l.flags << ",\n        \"isetcookie\":" << l.isetcookie
           << ",\n        \"lbasize\":" << l.lbasize << ",\n        \"dpa\":" << l.dpa
           << ",\n        \"rawsize\":" << l.rawsize;
        if (a.g.label_size == 256)
            os << ",\n        \"type_guid\":\"" << uuid_string(l.type_guid)
               << "\",\n        \"abstraction_guid\":\"" << uuid_string(l.abstraction_guid) << "\"";
        os << "\n      }";
        first = false;
    }
    os << (first ? "]\n  }" : "\n    ]\n  }");
}

int show_labels(const std::vector<std::string>& paths, std::uint64_t label_size, bool json) {
    std::ostringstream os;
    if (json) os << "[\n";
    for (std::size_t d = 0; d < paths.size(); ++d) {
        const std::string& path = paths[d];
        std::vector<std::uint8_t> area;
        if (const int status = read_label_area(path, label_size, area)) return status;
        nslabel_area a;
        char why[200];
        if (nslabel_open(area.data(), static_cast<std::uint32_t>(label_size), &a, why, sizeof why) != 0) {
            std::cerr << "pmemvp-inspect: " << path << ": no namespace labels: " << why << "\n";
            return 1;
        }
        if (json) {
            ndctl_dimm_json(os, "nmem" + std::to_string(d), a);
            os << (d + 1 < paths.size() ? ",\n" : "\n");
            continue;
        }
        std::vector<ns_label> labels(a.g.nslot);
        const int count = nslabel_list(&a, labels.data(), static_cast<int>(labels.size()));
        const char* version = a.g.label_size == 256 ? "1.2" : "1.1";
        os << path << ": v" << version << " labels (" << a.g.label_size << " bytes, " << a.g.nslot
           << " slots), index " << a.current << " current (seq " << a.seq[a.current] << "); index "
           << !a.current << " " << (a.valid[!a.current] ? "valid" : "invalid") << " (seq "
           << a.seq[!a.current] << ")\n";
        for (int i = 0; i < count; ++i) {
            const ns_label& l = labels[i];
            os << "  namespace " << uuid_string(l.uuid) << " \"" << l.name << "\": size " << hex(l.rawsize)
               << " dpa " << hex(l.dpa) << " flags " << hex(l.flags) << " position " << l.position
               << "/" << l.nlabel << " slot " << l.slot << " cookie " << hex(l.isetcookie) << "\n";
        }
        if (count == 0) os << "  no namespaces\n";
    }
    if (json) os << "]\n";
    std::cout << os.str();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool json = false;
    std::uint64_t label_size = 0;
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") {
            json = true;
        } else if (args[i] == "--label-size") {
            if (i + 1 == args.size()) return usage("--label-size needs a size, e.g. 128K");
            auto size = pmemvp::util::parse_size(args[++i]);
            if (!size) return usage(("--label-size '" + args[i] + "' is not a size; e.g. 128K").c_str());
            label_size = *size;
        } else if (args[i] == "-h" || args[i] == "--help") {
            usage("looks inside NVDIMM metadata");
            return 0;
        } else if (args[i].rfind("-", 0) == 0) {
            return usage(("unknown option '" + args[i] + "'").c_str());
        } else {
            positional.push_back(args[i]);
        }
    }
    if (positional.size() < 2) return usage("give a command (nfit or labels) and a file");
    if (positional[0] == "nfit") {
        if (positional.size() != 2) return usage("nfit takes one file");
        return show_nfit(positional[1], json);
    }
    if (positional[0] == "labels") {
        if (!label_size) return usage("labels needs --label-size SIZE (the nvdimm's label-size)");
        return show_labels({positional.begin() + 1, positional.end()}, label_size, json);
    }
    return usage(("unknown command '" + positional[0] + "'; accepted: nfit, labels").c_str());
}
