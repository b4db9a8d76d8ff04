// SPDX-License-Identifier: Apache-2.0
// pmemvp's command line and every option parser under it. Byte 0 picks the target:
//   0: parse_command_line on the rest, cut into argv words at NUL and newline bytes;
//   1..: one sub-parser on the rest as a string (the list below), including the device factory
//   (parse_device, parse_object) that the monitor's device_add and object_add use too.
// A config_error is the expected answer to a bad input (main() prints it and exits 2; it does
// the same for an sc_report); anything else escaping, a crash, a hang or a sanitizer report is
// a finding. Only options are parsed: nothing here opens, creates or maps a file.
#include "options.h"

#include "pmemvp/backend/file_backend.h"
#include "pmemvp/nvdimm/nvdimm.h"
#include "pmemvp/pmem/persistence_domain.h"
#include "pmemvp/pmem/timing_profile.h"
#include "pmemvp/tlm/log.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"
#include "pmemvp/platform/devices.h"
#include "pmemvp/virtio/virtio_pmem.h"

#include <cstdint>
#include <string>
#include <vector>

using namespace pmemvp;

namespace {

void command_line(const std::string& text) {
    std::vector<std::string> words{"pmemvp"};
    std::string word;
    for (char c : text) {
        if (c == '\0' || c == '\n') {
            words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) words.push_back(word);
    if (words.size() > 64) return;
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    const cli::run_options o = cli::parse_command_line(static_cast<int>(words.size()), argv.data());
    if (o.help && o.timing_help.empty()) (void)cli::usage();
}

void keyvals(const std::string& text) {
    util::keyval_list list("-fuzz", text, !text.empty() && text[0] != ',');
    (void)list.head();
    (void)list.has("b");
    (void)list.take_string("a");
    (void)list.take_size("size");
    (void)list.take_bool("on");
    list.finish({"a", "size", "on"});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 4096) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        switch (data[0] % 14) {
        case 0: command_line(text); break;
        case 1: keyvals(text); break;
        case 2: (void)util::parse_size(text); break;
        case 3: (void)util::parse_seconds(text); (void)cli::parse_time(text); break;
        case 4: (void)backend::file_backend_options::parse(text); break;
        case 5: (void)pmem::timing_profile::parse(text).describe(); break;
        case 6: (void)nvdimm::nvdimm_options::parse(text); break;
        case 7: (void)nvdimm::interleave_options::parse(text); break;
        case 8: (void)virtio::virtio_pmem_options::parse(text); break;
        case 9: (void)pmem::failure_policy::parse(text); (void)pmem::parse_domain(text); break;
        case 10: (void)util::parse_bool(text); (void)logger::parse_level(text); break;
        case 11: (void)pmem::timing_profile::named(text).describe(); break;
        case 12: (void)platform::device_id(platform::parse_device(text)); break; // -device, device_add
        case 13: (void)platform::parse_object(text); break;                      // -object, object_add
        }
    } catch (const config_error&) {
    } catch (const sc_core::sc_report&) {
    }
    return 0;
}
