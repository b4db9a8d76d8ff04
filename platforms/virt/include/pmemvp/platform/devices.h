// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/nvdimm/nvdimm.h"
#include "pmemvp/nvdimm/nvdimm_root.h"
#include "pmemvp/virtio/virtio_pmem.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pmemvp::platform {

// -device pcie-root-port: a PCIe slot on bus 0 that takes a device at run time.
struct root_port_options {
    std::string id;
    unsigned slot = 0;                     // the physical slot number Linux shows (/sys/bus/pci/slots)
    unsigned chassis = 0;                  // QEMU's; recorded, no effect
    std::optional<unsigned> addr;          // the device number on bus 0 (default: the next free one)
    static root_port_options parse(const std::string& keyvals); // after "pcie-root-port,"
};

// The device factory: what one -device (command line) or device_add (monitor) names, by type.
// The command line and the monitor parse through here, and the platform takes the result.
using device_options = std::variant<nvdimm::nvdimm_options, virtio::virtio_pmem_options, root_port_options>;
// "TYPE,key=value,...". Throws config_error naming the type or option.
device_options parse_device(const std::string& text);
const std::string& device_id(const device_options& device);

// What -object and object-add make.
using object_options = std::variant<backend::file_backend_options, nvdimm::interleave_options>;
object_options parse_object(const std::string& text);

// What -device help, -device TYPE,help, -object help and -object TYPE,help print.
struct type_help {
    const char* type;
    const char* description;
    std::vector<std::pair<const char*, const char*>> properties; // name=<type>, what
};
const std::vector<type_help>& device_types();
const std::vector<type_help>& object_types();
// The help text `text` asks for ("help", "?", "TYPE,help"), or "" if it asks for none.
// `option`: "-device" or "-object". Throws config_error for an unknown type.
std::string type_help_text(const std::string& option, const std::string& text, const std::vector<type_help>& types);

} // namespace pmemvp::platform
